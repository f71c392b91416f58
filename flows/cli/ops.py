"""Operator commands: `paperpanels server | serve | deploy | bootstrap | watch | calendar` (main app)."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.console import fail, out, say, table
from flows.cli.runtime import load_settings, prefect_defaults
from flows.runtime.deployments import ServeConflict, deploy_all, serve_all
from flows.runtime.infrastructure import ensure_infrastructure
from tasks.harvest.calendar import load_calendar
from tasks.harvest.manifest import known_slugs
from tasks.harvest.watching import load_record, utc
from tasks.store import store_for


def register(app: typer.Typer) -> None:
    """Add the operator commands to the `paperpanels` app."""
    app.command("server")(server)
    app.command("serve")(serve)
    app.command("deploy")(deploy)
    app.command("bootstrap")(bootstrap)
    app.command("watch")(watch)
    app.command("calendar")(calendar)


def server() -> None:
    """Keep a Prefect server up on 127.0.0.1:ops.server_port, its database in PREFECT_HOME kept
    between runs: commands without PREFECT_API_URL use it and start at once."""
    prefect_defaults()
    settings = load_settings(check_store=False)
    port = str(settings.ops.server_port)
    say(f"Prefect server on http://127.0.0.1:{port}/api (Ctrl-C stops it)")
    prefect = str(Path(sys.executable).parent / "prefect")
    os.execv(prefect, [prefect, "server", "start", "--analytics-off", "--host", "127.0.0.1", "--port", port])


def serve(
    limit: Annotated[int | None, typer.Option(min=1, help="Runs at once (default ops.serve_limit)")] = None,
) -> None:
    """Serve every deployment (award-digest, watch-awards, backfill, draw-comics) from this process."""
    prefect_defaults()
    settings = load_settings()
    try:
        serve_all(settings, limit=limit)
    except ServeConflict as exc:
        raise fail(exc) from None


def deploy(
    skip_bootstrap: Annotated[bool, typer.Option(help="Skip creating pools, limits, blocks")] = False,
) -> None:
    """Register the deployments with the Prefect server (PREFECT_API_URL) on the configured work pools."""
    settings = load_settings()
    if not skip_bootstrap:
        for line in ensure_infrastructure(settings):
            say(line)
    for deployment_id in deploy_all(settings):
        say(f"deployment {deployment_id}")


def bootstrap() -> None:
    """Create, idempotently, the work pools, concurrency and rate limits and result-storage blocks."""
    settings = load_settings()
    for line in ensure_infrastructure(settings):
        say(line)


def watch(
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Pick editions as if it were this day"),
    ] = None,
    here: Annotated[
        bool, typer.Option("--here", help="Run the digests in this process (no server or deployments)")
    ] = False,
) -> None:
    """Poll once for new award lists and start their digests (what the watch-awards schedule runs)."""
    prefect_defaults()
    load_settings()
    from flows.watch import watch_awards

    say(json.dumps(watch_awards(as_of=as_of.date() if as_of else None, here=here), indent=2))


def calendar(
    on: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="The day to look at (default today, UTC)"),
    ] = None,
) -> None:
    """The conference calendar: each venue's window and sources, which editions are watched on a day,
    and what the watch has found for them."""
    settings = load_settings()
    day = on.date() if on else utc(None).date()
    cal = load_calendar(settings.harvest.calendar_file)
    due = {e.venue: e for e in cal.editions_due(day)}
    store = store_for(settings.store)
    catalogue = known_slugs(settings.conferences_dir)
    rows = []
    for key, venue in sorted(cal.venues.items()):
        past = sorted(s for s in catalogue if s.rsplit("-", 1)[0] == key)
        edition = due.get(key)
        record = load_record(store, edition.slug) if edition else None
        found = f"{record.papers} papers, {record.status}" if record else ("watching" if edition else "")
        window = f"{venue.window[0]} .. {venue.window[1]}"
        rows.append([key, window, ", ".join(past[-3:]), edition.slug if edition else "", found])
    out.print(
        table(
            f"Conference calendar on {day.isoformat()}",
            ["venue", "window", "catalogue", "watched", "found"],
            rows,
        )
    )
