"""GROBID as a parser backend: processFulltextDocument, with pdfium's side (page count, hidden text,
the pages' visible lines) read under the PDF's budget; a 204 (nothing extracted) is parsed locally.

`build` asks GROBID for its version first (its health check, remembered for a minute): a GROBID
that does not answer is a GrobidUnavailableError, which the "auto" choice turns into the local parser.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from config.redact import mask_credentials
from tasks.backend_base import RunsOn
from tasks.models import HiddenText, sha256_bytes
from tasks.parse import local
from tasks.parse.base import ParsedOutcome
from tasks.parse.budget import PdfBudget, parse_bounded
from tasks.parse.errors import GrobidUnavailableError, TooManyPagesError
from tasks.parse.grobid import form_fields, grobid_version, process_fulltext
from tasks.parse.hidden import without_hidden_text
from tasks.parse.local_backend import LocalParser
from tasks.parse.tei import GROBID_PARSER, TEI_MAPPING_VERSION, parse_tei

if TYPE_CHECKING:
    from config.settings import GrobidSettings, Settings

EMPTY_204_NOTICE = "GROBID extracted nothing (204); parsed locally"


def _pdfium_side(data: bytes, source: str) -> tuple[int, list[HiddenText], list[str], list[list[str]]]:
    """What pdfium reads beside GROBID, in the bounded child: page count, hidden text and its notice,
    and the pages' visible lines."""
    pages = local.count_pages(data, source)
    hidden, notices, lines = local.read_beside(data, source)
    return pages, hidden, notices, lines


@dataclass(frozen=True)
class GrobidParser:
    """GROBID's processFulltextDocument; a 204 (nothing extracted) is parsed locally, said in notices."""

    settings: GrobidSettings
    max_pages: int
    version: str
    budget: PdfBudget = field(default_factory=PdfBudget)
    name: str = "grobid"
    runs_on: RunsOn = "io"

    @property
    def identity(self) -> tuple[str, ...]:
        options = tuple(
            f"{name}={','.join(value) if isinstance(value, list) else value}"
            for name, value in sorted(form_fields(self.settings).items())
        )
        url = (self.settings.url or "").rstrip("/")
        # The local parser is part of it too: a 204 answer is parsed locally.
        fallback = LocalParser(self.max_pages).identity
        return (GROBID_PARSER, self.version, url, *options, f"tei={TEI_MAPPING_VERSION}", *fallback)

    def parse(self, data: bytes, source: str) -> ParsedOutcome:
        # pdfium's part first, under the budget: the page count (GROBID has no page cap of its own:
        # ours is enforced before 500 pages go to the server) and the text no reader sees.
        side = parse_bounded(self.budget, local.count_pages, _pdfium_side, data, source)
        pages, hidden, hidden_notices, page_lines = side
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
        update: dict[str, object] = {
            "notices": [*hidden_notices, *parsed.notices],
            "hidden_text": hidden,
            "page_lines": page_lines,
        }
        if pages and parsed.page_count != pages:
            # Without teiCoordinates the TEI does not say how many pages there were; pdfium does.
            update["page_count"] = pages
        return ParsedOutcome(
            parsed=parsed.model_copy(update=update),
            tei=result.tei,
            parser_used=GROBID_PARSER,
            identity=self.identity,
        )


_VERSIONS: dict[str, tuple[float, str]] = {}
_VERSION_TTL_S = 60.0


def grobid_version_cached(url: str) -> str | None:
    """GROBID's version (also its health check), remembered for a minute; an outage is not remembered."""
    seen = _VERSIONS.get(url)
    if seen is not None and time.monotonic() - seen[0] < _VERSION_TTL_S:
        return seen[1]
    version = grobid_version(url)
    if version is not None:
        _VERSIONS[url] = (time.monotonic(), version)
    return version


def build(settings: Settings) -> GrobidParser:
    """GROBID at settings.grobid.url, as it answers now; GrobidUnavailableError when it does not."""
    url = settings.grobid.url
    if not url:
        raise GrobidUnavailableError("(no GROBID url configured)", "", "parser 'grobid' needs grobid.url")
    version = grobid_version_cached(url)
    if version is None:
        raise GrobidUnavailableError(mask_credentials(url), "", "/api/version did not answer")
    return GrobidParser(settings.grobid, settings.parse.max_pages, version, PdfBudget.of(settings.parse))
