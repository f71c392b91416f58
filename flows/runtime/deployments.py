"""The deployments, in one table: served locally by `paperpanels serve`, registered by `deploy`.

prefect.yaml lists the same deployments for `prefect deploy --all`; a test keeps the two in step.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment: which flow, under which name, on which pool, on what schedule."""

    name: str
    entrypoint: str  # path/to/file.py:function, relative to the repository root
    description: str
    gpu: bool = False
    cron: str | None = None
    interval_s: int | None = None  # instead of the cron
    # At most this many runs at once; a run scheduled while they run is cancelled (a watch poll
    # that overlaps the previous one has nothing to add).
    single: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ("paperpanels",)


def deployment_specs(settings: Settings) -> list[DeploymentSpec]:
    """award-digest (form), watch-awards (cron), watched-digest, backfill and draw-comics (GPU pool)."""
    ops = settings.ops
    watch_parameters = {"as_of": ops.watch_as_of.isoformat()} if ops.watch_as_of else {}
    return [
        DeploymentSpec(
            "award-digest", "flows/ui.py:award_digest_form", "Digest one conference (form parameters)"
        ),
        DeploymentSpec(
            "watch-awards",
            "flows/watch.py:watch_awards",
            "Start a digest for each new award list: curated, or found on the announcement sources",
            cron=None if ops.watch_interval_s else ops.watch_cron,
            interval_s=ops.watch_interval_s,
            parameters=watch_parameters,
            single=True,
        ),
        DeploymentSpec(
            "watched-digest",
            "flows/watch.py:watched_digest",
            "Digest of an award list the watch found (review of uncertain papers first)",
        ),
        DeploymentSpec("backfill", "flows/backfill.py:backfill", "Digests of many conference-years"),
        DeploymentSpec("draw-comics", "flows/comic.py:draw_comics", "Comics of given papers", gpu=True),
    ]


def _concurrency(spec: DeploymentSpec) -> Any:
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    if not spec.single:
        return None
    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)


def load_flow(entrypoint: str) -> Any:
    """The flow object an entrypoint names."""
    from prefect.flows import load_flow_from_entrypoint

    return load_flow_from_entrypoint(str(ROOT / entrypoint))


def runner_deployments(settings: Settings) -> list[Any]:
    """RunnerDeployments for `serve()` (all in this process, no work pool)."""
    return [
        load_flow(s.entrypoint).to_deployment(
            name=s.name,
            description=s.description,
            cron=s.cron,
            interval=s.interval_s,
            parameters=s.parameters,
            tags=list(s.tags),
            concurrency_limit=_concurrency(s),
        )
        for s in deployment_specs(settings)
    ]


class RunnerTiming(TypedDict, total=False):
    """Runner options of `serve` (prefect.runner.Runner): absent ones keep Prefect's values."""

    prefetch_seconds: float
    query_seconds: float


def runner_prefetch_s() -> float:
    """How many seconds early Prefect's runner picks a scheduled run up, unless told otherwise."""
    from prefect.runner import Runner

    return float(inspect.signature(Runner.__init__).parameters["prefetch_seconds"].default)


# How long a run started now waits for `serve` to pick it up, at most, while a watch is served.
PICKUP_S = 2


def runner_timing(settings: Settings) -> RunnerTiming:
    """How early and how often `serve` looks for scheduled runs, so that every poll of a one-at-a-time
    deployment on an interval (watch-awards with `ops.watch_interval_s`) runs.

    The runner moves a run to Pending when it picks it up, `prefetch_seconds` before its time, and
    from then to the run's end the run holds its deployment's slot: a `single` deployment cancels a
    run that finds the slot held. With Prefect's 10 s prefetch and a watch every few seconds, each
    run held the slot across the next runs' pick-up: measured with a 5 s interval (bench/
    time_to_publish.py), two polls of three were cancelled, so the watch looked every 15 s. Half the
    shortest such interval leaves the other half for the poll itself (one that finds nothing: ~2 s).
    A run started now, not on a schedule (the digest the watch starts, a run from the UI), waits
    for the runner's next look: with Prefect's 10 s, or the interval, the watched digest began 2-8 s
    after the watch started it (bench/time_to_publish.py). So while a watch is served the runner
    asks every PICKUP_S, which is also at least once an interval. Cron schedules keep Prefect's values."""
    from prefect.settings import PREFECT_RUNNER_POLL_FREQUENCY

    intervals = [s.interval_s for s in deployment_specs(settings) if s.single and s.interval_s]
    if not intervals:
        return {}
    interval = min(intervals)
    timing = RunnerTiming(prefetch_seconds=max(1, min(runner_prefetch_s(), interval // 2)))
    if min(PICKUP_S, interval) < PREFECT_RUNNER_POLL_FREQUENCY.value():
        timing["query_seconds"] = min(PICKUP_S, interval)
    return timing


class ServeConflict(RuntimeError):
    """`serve` would share deployments that `deploy` put on work pools."""


def serve_all(settings: Settings, limit: int | None = None) -> None:
    """Serve every deployment from this process, at most `limit` runs at once (runner_timing).

    ServeConflict when one of them is already registered on a work pool (`paperpanels deploy`):
    serving it keeps it on the pool, so this process and the pool's workers would both pick up its
    runs, each taking whichever it sees first (a GPU pool's comics drawn on this machine's CPU)."""
    from prefect import serve

    deployments = runner_deployments(settings)
    on_pools = pooled(f"{d.flow_name}/{d.name}" for d in deployments)
    if on_pools:
        listed = ", ".join(f"{name} (work pool {pool!r})" for name, pool in on_pools.items())
        delete = "; ".join(f"prefect deployment delete {name}" for name in on_pools)
        raise ServeConflict(
            f"{listed}: registered by `paperpanels deploy`; `serve` would share their runs with the "
            f"pool's workers. Serve against another Prefect server, or delete them first: {delete}"
        )
    serve(*deployments, limit=limit or settings.ops.serve_limit, **runner_timing(settings))


def pooled(names: Iterable[str]) -> dict[str, str]:
    """Of these deployments ("flow/deployment"), those the server has on a work pool, with its name."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    found: dict[str, str] = {}
    with get_client(sync_client=True) as client:
        for name in names:
            try:
                pool = client.read_deployment_by_name(name).work_pool_name
            except ObjectNotFound:
                continue
            if pool:
                found[name] = pool
    return found


def deploy_all(settings: Settings) -> list[str]:
    """Register every deployment with the server on the configured work pools; returns their ids."""
    from prefect.flows import Flow

    ids = []
    for s in deployment_specs(settings):
        source_flow = Flow.from_source(source=str(ROOT), entrypoint=s.entrypoint)
        deployment_id = source_flow.deploy(  # type: ignore[union-attr]
            name=s.name,
            work_pool_name=settings.ops.gpu_work_pool if s.gpu else settings.ops.work_pool,
            description=s.description,
            cron=s.cron,
            interval=s.interval_s,
            parameters=s.parameters,
            tags=list(s.tags),
            concurrency_limit=_concurrency(s),
            print_next_steps=False,
        )
        ids.append(str(deployment_id))
    return ids
