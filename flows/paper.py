"""One paper's chain of stages, submitted so that papers run concurrently."""

from __future__ import annotations

from typing import Any

from prefect import Task
from prefect.futures import PrefectFuture

from tasks.models import AwardEntry, StageName
from tasks.stages import acquire_pdf, draw_comic, parse_paper, summarize_paper


def _fresh(task: Task[Any, Any], force: bool) -> Task[Any, Any]:
    return task.with_options(refresh_cache=True) if force else task


def submit_paper(
    conference: str, entry: AwardEntry, *, force: bool = False
) -> dict[StageName, PrefectFuture[Any]]:
    """Submit acquire -> parse -> summarize -> comic for one paper; a failed stage stops its chain only."""
    # Each future is passed where its value is expected: Prefect resolves it, or skips the
    # downstream task (state NotReady) when the upstream one failed.
    pdf = _fresh(acquire_pdf, force).submit(conference, entry)
    parsed = _fresh(parse_paper, force).submit(conference, entry.paper_id, pdf)
    summary = _fresh(summarize_paper, force).submit(conference, entry, parsed)
    comic = _fresh(draw_comic, force).submit(conference, entry, summary)
    return {
        StageName.ACQUIRE: pdf,
        StageName.PARSE: parsed,
        StageName.SUMMARIZE: summary,
        StageName.COMIC: comic,
    }
