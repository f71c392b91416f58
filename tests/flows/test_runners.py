"""Where stages run: processes for CPU-bound stages, a Dask cluster, the concurrency setting honoured,
waiting work (model calls) as wide as its own limit."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tasks.models import PaperStatus
from tests.fixture_conference import CONFERENCES, SLUG, stage_papers


def test_cpu_bound_work_runs_in_other_processes_task_runs_on_threads(prefect_harness: None) -> None:
    from config.settings import get_settings
    from flows.runtime.runners import StageRunners, for_papers
    from tasks.compute import run_cpu

    local = get_settings().with_values(concurrency=2, **{"ops.task_runner": "local", "ops.cpu_workers": 2})
    workers = {run_cpu(local, os.getpid) for _ in range(8)}
    assert os.getpid() not in workers and 1 <= len(workers) <= 2, workers
    with StageRunners(local) as runners:
        assert "2 processes for parsing and sketch comics" in runners.describe()

    # Threads only, a small conference, or one core: the same work, here.
    threads = local.with_values(**{"ops.task_runner": "threads"})
    assert run_cpu(threads, os.getpid) == os.getpid()
    small = for_papers(local, papers=local.ops.process_min_papers - 1)
    assert run_cpu(small, os.getpid) == os.getpid()
    assert run_cpu(local.with_values(**{"ops.cpu_workers": 1}), os.getpid) == os.getpid()
    with StageRunners(threads) as runners:
        assert runners.describe().endswith("; 2 threads for computing")


def test_a_paper_parsed_and_drawn_on_the_pool_is_the_same_as_on_a_thread(
    prefect_harness: None, fixtures_dir: Path, tmp_path: Path
) -> None:
    from prefect import flow

    from config.settings import get_settings
    from tasks.backends import backends_for
    from tasks.harvest.manifest import load_conference, select_entries
    from tasks.stages import PaperWork
    from tasks.stages.plain import run_paper

    stage_papers(fixtures_dir, tmp_path / "papers", only={"1708.05894"})
    entry = select_entries(load_conference(SLUG, CONFERENCES), ["1708.05894"])[0]

    @flow
    def stages(s: Any) -> tuple[str, str]:  # the stage functions themselves, no cache
        done = run_paper(PaperWork(SLUG, entry), backends_for(s))
        return done["parse"].outputs["parsed.json"].sha256, done["comic"].outputs["comic.png"].sha256

    made = {}
    for kind in ("local", "threads"):
        made[kind] = stages(
            get_settings().with_values(
                conferences_dir=CONFERENCES,
                papers_dir=tmp_path / "papers",
                concurrency=2,
                **{"store.uri": str(tmp_path / kind), "ops.task_runner": kind, "comic.width": 640},
            )
        )
    assert made["local"] == made["threads"]


def _overlap(runs: list[Any]) -> int:
    """Most task runs running at the same moment, from their recorded start and end times."""
    edges: list[tuple[datetime, int]] = []
    for run in runs:
        if run.start_time and run.end_time and run.state_name != "Cached":
            edges += [(run.start_time, 1), (run.end_time, -1)]
    most = now = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        now += step
        most = max(most, now)
    return most


COMPUTING = ("parse", "card", "summarize", "comic")  # without a model: every stage but acquire computes


@pytest.mark.slow
@pytest.mark.parametrize("concurrency", [1, 2])
def test_the_concurrency_setting_is_what_computes_at_once(
    prefect_harness: None, fixtures_dir: Path, tmp_path: Path, concurrency: int
) -> None:
    """Measured from the task runs the server recorded: never more than `concurrency` computing
    stages at once (concurrency <= the 2 cores), and with 3 papers and 2 allowed, more than one (no
    worker waits on an upstream future)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from config.settings import get_settings
    from flows.digest import award_digest
    from tasks.compute import cpu_processes

    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    staged = stage_papers(fixtures_dir, tmp_path / "papers")
    papers = sorted(staged)[:3]
    settings = get_settings().with_values(
        conferences_dir=conferences,
        papers_dir=tmp_path / "papers",
        concurrency=concurrency,
        **{"ops.task_runner": "threads", "comic.width": 640},
    )
    state = award_digest(conference=SLUG, papers=papers, settings=settings, return_state=True)
    assert state.result().count(PaperStatus.DONE) == 3
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    stages = [r for r in runs if not r.name.startswith(("overview", "publish", "themes ahead"))]
    assert len(stages) == 15  # acquire, parse, card, summarize, comic
    most, allowed = _overlap([r for r in stages if r.name.startswith(COMPUTING)]), cpu_processes(settings)
    assert most <= allowed, f"{most} stages computed at once with concurrency {concurrency}"
    if allowed > 1:
        assert most > 1, f"stages ran one at a time although {allowed} were allowed"


@pytest.mark.slow
def test_model_calls_of_several_papers_wait_together_while_computing_keeps_to_the_cores(
    prefect_harness: None, fixtures_dir: Path, tmp_path: Path
) -> None:
    """One paper computing at a time (concurrency 1), a model answering in 1.5 s with 3 calls
    allowed: the summaries of several papers wait on the model together, up to llm.concurrency
    calls in flight, while parse and card runs, from their recorded start and end times, never
    overlap."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from config.settings import get_settings
    from flows.digest import award_digest
    from tests.summarize.openai_server import ReplayServer
    from tests.summarize.replay import with_replay_llm

    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    papers = sorted(stage_papers(fixtures_dir, tmp_path / "papers"))
    settings = get_settings().with_values(
        conferences_dir=conferences,
        papers_dir=tmp_path / "papers",
        concurrency=1,
        **{"ops.task_runner": "threads", "comic.width": 640, "llm.concurrency": 3},
    )
    llm = ReplayServer().start()
    llm.state.default, llm.state.slow_s = "slow", 1.5
    try:
        settings = with_replay_llm(settings, llm, tmp_path)
        state = award_digest(conference=SLUG, papers=papers, settings=settings, return_state=True)
    finally:
        llm.stop()
    assert state.result().count(PaperStatus.DONE) == len(papers) == 4
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    summaries = [r for r in runs if r.name.startswith("summarize")]
    computing = [r for r in runs if r.name.startswith(("parse", "card"))]
    assert len(summaries) == 4 and len(computing) == 8
    assert _overlap(computing) == 1, "papers computed at once beyond concurrency 1"
    assert _overlap(summaries) >= 2, "the papers' summaries waited on the model one at a time"
    assert 2 <= llm.state.max_in_flight <= 3, llm.state.max_in_flight


@pytest.mark.slow
def test_a_digest_on_a_dask_cluster_of_worker_processes_into_s3(
    prefect_harness: None,
    fixtures_dir: Path,
    tmp_path: Path,
    moto_endpoint: str,
    s3_env: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    distributed = pytest.importorskip("distributed", reason="prefect-dask brings distributed")
    import boto3
    from prefect.settings import PREFECT_API_URL

    from config.settings import get_settings
    from flows.digest import award_digest

    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    staged = stage_papers(fixtures_dir, tmp_path / "papers")
    papers = sorted(staged)[:2]
    # The worker is another process: it reaches the same Prefect server and S3 as this one.
    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    settings = get_settings().with_values(
        conferences_dir=conferences,
        papers_dir=tmp_path / "papers",
        concurrency=2,
        **{
            "store.uri": f"s3://{s3_env}/pp",
            "store.endpoint_url": moto_endpoint,
            "ops.task_runner": "dask",
            "comic.width": 640,
            "ops.locks": "none",
        },
    )
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        with distributed.Client(address) as client:
            worker_pids = set(client.run(os.getpid).values())
            with distributed.get_task_stream(client) as stream:
                digest = award_digest(
                    conference=SLUG,
                    papers=papers,
                    settings=settings.with_values(**{"ops.dask_address": address}),
                )
    assert os.getpid() not in worker_pids and len(worker_pids) == 1
    # Every stage of both papers ran on the cluster's workers (the stream records each Dask task).
    assert len(stream.data) >= 8, stream.data
    assert [r.status for r in digest.results] == [PaperStatus.DONE, PaperStatus.DONE], [
        r.error for r in digest.results
    ]
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=s3_env, Prefix="pp/")["Contents"]}
    for pid in papers:
        assert f"pp/{SLUG}/papers/{pid}/comic.webp" in keys
        assert f"pp/{SLUG}/papers/{pid}/parsed.json" in keys
    assert f"pp/{SLUG}/current.json" in keys
