"""The human review gate: a paused digest waits for an approval form before it is published."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from config.settings import Settings
from flows.publishing import publish_conference
from tasks.backends import Backends
from tasks.models import Conference, Digest, PaperResult
from tasks.store import conference_key, store_for


class ApprovalInput(RunInput):
    """The reviewer's answer, rendered as a form when the run is resumed from the UI."""

    approve: bool = Field(description="Publish the digest")
    exclude: list[str] = Field(default_factory=list, description="Paper ids to leave out of the digest")
    note: str = Field("", description="Why, for the record")


def _record(conference: Conference, settings: Settings, outcome: str, note: str = "") -> None:
    """Store `<slug>/review.json` so the outcome of the gate is on record next to the digest."""
    at = datetime.now(UTC).isoformat()
    body = {"conference": conference.slug, "outcome": outcome, "note": note, "at": at}
    store_for(settings.store).put(conference_key(conference.slug, "review.json"), json.dumps(body).encode())


def review_gate(
    conference: Conference, results: list[PaperResult], *, run: Backends, force: bool = False
) -> Digest:
    """Pause for approval, then publish (approved) or record why the digest was not published."""
    settings = run.settings
    logger = get_run_logger()
    flagged = [r.paper_id for r in results if r.entry.needs_review]
    timeout = settings.ops.review_timeout_s
    lines = "\n".join(f"- {r.paper_id}: {r.status.value}" for r in results)
    create_markdown_artifact(
        key=f"{conference.slug}-review",
        markdown=f"## Review {conference.name}\n\nFlagged `needs_review`: {', '.join(flagged) or 'none'}"
        f"\n\n{lines}",
        description="Waiting for approval",
    )
    logger.info("review: waiting up to %d s for approval (flagged: %s)", timeout, flagged or "none")
    try:
        answer = pause_flow_run(
            wait_for_input=ApprovalInput, timeout=timeout, poll_interval=min(10, max(1, timeout // 20))
        )
    except FlowPauseTimeout:
        logger.error("review: no answer within %d s: %s NOT published", timeout, conference.slug)
        _record(conference, settings, "timed out: not published")
        return Digest(conference=conference, results=results, notices=["review timed out: not published"])
    if not answer.approve:
        logger.warning("review: rejected (%s): %s NOT published", answer.note, conference.slug)
        _record(conference, settings, "rejected: not published", answer.note)
        return Digest(conference=conference, results=results, notices=["review rejected: not published"])
    excluded = sorted(set(answer.exclude))
    _record(conference, settings, f"approved, excluded {excluded}", answer.note)
    logger.info("review: approved; %d papers excluded", len(excluded))
    return publish_conference(conference, results, run, force=force, excluded=excluded)
