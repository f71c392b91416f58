"""Operator commands: `paperpanels serve | deploy | bootstrap | watch` (registered on the main app)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from flows.cli.console import say
from flows.cli.runtime import load_settings, prefect_defaults


def register(app: typer.Typer) -> None:
    """Add the operator commands to the `paperpanels` app."""
    app.command("serve")(serve)
    app.command("deploy")(deploy)
    app.command("bootstrap")(bootstrap)
    app.command("watch")(watch)


def serve(
    limit: Annotated[int | None, typer.Option(min=1, help="Runs at once (default ops.serve_limit)")] = None,
) -> None:
    """Serve every deployment (award-digest, watch-awards, backfill, draw-comics) from this process."""
    prefect_defaults()
    settings = load_settings()
    from flows.deployments import serve_all

    serve_all(settings, limit=limit)


def deploy(
    skip_bootstrap: Annotated[bool, typer.Option(help="Skip creating pools, limits, blocks")] = False,
) -> None:
    """Register the deployments with the Prefect server (PREFECT_API_URL) on the configured work pools."""
    settings = load_settings()
    from flows.deployments import deploy_all

    if not skip_bootstrap:
        from flows.infrastructure import ensure_infrastructure

        for line in ensure_infrastructure(settings):
            say(line)
    for deployment_id in deploy_all(settings):
        say(f"deployment {deployment_id}")


def bootstrap() -> None:
    """Create, idempotently, the work pools, concurrency and rate limits and result-storage blocks."""
    settings = load_settings()
    from flows.infrastructure import ensure_infrastructure

    for line in ensure_infrastructure(settings):
        say(line)


def watch() -> None:
    """Poll once for new award lists and start their digests (what the watch-awards schedule runs)."""
    prefect_defaults()
    load_settings()
    from flows.watch import watch_awards

    say(json.dumps(watch_awards(), indent=2))
