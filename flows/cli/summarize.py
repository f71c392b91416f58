"""`paperpanels summarize`: one paper's summary in the terminal, through the pipeline's own parts.

The parser and the summarizer are chosen exactly as a digest run chooses them (choose_parser,
choose_summarizer), and stderr says which ran, so what is printed here is what a digest would show.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from config.backends import choices
from flows.cli.console import EXIT_BAD_INPUT, EXIT_ERROR, err, fail, warn
from flows.cli.papers import is_json, parse_local_pdf, read_document
from flows.cli.runtime import load_settings
from tasks.models import ParsedPaper
from tasks.publish.review import summary_markdown
from tasks.summarize.backends import choose_summarizer
from tasks.summarize.errors import SummarizeError

if TYPE_CHECKING:
    from config.settings import Settings
    from tasks.models import PaperSummary, ParsedPaper
    from tasks.summarize.backends import Summarizer


def summarize(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="PDF_OR_PARSED_JSON",
            help="A PDF, or a parsed paper as JSON (`paperpanels parse PDF > paper.json`)",
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option(
            help="provider:model, e.g. openai:gpt-4o-mini (default PAPERPANELS_LLM__MODEL; unset: extractive)"
        ),
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Output language of an LLM summary, e.g. en, de")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="markdown | json")] = "markdown",
    parser: Annotated[
        str,
        typer.Option(help="For a PDF: auto (GROBID when configured and alive, else local) | grobid | local"),
    ] = "auto",
) -> None:
    """Summarize one paper and print the summary with its verification marks; stderr says which
    parser and summarizer ran."""
    # 1. Check inputs
    if output_format not in {"markdown", "json"}:
        raise fail(f"--format {output_format!r}: choose markdown or json")
    if parser not in choices("parser"):
        raise fail(f"--parser {parser!r}: choose one of {', '.join(choices('parser'))}")
    if not source.is_file():
        raise fail(f"{source}: no such file")
    settings = load_settings(
        {"llm.model": model, "llm.language": language, "parse.parser": parser}, check_store=False
    )
    # 2. The parsed paper: read from JSON, or parsed by the parser a run would choose
    parsed, parser_used = _parsed(source, settings)
    # 3. The summarizer a run would choose, and what it says about itself
    choice = choose_summarizer(settings)
    summarizer = choice.summarizer
    ran = [f"parser: {parser_used}", f"summarizer: {summarizer.name} ({', '.join(summarizer.identity[1:])})"]
    for line in ran:
        err.print(line, highlight=False, markup=False, soft_wrap=True)
    for notice in choice.notices:
        warn("notice:", notice)
    summary = _summary(summarizer, parsed, source)
    # 4. Print it
    if output_format == "json":
        document: dict[str, Any] = {
            "source": str(source),
            "parser": parser_used,
            "summarizer": list(summarizer.identity),
            "summary": summary.model_dump(mode="json"),
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(summary_markdown(parsed, summary, ran=ran))


def _parsed(source: Path, settings: Settings) -> tuple[ParsedPaper, str]:
    """(parsed paper, which parser made it) from a ParsedPaper JSON file or a PDF; errors name the file."""
    if is_json(source):
        parsed = read_document(source, ParsedPaper, "a parsed paper")
        return parsed, f"{parsed.parser} {parsed.parser_version} (read from {source.name})"
    outcome = parse_local_pdf(source, settings)
    for notice in outcome.notices:
        warn("notice:", notice)
    return outcome.parsed, f"{outcome.parser_used} {outcome.parsed.parser_version}"


def _summary(summarizer: Summarizer, parsed: ParsedPaper, source: Path) -> PaperSummary:
    """The summarizer's summary; an LLM that fails (not the paper) exits with EXIT_ERROR."""
    try:
        with err.status(f"summarizing {source.name} ({summarizer.name})"):
            return summarizer.summarize(parsed, source.stem).summary
    except SummarizeError as exc:
        llm_failed = summarizer.name == "llm" and "empty parse" not in exc.reason
        raise fail(f"{source}: {exc}", EXIT_ERROR if llm_failed else EXIT_BAD_INPUT) from None


def register(app: typer.Typer) -> None:
    app.command("summarize")(summarize)
