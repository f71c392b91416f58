"""`paperpanels`: the command line.

Exit codes: 0 done (unavailable PDFs included: they are reported, not failures); 1 unexpected
error; 2 bad input (unknown conference, unreadable or invalid file, bad id); 3 the digest was
published but at least one paper failed.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_PAPERS_FAILED = 0, 1, 2, 3

app = typer.Typer(
    name="paperpanels",
    help="Reviews and one-image comics for every best-paper award of a conference.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)


def _prefect_defaults() -> None:
    """Offline-friendly defaults for the local ephemeral Prefect server; explicit env wins."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _apply_overrides(**env: str | None) -> None:
    from config.settings import get_settings

    for name, value in env.items():
        if value is not None:
            os.environ[name] = value
    get_settings.cache_clear()


@app.command()
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
) -> None:
    """Run the award-digest flow for one conference and print where the digest is."""
    _prefect_defaults()
    _apply_overrides(
        PAPERPANELS_PAPERS_DIR=str(papers_dir) if papers_dir else None,
        PAPERPANELS_STORE__URI=store,
        PAPERPANELS_CONCURRENCY=str(concurrency) if concurrency else None,
    )
    from prefect.task_runners import ThreadPoolTaskRunner

    from config.settings import get_settings
    from flows.digest import award_digest
    from tasks.harvest.errors import HarvestError
    from tasks.harvest.manifest import load_conference, select_entries
    from tasks.models import PaperStatus
    from tasks.publish.store import conference_key, store_from_settings

    settings = get_settings()
    if papers_dir is not None and not papers_dir.is_dir():
        raise _fail(f"--papers-dir {papers_dir} is not a directory")
    try:  # Validate before starting Prefect, so bad input fails fast and clearly.
        select_entries(load_conference(conference, settings.conferences_dir), paper)
    except HarvestError as exc:
        raise _fail(str(exc)) from None

    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=settings.concurrency)
    flow = award_digest.with_options(task_runner=runner)  # type: ignore[arg-type]
    result = flow(conference=conference, papers=paper or None, force=force)

    table = Table(title=f"{result.conference.name}: {len(result.results)} papers")
    for col in ("paper", "status", "award", "title / reason"):
        table.add_column(col, overflow="fold")
    for r in result.results:
        detail = r.entry.title if r.status == PaperStatus.DONE else (r.error or "")
        table.add_row(r.paper_id, r.status.value, r.entry.award.value, detail)
    out.print(table)
    for notice in result.notices:
        err.print(f"[bold yellow]FALLBACK:[/] {notice}", highlight=False)
    html = store_from_settings().location(conference_key(result.conference.slug, "digest.html"))
    out.print(html, highlight=False, soft_wrap=True)
    if result.count(PaperStatus.FAILED):
        raise typer.Exit(EXIT_PAPERS_FAILED)


@app.command()
def parse(
    pdf: Annotated[Path, typer.Argument(help="A PDF file")],
    parser: Annotated[
        str, typer.Option(help="auto (GROBID when configured and alive, else local) | grobid | local")
    ] = "auto",
    grobid_url: Annotated[str | None, typer.Option(help="GROBID server, e.g. http://localhost:8070")] = None,
    output_format: Annotated[str, typer.Option("--format", help="json | markdown")] = "json",
    max_pages: Annotated[int | None, typer.Option(help="Reject PDFs with more pages")] = None,
) -> None:
    """Parse one PDF and print the ParsedPaper (JSON or markdown); stderr says which parser ran."""
    if parser not in {"auto", "grobid", "local"}:
        raise _fail(f"--parser {parser!r}: choose auto, grobid or local")
    if output_format not in {"json", "markdown"}:
        raise _fail(f"--format {output_format!r}: choose json or markdown")
    _apply_overrides(
        PAPERPANELS_PARSE__PARSER=parser,
        PAPERPANELS_GROBID__URL=grobid_url,
        PAPERPANELS_PARSE__MAX_PAGES=str(max_pages) if max_pages else None,
    )
    from config.settings import get_settings
    from tasks.parse.errors import ParseError
    from tasks.parse.select import parse_pdf, to_markdown

    if not pdf.is_file():
        raise _fail(f"{pdf}: no such file")
    try:
        with err.status(f"parsing {pdf.name}"):
            outcome = parse_pdf(pdf.read_bytes(), str(pdf), settings=get_settings())
    except ParseError as exc:
        raise _fail(str(exc)) from None
    err.print(f"parser: {outcome.parser_used}", highlight=False)
    for notice in outcome.notices:
        err.print(f"[yellow]notice:[/] {notice}", highlight=False, soft_wrap=True)
    text = (
        outcome.parsed.model_dump_json(indent=2) if output_format == "json" else to_markdown(outcome.parsed)
    )
    sys.stdout.write(text + "\n")


@app.command()
def conferences() -> None:
    """List every conference with a manifest: papers, award kinds, entries needing review."""
    from config.settings import get_settings
    from tasks.harvest.errors import HarvestError
    from tasks.harvest.manifest import known_slugs, load_conference

    settings = get_settings()
    table = Table(title=f"Conferences in {settings.conferences_dir}")
    for col in ("slug", "name", "papers", "awards", "needs review"):
        table.add_column(col)
    bad = 0
    for slug in known_slugs(settings.conferences_dir):
        try:
            conf = load_conference(slug, settings.conferences_dir)
        except HarvestError as exc:
            bad += 1
            err.print(f"[bold red]invalid manifest:[/] {exc}", highlight=False, soft_wrap=True)
            continue
        kinds = Counter(e.award.value for e in conf.entries)
        table.add_row(
            conf.slug,
            conf.name,
            str(len(conf.entries)),
            ", ".join(f"{k} ({n})" for k, n in kinds.items()),
            str(sum(e.needs_review for e in conf.entries)),
        )
    out.print(table)
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def show(conference: Annotated[str, typer.Argument(help="Conference slug, e.g. neurips-2025")]) -> None:
    """Print one conference's award list as a table."""
    from config.settings import get_settings
    from tasks.harvest.errors import HarvestError
    from tasks.harvest.manifest import load_conference

    try:
        conf = load_conference(conference, get_settings().conferences_dir)
    except HarvestError as exc:
        raise _fail(str(exc)) from None
    table = Table(title=f"{conf.name}: {len(conf.entries)} papers")
    for col in ("id", "award", "title", "authors", "confidence", "review"):
        table.add_column(col, overflow="fold")
    for e in conf.entries:
        authors = e.authors or []
        shown = ", ".join(authors[:3]) + (f" +{len(authors) - 3}" if len(authors) > 3 else "")
        table.add_row(
            e.paper_id,
            e.award.value + (f" ({e.track})" if e.track else ""),
            e.title,
            shown or "unknown",
            e.confidence or "",
            "needs review" if e.needs_review else "",
        )
    out.print(table)


@app.command("backfill")
def run_backfill(
    conferences: Annotated[
        list[str] | None, typer.Argument(help="Slugs or ranges like neurips:2023-2025")
    ] = None,
    all_known: Annotated[bool, typer.Option("--all", help="Every known conference")] = False,
    force: Annotated[bool, typer.Option(help="Re-run conferences that are already published")] = False,
    papers_dir: Annotated[Path | None, typer.Option(help="Folder of <paper id>.pdf files")] = None,
    store: Annotated[str | None, typer.Option(help="Artifact store: directory or s3://bucket/prefix")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Conferences digested at once")] = 2,
) -> None:
    """Digest many conferences; skip those already published unless --force."""
    _prefect_defaults()
    _apply_overrides(
        PAPERPANELS_PAPERS_DIR=str(papers_dir) if papers_dir else None, PAPERPANELS_STORE__URI=store
    )
    from config.settings import get_settings
    from flows.backfill import backfill
    from tasks.harvest.catalogue import expand_specs
    from tasks.harvest.errors import HarvestError

    try:
        expand_specs(conferences or [], get_settings().conferences_dir, all_known=all_known)
    except HarvestError as exc:
        raise _fail(str(exc)) from None
    from prefect.task_runners import ThreadPoolTaskRunner

    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=concurrency)
    flow = backfill.with_options(task_runner=runner)  # type: ignore[arg-type]
    report = flow(conferences=conferences or [], force=force, all_known=all_known)
    table = Table(title=f"Backfill of {len(report.outcomes)} conferences")
    for col in ("conference", "outcome", "papers", "done", "unavailable", "failed"):
        table.add_column(col)
    for o in report.outcomes:
        table.add_row(o.conference, o.outcome, *(str(n) for n in (o.papers, o.done, o.unavailable, o.failed)))
    out.print(table)
    if any(o.outcome.startswith("failed") or o.failed for o in report.outcomes):
        raise typer.Exit(EXIT_PAPERS_FAILED)


@app.command("config")
def show_config() -> None:
    """Print the effective settings as JSON, secrets masked."""
    from pydantic import ValidationError

    from config.settings import get_settings

    try:
        settings = get_settings()
    except (ValidationError, FileNotFoundError) as exc:
        raise _fail(f"invalid settings: {exc}") from None
    sys.stdout.write(json.dumps(settings.masked(), indent=2, default=str) + "\n")


from flows.cli_harvest import register as register_harvest  # noqa: E402
from flows.cli_ops import register as register_ops  # noqa: E402

register_harvest(app)
register_ops(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
