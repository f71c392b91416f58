"""Which parser parses: `parse.parser` names one of config/backends.py's parsers, or "auto".

"auto" is GROBID when one is configured and answers, else the local parser (said in notices), and
a GROBID failure during the call is parsed locally: that result carries the local parser's
identity, so a cache keyed for GROBID never keeps it and the next run tries GROBID again. A parser
named explicitly that cannot run is an error, never a silent substitute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from config.backends import AUTO, build
from config.redact import mask_credentials
from tasks.backend_base import RunsOn
from tasks.parse.base import ParsedOutcome, Parser
from tasks.parse.errors import GrobidError, GrobidUnavailableError
from tasks.parse.validate import check_pdf_bytes

if TYPE_CHECKING:
    from config.settings import Settings


@dataclass
class ParserChoice:
    """The parser that runs, what runs if it fails during the call ("auto"), and why (notices)."""

    parser: Parser
    fallback: Parser | None = None
    notices: list[str] = field(default_factory=list)
    stand_in: bool = False  # "auto" meant GROBID, which did not answer: the next run tries again


def choose_parser(settings: Settings) -> ParserChoice:
    """The parser settings.parse.parser names (GrobidUnavailableError when it cannot run), or
    "auto"'s choice."""
    mode = settings.parse.parser
    if mode != AUTO:
        return ParserChoice(build("parser", mode, settings))
    local = build("parser", "local", settings)
    if not settings.grobid.url:
        return ParserChoice(local, notices=["no GROBID url configured: parsed with the local parser"])
    try:
        grobid = build("parser", "grobid", settings)
    except GrobidUnavailableError:
        why = f"GROBID at {mask_credentials(settings.grobid.url)} is not reachable"
        return ParserChoice(local, notices=[f"{why}: parsed with the local parser"], stand_in=True)
    return ParserChoice(grobid, fallback=local)


@dataclass(frozen=True)
class Unavailable:
    """A parser named explicitly that cannot run now: each parse raises why (never a substitute)."""

    name: str
    error: GrobidUnavailableError
    runs_on: RunsOn = "io"

    @property
    def identity(self) -> tuple[str, ...]:
        return (self.name, "unavailable", str(self.error))

    def parse(self, data: bytes, source: str) -> ParsedOutcome:
        raise self.error.with_traceback(None)


def run_parser(settings: Settings) -> ParserChoice:
    """A run's parser: choose_parser's, or one that fails each paper saying why when the parser
    named explicitly cannot run (a run reports every paper; a one-off parse raises at once)."""
    try:
        return choose_parser(settings)
    except GrobidUnavailableError as exc:
        return ParserChoice(Unavailable(settings.parse.parser, exc))


def parse_with(choice: ParserChoice, data: bytes, source: str, *, max_bytes: int) -> ParsedOutcome:
    """Parse with the chosen parser; in "auto" a GROBID failure falls back to the local parser."""
    # 1. Cheap checks, whichever parser runs: errors name the file before any server sees it
    check_pdf_bytes(data, source, max_bytes=max_bytes)
    notices = list(choice.notices)
    # 2. The chosen parser, then the fallback for a service failure
    try:
        outcome = choice.parser.parse(data, source)
    except GrobidError as exc:
        if choice.fallback is None:
            raise
        notices.append(f"GROBID failed ({exc.reason}): parsed with the local parser")
        outcome = choice.fallback.parse(data, source)
    notices += outcome.notices
    outcome.notices = notices
    outcome.parsed = outcome.parsed.model_copy(update={"notices": [*notices, *outcome.parsed.notices]})
    return outcome


def parse_pdf(data: bytes, source: str, *, settings: Settings) -> ParsedOutcome:
    """Choose the parser from the settings and parse (the CLI's `paperpanels parse`, benches)."""
    choice = choose_parser(settings)
    return parse_with(choice, data, source, max_bytes=int(settings.parse.max_pdf_mb * 1024 * 1024))
