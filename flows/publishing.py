"""The last two steps of a conference run: its overview, then its release.

conference-overview (tasks/stages/overview.py) computes and stores the year in one page; the
publish-digest task (tasks/publish/task.py) writes the release from stored results only. An
overview that fails does not keep the papers from being published: the release says it has none.
"""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger
from prefect.utilities.annotations import opaque

from tasks.backends import Backends
from tasks.models import Conference, Digest, PaperResult, StoredObject
from tasks.publish.task import publish_digest
from tasks.stages import conference_overview


def publish_conference(
    conference: Conference,
    results: list[PaperResult],
    run: Backends,
    *,
    force: bool = False,
    excluded: list[str] | None = None,
    inputs: str | None = None,
) -> Digest:
    """Run the conference's overview step, then publish its digest as one release."""
    shown = [r for r in results if r.paper_id not in set(excluded or [])]
    # opaque: long lists (results) that Prefect need not walk looking for futures.
    state: Any = conference_overview(opaque(conference), opaque(shown), run, return_state=True)
    overview: dict[str, StoredObject] | None = None
    if state.is_completed():
        overview = dict(state.result().outputs)
    else:
        get_run_logger().error(
            "%s: the overview step failed (%s): the release is published without it",
            conference.slug, state.message,
        )  # fmt: skip
    digest: Digest = publish_digest(  # type: ignore[call-overload]
        opaque(conference), opaque(results), run.settings,
        force=force, excluded=excluded, inputs=inputs, overview=overview,
    )  # fmt: skip
    return digest
