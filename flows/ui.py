"""`award_digest_form`: the award-digest deployment's entry point, with parameters the UI renders as a form.

The conference is an enum of the manifests known when the module is imported, so the server's
parameter schema rejects an unknown conference before any run starts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Literal

from prefect import flow
from pydantic import Field

from config.backends import choices
from config.settings import get_settings
from flows.digest import award_digest
from tasks.harvest.manifest import known_slugs
from tasks.models import Digest

ConferenceSlug = StrEnum(  # type: ignore[misc]
    "ConferenceSlug", {slug: slug for slug in known_slugs(get_settings().conferences_dir)}
)
# The renderers of config/backends.py's registry: a backend added there is a choice on the form.
if TYPE_CHECKING:
    Renderer = str
else:
    Renderer = Literal[choices("renderer")]


@flow(name="award-digest-form", flow_run_name="{conference} digest (form)")
def award_digest_form(
    conference: ConferenceSlug,
    papers: list[str] | None = None,
    renderer: Renderer | None = None,
    model: str | None = None,
    language: str | None = None,
    force: bool = False,
    concurrency: Annotated[int | None, Field(ge=1)] = None,
) -> Digest:
    """Digest one known conference with per-run overrides of renderer, LLM model and language.

    The UI form shows each argument's line below as its help text (Prefect reads this section).

    Args:
        conference: The conference-year to digest (one of the manifests in config/conferences).
        papers: Only these papers (arxiv:ID or the manifest's paper id); empty: every award paper.
        renderer: Comic renderer (diffusion: a GPU worker; sketch: drawn with Pillow); empty: the settings.
        model: LLM as provider:model (e.g. openai:gpt-4o-mini); empty: the settings, none means extractive.
        language: Language of the summaries and comics (e.g. en, de); empty: the settings.
        force: Recompute every stage, ignoring caches and the up-to-date check.
        concurrency: Papers processed at once; empty: the settings.
    """
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
