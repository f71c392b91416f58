"""One paper's stages as plain function calls, in order: no engine, no cache, no retries.

For benches (a baseline without Prefect) and tests that compare where a stage runs; a run uses the
tasks through flows/paper.py.
"""

from __future__ import annotations

from typing import Any

from tasks.backends import Backends
from tasks.models import StageResult
from tasks.stages.acquire import acquire_pdf
from tasks.stages.comic import draw_comic
from tasks.stages.common import PaperWork
from tasks.stages.parse import parse_paper
from tasks.stages.repro import card_paper
from tasks.stages.summarize import summarize_paper


def run_paper(work: PaperWork, run: Backends, *, comic: bool = True) -> dict[str, StageResult]:
    """Every stage of one paper, each handed what the ones before it stored; results by stage name."""
    results: dict[str, StageResult] = {}
    stages: list[tuple[str, Any]] = [
        ("acquire", acquire_pdf),
        ("parse", parse_paper),
        ("repro", card_paper),
        ("summarize", summarize_paper),
    ]
    if comic:
        stages.append(("comic", draw_comic))
    for name, stage in stages:
        result = stage.fn(work, run)
        assert isinstance(result, StageResult), f"{work.paper_id}: {name} returned {result!r}"
        results[name] = result
        work = work.with_outputs(result.outputs)
    return results
