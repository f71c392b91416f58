"""`paperpanels digest | backfill | gc`: run conferences, and tidy what failed runs left behind."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flows.cli.console import EXIT_PAPERS_FAILED, fail, out, say, table, warn
from flows.cli.progress import run_display
from flows.cli.runtime import (
    Stopped,
    exit_now,
    load_settings,
    prefect_session,
    published,
    run_stoppable,
)
from tasks.freshness import check_current
from tasks.harvest.catalogue import expand_specs
from tasks.harvest.errors import HarvestError
from tasks.harvest.manifest import load_conference, select_entries
from tasks.models import PaperStatus
from tasks.publish.feed import ensure_listed
from tasks.publish.garbage import find_garbage, remove_garbage
from tasks.publish.release import read_current
from tasks.publish.site import ensure_site
from tasks.store import store_for

if TYPE_CHECKING:
    from config.settings import Settings


def digest(
    conference: Annotated[str, typer.Argument(help="Conference slug, e.g. neurips-2025")],
    paper: Annotated[
        list[str] | None,
        typer.Option("--paper", help="Only these ids (arxiv:ID / openreview:ID), repeatable"),
    ] = None,
    papers_dir: Annotated[
        Path | None, typer.Option(help="Folder of <arxiv id>.pdf / <openreview id>.pdf files")
    ] = None,
    store: Annotated[str | None, typer.Option(help="Artifact store: directory or s3://bucket/prefix")] = None,
    force: Annotated[bool, typer.Option(help="Recompute every stage, ignoring caches")] = False,
    concurrency: Annotated[int | None, typer.Option(min=1, help="Papers processed at once")] = None,
    runner: Annotated[
        str | None,
        typer.Option(help="Where stages run: local (threads + processes), threads, dask"),
    ] = None,
    dask: Annotated[
        str | None, typer.Option(help="Dask scheduler address for --runner dask, e.g. tcp://host:8786")
    ] = None,
) -> None:
    """Run the award-digest flow for one conference and print where the digest is."""
    settings = load_settings(
        {
            "papers_dir": papers_dir,
            "concurrency": concurrency,
            "store.uri": store,
            "ops.task_runner": runner,
            "ops.dask_address": dask,
        }
    )
    if papers_dir is not None and not papers_dir.is_dir():
        raise fail(f"--papers-dir {papers_dir} is not a directory")
    try:  # Validate before starting Prefect, so bad input fails fast and clearly.
        entries = select_entries(load_conference(conference, settings.conferences_dir), paper)
    except HarvestError as exc:
        raise fail(exc) from None
    if not force and _up_to_date(conference, entries, settings):
        return
    result = _run_digest(conference, paper or None, force, settings)
    _report(result, settings)


def _up_to_date(slug: str, entries: list[Any], settings: Settings) -> bool:
    """Like make: say so and stop when the current release was built from these very inputs.

    The feed is checked on the way (one read): a damaged one is rebuilt from the releases.
    """
    store = store_for(settings.store)
    verdict = check_current(entries, settings, store, slug)
    if not verdict.current:
        say(f"{slug}: running: {verdict.reason}")
        return False
    say(f"{slug}: up to date ({verdict.reason}); nothing to run. --force runs every stage again.")
    if verdict.published is not None:
        base_url = settings.publish.base_url
        if ensure_listed(store, verdict.published, base_url):
            warn("repaired:", "feed.xml did not list every current release; rebuilt from the releases")
        if ensure_site(store, verdict.published, base_url):
            warn("repaired:", "the site's index.html did not list this release; rebuilt from the releases")
        say(store.location(verdict.published.key("digest.html")))
    return True


def _run_digest(conference: str, papers: list[str] | None, force: bool, settings: Settings) -> Any:
    try:
        with prefect_session(settings):
            from flows.digest import award_digest
            from flows.paper import STOP

            # The flow sizes its runners from settings (concurrency, ops.task_runner).
            def run() -> Any:
                return award_digest(conference=conference, papers=papers, force=force, settings=settings)

            with run_display():
                return run_stoppable(run, STOP.set)
    except Stopped as stop:
        warn("stopped:", "the run was interrupted; the current release is unchanged. Run again to finish.")
        exit_now(stop.exit_code)


def _report(result: Any, settings: Settings) -> None:
    rows = [
        (
            r.paper_id,
            r.status.value,
            r.entry.award.value,
            r.entry.title if r.status == PaperStatus.DONE else r.error,
        )
        for r in result.results
    ]
    columns = ("paper", "status", "award", "title / reason")
    out.print(table(f"{result.conference.name}: {len(result.results)} papers", columns, rows))
    for notice in result.notices:
        warn("NOTICE:", notice)
    store = store_for(settings.store)
    current = read_current(store, result.conference.slug)
    if current is not None:
        say(store.location(current.key("digest.html")))
    if result.count(PaperStatus.FAILED):
        raise typer.Exit(EXIT_PAPERS_FAILED)


def _detail(result: Any, done: Any) -> str:
    return str(result.entry.title if result.status == done else result.error)


def backfill(
    conferences: Annotated[
        list[str] | None, typer.Argument(help="Slugs or ranges like neurips:2023-2025")
    ] = None,
    all_known: Annotated[bool, typer.Option("--all", help="Every known conference")] = False,
    force: Annotated[bool, typer.Option(help="Re-run conferences that are already published")] = False,
    papers_dir: Annotated[Path | None, typer.Option(help="Folder of <paper id>.pdf files")] = None,
    store: Annotated[str | None, typer.Option(help="Artifact store: directory or s3://bucket/prefix")] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Conferences digested at once (ops.backfill_concurrency)")
    ] = None,
    paper_concurrency: Annotated[
        int | None, typer.Option(min=1, help="Papers of one conference processed at once")
    ] = None,
) -> None:
    """Digest many conferences; skip those already published unless --force."""
    settings = load_settings(
        {
            "papers_dir": papers_dir,
            "store.uri": store,
            "ops.backfill_concurrency": concurrency,
            "concurrency": paper_concurrency,
        }
    )
    try:
        expand_specs(conferences or [], settings.conferences_dir, all_known=all_known)
    except HarvestError as exc:
        raise fail(exc) from None
    try:
        with prefect_session(settings):
            from flows.backfill import backfill as backfill_flow
            from flows.paper import STOP

            with run_display():
                report = run_stoppable(
                    lambda: backfill_flow(
                        conferences=conferences or [], force=force, all_known=all_known, settings=settings
                    ),
                    STOP.set,
                )
    except Stopped as stop:
        warn("stopped:", "the backfill was interrupted; published releases are unchanged.")
        exit_now(stop.exit_code)
    rows = [(o.conference, o.outcome, o.papers, o.done, o.unavailable, o.failed) for o in report.outcomes]
    columns = ("conference", "outcome", "papers", "done", "unavailable", "failed")
    out.print(table(f"Backfill of {len(report.outcomes)} conferences", columns, rows))
    if any(o.outcome.startswith("failed") or o.failed for o in report.outcomes):
        raise typer.Exit(EXIT_PAPERS_FAILED)


def gc(
    conference: Annotated[str, typer.Argument(help="Conference slug, e.g. neurips-2025")],
    apply: Annotated[
        bool, typer.Option("--apply", help="Remove what is listed (default: only list)")
    ] = False,
    keep: Annotated[
        int | None, typer.Option(min=1, help="Also remove complete releases older than the N newest")
    ] = None,
    grace: Annotated[
        float | None,
        typer.Option(min=0, help="Keep anything younger than this many seconds (store.gc_grace_s)"),
    ] = None,
    store: Annotated[str | None, typer.Option(help="Artifact store: directory or s3://bucket/prefix")] = None,
) -> None:
    """List (and with --apply remove) orphans of failed releases, temp files of killed writes.

    A release being written (its publisher's lease is live) or younger than the grace period is
    kept, and the listing says why.
    """
    settings = load_settings({"store.uri": store, "store.gc_grace_s": grace})
    grace_s = settings.store.gc_grace_s
    artifact_store, current = published(conference, settings)
    say(f"current release: {current.pointer.release if current else 'none'}")
    garbage = find_garbage(artifact_store, conference, keep=keep, grace_s=grace_s)
    if apply and not garbage.empty():
        removed = remove_garbage(artifact_store, conference, garbage, grace_s=grace_s)
    _show_kept(conference, garbage.kept)
    rows: list[tuple[str, str, int]] = []
    rows += [(r, "orphan of a failed release", len(keys)) for r, keys in garbage.orphan_releases.items()]
    rows += [(r, f"older than the {keep} newest", len(keys)) for r, keys in garbage.stale_releases.items()]
    rows += [(p, "temp file of a killed write", 1) for p in garbage.temp_files]
    rows += [(k, "digest of the layout before releases", 1) for k in garbage.legacy]
    if not rows:
        say("nothing to remove")
        return
    title = f"{conference}: removed" if apply else f"{conference}: removable"
    out.print(table(title, ("what", "why", "objects"), rows))
    if not apply:
        say("run again with --apply to remove them")
        return
    say(f"removed {removed} objects")


def _show_kept(conference: str, kept: dict[str, str]) -> None:
    if kept:
        out.print(table(f"{conference}: kept", ("what", "why it stays"), sorted(kept.items())))


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
    app.command("backfill")(backfill)
    app.command("gc")(gc)
