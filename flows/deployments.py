"""The deployments, in one table: served locally by `paperpanels serve`, registered by `deploy`.

prefect.yaml lists the same deployments for `prefect deploy --all`; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment: which flow, under which name, on which pool, on what schedule."""

    name: str
    entrypoint: str  # path/to/file.py:function, relative to the repository root
    description: str
    gpu: bool = False
    cron: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ("paperpanels",)


def deployment_specs(settings: Settings) -> list[DeploymentSpec]:
    """award-digest (form), watch-awards (cron), backfill and draw-comics (GPU pool)."""
    return [
        DeploymentSpec(
            "award-digest", "flows/ui.py:award_digest_form", "Digest one conference (form parameters)"
        ),
        DeploymentSpec(
            "watch-awards",
            "flows/watch.py:watch_awards",
            "Start a digest for each new award list",
            cron=settings.ops.watch_cron,
        ),
        DeploymentSpec("backfill", "flows/backfill.py:backfill", "Digests of many conference-years"),
        DeploymentSpec("draw-comics", "flows/comic.py:draw_comics", "Comics of given papers", gpu=True),
    ]


def load_flow(entrypoint: str) -> Any:
    """The flow object an entrypoint names."""
    from prefect.flows import load_flow_from_entrypoint

    return load_flow_from_entrypoint(str(ROOT / entrypoint))


def runner_deployments(settings: Settings) -> list[Any]:
    """RunnerDeployments for `serve()` (all in this process, no work pool)."""
    return [
        load_flow(s.entrypoint).to_deployment(
            name=s.name, description=s.description, cron=s.cron, parameters=s.parameters, tags=list(s.tags)
        )
        for s in deployment_specs(settings)
    ]


def serve_all(settings: Settings, limit: int | None = None) -> None:
    """Serve every deployment from this process, at most `limit` runs at once."""
    from prefect import serve

    serve(*runner_deployments(settings), limit=limit or settings.ops.serve_limit)


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
            parameters=s.parameters,
            tags=list(s.tags),
            print_next_steps=False,
        )
        ids.append(str(deployment_id))
    return ids
