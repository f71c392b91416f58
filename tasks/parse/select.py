"""Choose the parser (GROBID or local) for a PDF, and render a ParsedPaper as markdown."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from config.settings import Settings
from tasks.models import ParsedPaper, sha256_bytes
from tasks.parse import local
from tasks.parse.errors import GrobidError, GrobidUnavailableError, TooManyPagesError
from tasks.parse.grobid import form_fields, grobid_alive, grobid_version, process_fulltext
from tasks.parse.tei import GROBID_PARSER, TEI_MAPPING_VERSION, parse_tei
from tasks.parse.validate import check_pdf_bytes

EMPTY_204_NOTICE = "GROBID extracted nothing (204); parsed locally"


@dataclass
class ParsedOutcome:
    """A parsed paper, the TEI it came from (GROBID only) and which parser made it."""

    parsed: ParsedPaper
    tei: str | None
    parser_used: str
    notices: list[str] = field(default_factory=list)


def parse_pdf(data: bytes, source: str, *, settings: Settings) -> ParsedOutcome:
    """Parse PDF bytes with the configured parser: "grobid", "local" or "auto" (GROBID when alive)."""
    # 1. Cheap checks, whichever parser runs: errors name the file before any server sees it
    check_pdf_bytes(data, source, max_bytes=int(settings.parse.max_pdf_mb * 1024 * 1024))
    mode = settings.parse.parser
    url = settings.grobid.url
    notices: list[str] = []
    # 2. Which parser
    if mode == "local":
        return _local(data, source, settings, notices)
    if mode == "auto":
        if not url:
            notices.append("no GROBID url configured: parsed with the local parser")
            return _local(data, source, settings, notices)
        if not grobid_alive(url):
            notices.append(f"GROBID at {url} is not reachable: parsed with the local parser")
            return _local(data, source, settings, notices)
    elif not url:
        raise GrobidUnavailableError("(no GROBID url configured)", source, "parser 'grobid' needs grobid.url")
    elif not grobid_alive(url):
        raise GrobidUnavailableError(url, source, "/api/isalive did not answer true")
    # 3. GROBID; in "auto" a service failure falls back to the local parser and says so
    try:
        return _grobid(data, source, settings, notices)
    except GrobidError as exc:
        if mode == "grobid":
            raise
        notices.append(f"GROBID failed ({exc.reason}): parsed with the local parser")
        return _local(data, source, settings, notices)


def _local(data: bytes, source: str, settings: Settings, notices: list[str]) -> ParsedOutcome:
    parsed = local.parse_pdf_bytes(data, source, max_pages=settings.parse.max_pages)
    parsed = parsed.model_copy(update={"notices": [*notices, *parsed.notices]})
    return ParsedOutcome(parsed=parsed, tei=None, parser_used=local.PARSER_NAME, notices=notices)


def _grobid(data: bytes, source: str, settings: Settings, notices: list[str]) -> ParsedOutcome:
    # GROBID has no page cap of its own: enforce ours before sending 500 pages to the server.
    pages = local.count_pages(data, source)
    if pages > settings.parse.max_pages:
        raise TooManyPagesError(
            source, f"the PDF has {pages} pages, over the cap of {settings.parse.max_pages}"
        )
    result = process_fulltext(data, source, settings.grobid)
    if result.tei is None:
        notices.append(EMPTY_204_NOTICE)
        return _local(data, source, settings, notices)
    parsed = parse_tei(result.tei, source, pdf_sha256=sha256_bytes(data))
    update: dict[str, object] = {"notices": [*notices, *parsed.notices]}
    if pages and parsed.page_count != pages:
        # Without teiCoordinates the TEI does not say how many pages there were; pdfium does.
        update["page_count"] = pages
    parsed = parsed.model_copy(update=update)
    return ParsedOutcome(parsed=parsed, tei=result.tei, parser_used=GROBID_PARSER, notices=notices)


_VERSIONS: dict[str, tuple[float, str]] = {}
_VERSION_TTL_S = 60.0


def _grobid_version(url: str) -> str | None:
    """GROBID's version, remembered for a minute: every paper's cache key asks for it."""
    seen = _VERSIONS.get(url)
    if seen is not None and time.monotonic() - seen[0] < _VERSION_TTL_S:
        return seen[1]
    version = grobid_version(url)
    if version is not None:  # an outage is not remembered: the next paper asks again
        _VERSIONS[url] = (time.monotonic(), version)
    return version


def parser_identity(settings: Settings) -> tuple[str, ...]:
    """What would parse a PDF now, for cache keys: the parser, its version and, for GROBID, url + options."""
    local_id = (local.PARSER_NAME, local.PARSER_VERSION)
    mode = settings.parse.parser
    url = settings.grobid.url
    if mode == "local" or not url:
        if mode == "grobid":
            raise GrobidUnavailableError("(no GROBID url configured)", "", "parser 'grobid' needs grobid.url")
        return local_id
    version = _grobid_version(url)
    if version is None:
        if mode == "grobid":
            raise GrobidUnavailableError(url, "", "/api/version did not answer")
        return local_id
    options = tuple(
        f"{name}={','.join(value) if isinstance(value, list) else value}"
        for name, value in sorted(form_fields(settings.grobid).items())
    )
    # The local parser is part of the identity too: a 204 answer falls back to it.
    return (GROBID_PARSER, version, url.rstrip("/"), *options, f"tei={TEI_MAPPING_VERSION}", *local_id)


def to_markdown(parsed: ParsedPaper) -> str:
    """A readable markdown rendering of a parsed paper."""
    out = [f"# {parsed.title}", ""]
    for author in parsed.authors:
        extra = "; ".join(author.affiliations)
        out.append(
            f"- **{author.name}**"
            + (f" — {extra}" if extra else "")
            + (f" <{author.email}>" if author.email else "")
        )
    if parsed.authors:
        out.append("")
    if parsed.keywords:
        out += [f"*Keywords:* {', '.join(parsed.keywords)}", ""]
    if parsed.abstract:
        out += ["## Abstract", "", parsed.abstract, ""]
    for section in parsed.sections:
        heading = f"{section.number} {section.heading}".strip() if section.number else section.heading
        out += [f"## {heading or '(untitled section)'}", ""]
        for paragraph in section.paragraphs:
            out += [paragraph, ""]
    if parsed.captions:
        out += ["## Figures and tables", ""]
        for caption in parsed.captions:
            label = caption.label or caption.kind.title()
            page = f" (p. {caption.page})" if caption.page else ""
            out.append(f"- **{label}**{page}: {caption.text}")
        out.append("")
    out += [
        "## References",
        "",
        f"{len(parsed.references)} references, {len(parsed.citations)} in-text citations linked.",
        "",
    ]
    if parsed.urls:
        out += ["## URLs", "", *(f"- <{url}>" for url in parsed.urls), ""]
    if parsed.notices:
        out += ["## Notices", "", *(f"- {notice}" for notice in parsed.notices), ""]
    out.append(f"*Parsed by {parsed.parser} {parsed.parser_version}, {parsed.page_count} pages.*")
    return "\n".join(out) + "\n"
