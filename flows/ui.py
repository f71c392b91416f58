"""`award_digest_form`: the award-digest deployment's entry point, with parameters the UI renders as a form.

The conference is an enum of the manifests known when the module is imported, so the server's
parameter schema rejects an unknown conference before any run starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def setting_overrides(**env: str | None) -> Iterator[None]:
    """Set PAPERPANELS_* variables for the duration of one run, then restore them."""
    saved = {name: os.environ.get(name) for name in env}
    try:
        for name, value in env.items():
            if value is not None:
                os.environ[name] = value
        get_settings.cache_clear()
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
        get_settings.cache_clear()


@flow(name="award-digest-form", flow_run_name="{conference} digest (form)")
def award_digest_form(
    conference: ConferenceSlug,
    papers: Annotated[list[str] | None, Field(description="Only these ids (arxiv:ID, paper id)")] = None,
    renderer: Annotated[Renderer | None, Field(description="Comic renderer; empty = settings")] = None,
    model: Annotated[str | None, Field(description="LLM as provider:model; empty = settings")] = None,
    language: Annotated[str | None, Field(description="Language of summaries and comics")] = None,
    force: Annotated[bool, Field(description="Recompute every stage, ignoring caches")] = False,
) -> Digest:
    """Digest one known conference with per-run overrides of renderer, LLM model and language."""
    with setting_overrides(
        PAPERPANELS_COMIC__RENDERER=renderer,
        PAPERPANELS_LLM__MODEL=model or None,
        PAPERPANELS_LLM__LANGUAGE=language or None,
    ):
        return award_digest(conference=str(conference.value), papers=papers or None, force=force)
