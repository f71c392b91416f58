"""`award_digest_form`: the award-digest deployment's entry point, with parameters the UI renders as a form.

The conference is an enum of the manifests known when the module is imported, so the server's
parameter schema rejects an unknown conference before any run starts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from prefect import flow
from pydantic import Field

from config.settings import get_settings
from flows.digest import award_digest
from tasks.harvest.manifest import known_slugs
from tasks.models import Digest

ConferenceSlug = StrEnum(  # type: ignore[misc]
    "ConferenceSlug", {slug: slug for slug in known_slugs(get_settings().conferences_dir)}
)
Renderer = Literal["auto", "diffusion", "sketch"]


@flow(name="award-digest-form", flow_run_name="{conference} digest (form)")
def award_digest_form(
    conference: ConferenceSlug,
    papers: Annotated[list[str] | None, Field(description="Only these ids (arxiv:ID, paper id)")] = None,
    renderer: Annotated[Renderer | None, Field(description="Comic renderer; empty = settings")] = None,
    model: Annotated[str | None, Field(description="LLM as provider:model; empty = settings")] = None,
    language: Annotated[str | None, Field(description="Language of summaries and comics")] = None,
    force: Annotated[bool, Field(description="Recompute every stage, ignoring caches")] = False,
    concurrency: Annotated[
        int | None, Field(ge=1, description="Papers processed at once; empty = settings")
    ] = None,
) -> Digest:
    """Digest one known conference with per-run overrides of renderer, LLM model and language."""
    # This run's settings are a value handed to the flow: the environment is never rewritten, so
    # two form runs served by one process cannot see each other's choices.
    settings = get_settings().with_values(
        **{
            "comic.renderer": renderer,
            "llm.model": model or None,
            "llm.language": language or None,
            "concurrency": concurrency,
        }
    )
    return award_digest(
        conference=str(conference.value), papers=papers or None, force=force, settings=settings
    )
