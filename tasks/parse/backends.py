"""The parser interface: GROBID or the local parser, chosen once per paper.

`choose_parser` decides what will parse (and says why, in notices); the parse task and its cache
key both use that one choice, and the outcome names the identity of what actually ran. In "auto"
mode a GROBID failure during the call falls back to the local parser: that result carries the
local parser's identity, so a cache keyed for GROBID never keeps it and the next run tries GROBID
again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from config.redact import mask_credentials
from tasks.models import HiddenText, ParsedPaper, sha256_bytes
from tasks.parse import local
from tasks.parse.budget import PdfBudget, parse_bounded
from tasks.parse.errors import GrobidError, GrobidUnavailableError, TooManyPagesError
from tasks.parse.validate import check_pdf_bytes
from tasks.parse.visibility import VISIBILITY_VERSION

if TYPE_CHECKING:
    from config.settings import GrobidSettings, ParseSettings, Settings

EMPTY_204_NOTICE = "GROBID extracted nothing (204); parsed locally"


@dataclass
class ParsedOutcome:
    """A parsed paper, the TEI it came from (GROBID only), which parser made it and its identity."""

    parsed: ParsedPaper
    tei: str | None
    parser_used: str
    identity: tuple[str, ...] = ()
    notices: list[str] = field(default_factory=list)


class Parser(Protocol):
    """Turns PDF bytes into a ParsedPaper; `identity` is everything that changes the result."""

    @property
    def name(self) -> str: ...

    @property
    def identity(self) -> tuple[str, ...]: ...

    def parse(self, data: bytes, source: str) -> ParsedOutcome: ...


def _parse_locally(data: bytes, source: str, max_pages: int) -> ParsedPaper:
    """The local parser's work, as the bounded child runs it."""
    return local.parse_pdf_bytes(data, source, max_pages=max_pages)


def _pdfium_side(data: bytes, source: str) -> tuple[int, list[HiddenText], list[str]]:
    """What pdfium reads beside GROBID, in the bounded child: page count, hidden text and its notice."""
    pages = local.count_pages(data, source)
    hidden, notices = local.find_hidden_text(data, source)
    return pages, hidden, notices


@dataclass(frozen=True)
class LocalParser:
    """pypdfium2 reading order, front matter, sections, captions, references: no server.

    It runs in a child process under the PDF's budget (tasks/parse/budget.py): a PDF that needs more
    memory or time than it may fails alone. The budget is not part of the identity: it decides
    whether the parse finishes, never what it produces.
    """

    max_pages: int
    budget: PdfBudget = field(default_factory=PdfBudget)
    name: str = local.PARSER_NAME

    @property
    def identity(self) -> tuple[str, ...]:
        hidden = f"visibility={VISIBILITY_VERSION}"  # what counts as hidden text, and what is told
        return (local.PARSER_NAME, local.PARSER_VERSION, hidden, f"max_pages={self.max_pages}")

    def parse(self, data: bytes, source: str) -> ParsedOutcome:
        parsed = parse_bounded(self.budget, local.count_pages, _parse_locally, data, source, self.max_pages)
        return ParsedOutcome(parsed=parsed, tei=None, parser_used=self.name, identity=self.identity)


@dataclass(frozen=True)
class GrobidParser:
    """GROBID's processFulltextDocument; a 204 (nothing extracted) is parsed locally, said in notices."""

    settings: GrobidSettings
    max_pages: int
    version: str
    budget: PdfBudget = field(default_factory=PdfBudget)
    name: str = "grobid"

    @property
    def identity(self) -> tuple[str, ...]:
        from tasks.parse.grobid import form_fields
        from tasks.parse.tei import GROBID_PARSER, TEI_MAPPING_VERSION

        options = tuple(
            f"{name}={','.join(value) if isinstance(value, list) else value}"
            for name, value in sorted(form_fields(self.settings).items())
        )
        url = (self.settings.url or "").rstrip("/")
        # The local parser is part of it too: a 204 answer is parsed locally.
        fallback = LocalParser(self.max_pages).identity
        return (GROBID_PARSER, self.version, url, *options, f"tei={TEI_MAPPING_VERSION}", *fallback)

    def parse(self, data: bytes, source: str) -> ParsedOutcome:
        from tasks.parse.grobid import process_fulltext
        from tasks.parse.hidden import without_hidden_text
        from tasks.parse.tei import GROBID_PARSER, parse_tei

        # pdfium's part first, under the budget: the page count (GROBID has no page cap of its own:
        # ours is enforced before 500 pages go to the server) and the text no reader sees.
        side = parse_bounded(self.budget, local.count_pages, _pdfium_side, data, source)
        pages, hidden, hidden_notices = side
        if pages > self.max_pages:
            raise TooManyPagesError(source, f"the PDF has {pages} pages, over the cap of {self.max_pages}")
        result = process_fulltext(data, source, self.settings)
        if result.tei is None:
            outcome = LocalParser(self.max_pages, self.budget).parse(data, source)
            outcome.notices.append(EMPTY_204_NOTICE)
            outcome.identity = self.identity
            return outcome
        parsed = parse_tei(result.tei, source, pdf_sha256=sha256_bytes(data))
        # GROBID extracts text no reader sees like any other: cut out what pdfium found hidden.
        if hidden:
            parsed = without_hidden_text(parsed, hidden)
        update: dict[str, object] = {"notices": [*hidden_notices, *parsed.notices], "hidden_text": hidden}
        if pages and parsed.page_count != pages:
            # Without teiCoordinates the TEI does not say how many pages there were; pdfium does.
            update["page_count"] = pages
        return ParsedOutcome(
            parsed=parsed.model_copy(update=update),
            tei=result.tei,
            parser_used=GROBID_PARSER,
            identity=self.identity,
        )


@dataclass
class ParserChoice:
    """The parser that runs, what runs if it fails during the call ("auto"), and why (notices)."""

    parser: Parser
    fallback: Parser | None = None
    notices: list[str] = field(default_factory=list)


_VERSIONS: dict[str, tuple[float, str]] = {}
_VERSION_TTL_S = 60.0


def grobid_version_cached(url: str) -> str | None:
    """GROBID's version (also its health check), remembered for a minute; an outage is not remembered."""
    from tasks.parse.grobid import grobid_version

    seen = _VERSIONS.get(url)
    if seen is not None and time.monotonic() - seen[0] < _VERSION_TTL_S:
        return seen[1]
    version = grobid_version(url)
    if version is not None:
        _VERSIONS[url] = (time.monotonic(), version)
    return version


def choose_parser(parse: ParseSettings, grobid: GrobidSettings) -> ParserChoice:
    """parse.parser "local", "grobid" (an error when GROBID is not there) or "auto"."""
    budget = PdfBudget.of(parse)
    local_parser = LocalParser(parse.max_pages, budget)
    mode = parse.parser
    if mode == "local":
        return ParserChoice(local_parser)
    url = grobid.url
    if not url:
        if mode == "grobid":
            raise GrobidUnavailableError("(no GROBID url configured)", "", "parser 'grobid' needs grobid.url")
        return ParserChoice(local_parser, notices=["no GROBID url configured: parsed with the local parser"])
    version = grobid_version_cached(url)
    if version is None:
        if mode == "grobid":
            raise GrobidUnavailableError(url, "", "/api/version did not answer")
        return ParserChoice(
            local_parser,
            notices=[f"GROBID at {mask_credentials(url)} is not reachable: parsed with the local parser"],
        )
    grobid_parser = GrobidParser(grobid, parse.max_pages, version, budget)
    return ParserChoice(grobid_parser, fallback=local_parser if mode == "auto" else None)


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
    choice = choose_parser(settings.parse, settings.grobid)
    return parse_with(choice, data, source, max_bytes=int(settings.parse.max_pdf_mb * 1024 * 1024))
