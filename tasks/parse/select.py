"""Choose the parser (GROBID or local) for a PDF, and render a ParsedPaper as markdown."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from config.settings import Settings
from tasks.models import HiddenText, ParsedPaper, Reference, Section, sha256_bytes
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
    # GROBID extracts text no reader sees like any other: find it with pdfium and cut it out.
    hidden, hidden_notices = local.find_hidden_text(data, source)
    if hidden:
        parsed = without_hidden_text(parsed, hidden)
    update: dict[str, object] = {
        "notices": [*notices, *hidden_notices, *parsed.notices],
        "hidden_text": hidden,
    }
    if pages and parsed.page_count != pages:
        # Without teiCoordinates the TEI does not say how many pages there were; pdfium does.
        update["page_count"] = pages
    parsed = parsed.model_copy(update=update)
    return ParsedOutcome(parsed=parsed, tei=result.tei, parser_used=GROBID_PARSER, notices=notices)


# Keys shorter than this (in letters and digits) would cut common words out of visible text.
_MIN_HIDDEN_KEY = 12
_HIDDEN_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
# What a cut also takes after the hidden text: the space and punctuation that ended it.
_CUT_TAIL_RE = re.compile(r"[\s.!?,;:]*")


def without_hidden_text(parsed: ParsedPaper, hidden: list[HiddenText]) -> ParsedPaper:
    """A copy of a GROBID-parsed paper with every passage of hidden text cut out of every text field.

    Texts are compared on lowercase letters and digits only (GROBID and pdfium space, hyphenate
    and punctuate differently), one hidden sentence at a time, so a hidden sentence is cut and the
    visible rest of its paragraph kept. Hidden fragments under _MIN_HIDDEN_KEY letters stay: a
    hidden "Accept" must not cut every "accept" out of the paper (they are reported all the same).
    """
    keys = sorted(
        {
            key
            for h in hidden
            for sentence in _HIDDEN_SENTENCE_RE.split(h.text)
            if len(key := _alnum(sentence)[0]) >= _MIN_HIDDEN_KEY
        },
        key=len,
        reverse=True,
    )
    if not keys:
        return parsed

    def cut(text: str) -> str:
        return _cut(text, keys)

    authors = [
        a.model_copy(
            update={
                "name": cut(a.name),
                "affiliations": [x for x in map(cut, a.affiliations) if x],
                "email": cut(a.email) if a.email else a.email,
            }
        )
        for a in parsed.authors
    ]
    # Paragraphs that were all hidden go; citations follow their paragraph's new index or go too.
    moved: dict[tuple[int, int], int] = {}
    abstract_parts: list[str] = []
    for i, part in enumerate(parsed.abstract.split("\n\n") if parsed.abstract else []):
        if kept := cut(part):
            moved[(-1, i)] = len(abstract_parts)
            abstract_parts.append(kept)
    sections = []
    for s_index, section in enumerate(parsed.sections):
        paragraphs: list[str] = []
        for p_index, paragraph in enumerate(section.paragraphs):
            if kept := cut(paragraph):
                moved[(s_index, p_index)] = len(paragraphs)
                paragraphs.append(kept)
        sections.append(Section(heading=cut(section.heading), number=section.number, paragraphs=paragraphs))
    citations = [
        c.model_copy(update={"paragraph": moved[(c.section, c.paragraph)]})
        for c in parsed.citations
        if (c.section, c.paragraph) in moved
    ]
    captions = [
        c.model_copy(update={"text": cut(c.text), "label": cut(c.label) if c.label else c.label})
        for c in parsed.captions
    ]
    captions = [c for c in captions if c.text]
    references = [_cut_reference(r, cut) for r in parsed.references]
    visible = [*abstract_parts, *(p for s in sections for p in s.paragraphs), *(c.text for c in captions)]
    return parsed.model_copy(
        update={
            "title": cut(parsed.title),
            "authors": [a for a in authors if a.name],
            "abstract": "\n\n".join(abstract_parts),
            "sections": sections,
            "captions": captions,
            "references": references,
            "citations": citations,
            "keywords": [k for k in map(cut, parsed.keywords) if k],
            "urls": _visible_urls(parsed.urls, hidden, visible),
        }
    )


def _alnum(text: str) -> tuple[str, list[int]]:
    """Text reduced to lowercase letters and digits, and where each kept character sits in text."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isalnum():
            low = ch.lower()
            chars.append(low if len(low) == 1 else ch)
            where.append(i)
    return "".join(chars), where


def _cut(text: str, keys: list[str]) -> str:
    """Text with every occurrence of a key (an _alnum() form) cut out, with its closing punctuation."""
    norm, where = _alnum(text)
    spans: list[tuple[int, int]] = []
    for key in keys:
        start = norm.find(key)
        while start != -1:
            end = where[start + len(key) - 1] + 1
            tail = _CUT_TAIL_RE.match(text, end)
            spans.append((where[start], tail.end() if tail else end))
            start = norm.find(key, start + len(key))
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start >= pos:
            out.append(text[pos:start])
        pos = max(pos, end)
    out.append(text[pos:])
    return " ".join("".join(out).split())


def _cut_reference(ref: Reference, cut: Callable[[str], str]) -> Reference:
    return ref.model_copy(
        update={
            "raw": cut(ref.raw),
            "title": cut(ref.title) if ref.title else ref.title,
            "venue": cut(ref.venue) if ref.venue else ref.venue,
            "authors": [a for a in map(cut, ref.authors) if a],
        }
    )


def _visible_urls(urls: list[str], hidden: list[HiddenText], visible: list[str]) -> list[str]:
    """The URLs less those that only hidden text gives."""
    hidden_norm = " ".join(_alnum(h.text)[0] for h in hidden)
    visible_norm = " ".join(_alnum(t)[0] for t in visible)
    out = []
    for url in urls:
        key = _alnum(url)[0]
        if key and key in hidden_norm and key not in visible_norm:
            continue
        out.append(url)
    return out


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
