"""`paperpanels parse | conferences | show | config`: look at papers, award lists and settings.

Also how every command reads a paper it is given: a PDF parsed as a run parses it, or a stored
JSON document (parsed.json, summary.json) checked against its model.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from config.backends import choices, names
from flows.cli.console import EXIT_BAD_INPUT, err, fail, out, table, warn
from flows.cli.runtime import load_settings
from tasks.harvest.errors import HarvestError
from tasks.harvest.manifest import known_slugs, load_conference
from tasks.harvest.pdf import read_local_pdf
from tasks.parse.choice import parse_pdf
from tasks.parse.errors import ParseError
from tasks.parse.markdown import to_markdown

if TYPE_CHECKING:
    from config.settings import Settings
    from tasks.parse.base import ParsedOutcome

M = TypeVar("M", bound=BaseModel)


def parse_local_pdf(pdf: Path, settings: Settings) -> ParsedOutcome:
    """The PDF parsed by the parser a run would choose; a bad PDF fails naming it."""
    try:
        data = read_local_pdf(pdf, int(settings.parse.max_pdf_mb * 1024 * 1024))
        with err.status(f"parsing {pdf.name}"):
            return parse_pdf(data, str(pdf), settings=settings)
    except ParseError as exc:
        raise fail(exc) from None


def is_json(source: Path) -> bool:
    """The file is a JSON document (by its suffix or its first character), not a PDF."""
    with source.open("rb") as file:
        head = file.read(64).lstrip()
    return source.suffix.lower() == ".json" or head.startswith(b"{")


def read_document(source: Path, model: type[M], what: str) -> M:
    """The JSON file read as `model`; one that is not fails naming the file, `what` and the first error."""
    try:
        return model.model_validate_json(source.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        raise fail(f"{source}: not {what} ({where}: {first['msg']})") from None


def parse(
    pdf: Annotated[Path, typer.Argument(help="A PDF file")],
    parser: Annotated[
        str,
        typer.Option(
            help="auto (GROBID when configured and alive, else local) | " + " | ".join(names("parser"))
        ),
    ] = "auto",
    grobid_url: Annotated[str | None, typer.Option(help="GROBID server, e.g. http://localhost:8070")] = None,
    output_format: Annotated[str, typer.Option("--format", help="json | markdown")] = "json",
    max_pages: Annotated[int | None, typer.Option(min=1, help="Reject PDFs with more pages")] = None,
) -> None:
    """Parse one PDF and print the ParsedPaper (JSON or markdown); stderr says which parser ran."""
    if parser not in choices("parser"):
        raise fail(f"--parser {parser!r}: choose one of {', '.join(choices('parser'))}")
    if output_format not in {"json", "markdown"}:
        raise fail(f"--format {output_format!r}: choose json or markdown")
    settings = load_settings(
        {"parse.parser": parser, "grobid.url": grobid_url, "parse.max_pages": max_pages}, check_store=False
    )
    if not pdf.is_file():
        raise fail(f"{pdf}: no such file")
    outcome = parse_local_pdf(pdf, settings)
    err.print(f"parser: {outcome.parser_used}", highlight=False, markup=False)
    for notice in outcome.notices:
        warn("notice:", notice)
    text = (
        outcome.parsed.model_dump_json(indent=2) if output_format == "json" else to_markdown(outcome.parsed)
    )
    sys.stdout.write(text + "\n")


def conferences() -> None:
    """List every conference with a manifest: papers, award kinds, entries needing review."""
    settings = load_settings(check_store=False)
    rows = []
    bad = 0
    for slug in known_slugs(settings.conferences_dir):
        try:
            conf = load_conference(slug, settings.conferences_dir)
        except HarvestError as exc:
            bad += 1
            warn("invalid manifest:", exc)
            continue
        kinds = Counter(e.award.value for e in conf.entries)
        rows.append(
            (
                conf.slug,
                conf.name,
                len(conf.entries),
                ", ".join(f"{k} ({n})" for k, n in kinds.items()),
                sum(e.needs_review for e in conf.entries),
            )
        )
    columns = ("slug", "name", "papers", "awards", "needs review")
    out.print(table(f"Conferences in {settings.conferences_dir}", columns, rows))
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


def show(conference: Annotated[str, typer.Argument(help="Conference slug, e.g. neurips-2025")]) -> None:
    """Print one conference's award list as a table."""
    settings = load_settings(check_store=False)
    try:
        conf = load_conference(conference, settings.conferences_dir)
    except HarvestError as exc:
        raise fail(exc) from None
    rows = []
    for e in conf.entries:
        authors = e.authors or []
        shown = ", ".join(authors[:3]) + (f" +{len(authors) - 3}" if len(authors) > 3 else "")
        rows.append(
            (
                e.paper_id,
                e.award.value + (f" ({e.track})" if e.track else ""),
                e.title,
                shown or "unknown",
                e.confidence or "",
                "needs review" if e.needs_review else "",
            )
        )
    columns = ("id", "award", "title", "authors", "confidence", "review")
    out.print(table(f"{conf.name}: {len(conf.entries)} papers", columns, rows))


def show_config() -> None:
    """Print the effective settings as JSON, secrets masked."""
    settings = load_settings(check_store=False)
    sys.stdout.write(json.dumps(settings.masked(), indent=2, default=str) + "\n")


def register(app: typer.Typer) -> None:
    app.command("parse")(parse)
    app.command("conferences")(conferences)
    app.command("show")(show)
    app.command("config")(show_config)
