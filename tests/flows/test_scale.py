"""Long award lists: unavailable papers cost no task run; stages start when their input is ready."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tasks.models import PaperStatus, StageName
from tests.fixture_conference import CONFERENCES, SLUG, stage_papers

pytestmark = [pytest.mark.slow]


def synthetic_manifest(folder: Path, slug: str, papers: int) -> None:
    """A conference of `papers` entries with arXiv ids that no folder holds."""
    entries = [
        {"title": f"Synthetic paper {i}", "award": "honorable mention", "ids": {"arxiv": f"2501.{i:05d}"}}
        for i in range(1, papers + 1)
    ]
    body = {"slug": slug, "name": f"Synthetic {papers}", "year": 2025, "entries": entries}
    (folder / f"{slug}.yaml").write_text(yaml.safe_dump(body))


def test_unavailable_papers_start_no_task(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from config.settings import get_settings
    from flows.digest import award_digest

    synthetic_manifest(tmp_path, "synthetic-2025", 500)
    settings = get_settings().with_values(conferences_dir=tmp_path)
    state = award_digest(conference="synthetic-2025", settings=settings, return_state=True)
    digest = state.result()
    assert len(digest.results) == 500 and digest.count(PaperStatus.UNAVAILABLE) == 500
    assert "downloads are off" in (digest.results[0].error or "")
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    assert sorted(r.name for r in runs) == ["overview synthetic-2025", "publish synthetic-2025"]


def test_each_stage_starts_when_its_input_is_ready(
    prefect_harness: None, fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window of papers in flight, none waiting in a pool thread for an upstream stage."""
    import threading

    from prefect import flow
    from prefect.task_runners import ThreadPoolTaskRunner

    import tasks.summarize.extractive
    from config.settings import get_settings
    from flows.paper import PaperChains
    from tasks.backends import backends_for
    from tasks.harvest.manifest import load_conference

    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    stage_papers(fixtures_dir, tmp_path / "papers")

    # Four summaries must be running at the same moment: with 4 workers that only holds if no
    # worker is stuck waiting for an upstream future (the barrier breaks after 20 s otherwise).
    together = threading.Barrier(4, timeout=20)
    original = tasks.summarize.extractive.summarize_extractive

    def slow_summary(*args: object, **kwargs: object) -> object:
        together.wait()
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tasks.summarize.extractive, "summarize_extractive", slow_summary)
    settings = get_settings().with_values(
        conferences_dir=conferences, papers_dir=tmp_path / "papers", **{"comic.width": 768}
    )
    conf = load_conference(SLUG, conferences)

    told: list[dict[str, Any]] = []

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
    def chains() -> PaperChains:
        runner = PaperChains(
            conf.slug, conf.entries, run=backends_for(settings), window=4, on_summaries=told.append
        )
        runner.run()
        return runner

    runner = chains()
    assert runner.max_in_flight == 4
    # Told once, when every summary had settled: before the comics had all been drawn (what needs
    # the summaries only, the themes, starts beside them).
    (settled,) = told
    assert set(settled) == {e.paper_id for e in conf.entries}
    assert all(StageName.SUMMARIZE in o for o in settled.values())
    assert any(StageName.COMIC not in o for o in settled.values())
    assert not together.broken, "four summaries never ran at once with 4 workers and 4 papers"
    for outcomes in runner.outcomes.values():
        assert {o.status.state.value for o in outcomes.values()} == {"done"}
