"""What a PDF says about itself: the document-information title and author, XMP dc:title / dc:creator.

Evidence only, never an answer on its own: producers fill these fields with file names ("Microsoft Word -
02. 206.doc"), template placeholders ("Title", "Proceedings Template - WORD"), the journal's name, the
typesetter's login, or the metadata of another paper. The front matter reader accepts a metadata title
only where it matches large text on page 1, and metadata names only where page 1 prints them too.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pypdfium2 as pdfium

# XMP packets are plain XML in the file (the XMP specification asks producers to leave them
# uncompressed so that tools can find them without a PDF parser). Embedded images carry packets of
# their own ("RSC_logo_POS_CMYK"): every packet is a candidate, none is trusted.
_XMP_RE = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta>", re.S)
_DC_RE = {
    "title": re.compile(r"<dc:title\b[^>]*>(.*?)</dc:title>", re.S),
    "creator": re.compile(r"<dc:creator\b[^>]*>(.*?)</dc:creator>", re.S),
}
_LI_RE = re.compile(r"<rdf:li\b[^>]*>(.*?)</rdf:li>", re.S)
_TAG_RE = re.compile(r"<[^>]+>")
# "A ; B ; C", "A, B, C and D", "A & B": the separators of an author field. A comma alone is ambiguous
# ("Shahu, Sneha" is one person, surname first): such fields are split but also kept whole.
_AUTHOR_SPLIT_RE = re.compile(r"\s*(?:;|&|\band\b|,)\s*")
_NOT_A_NAME_RE = re.compile(r"\{?et al\.?\}?|\d", re.I)
# The XMP scan covers this much of the file's start and end: packets sit near one or the other, and a
# 50 MB scan would cost more than the page reading it helps.
_XMP_WINDOW = 4 << 20
_MAX_PACKETS = 20


@dataclass(frozen=True)
class PdfMetadata:
    """Titles and author names the PDF declares (document information and XMP), unverified."""

    titles: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)


def read_metadata(doc: pdfium.PdfDocument, data: bytes) -> PdfMetadata:
    """The document-information and XMP titles and authors, cleaned, duplicates dropped."""
    titles = [doc.get_metadata_value("Title") or ""]
    authors = _split_authors(doc.get_metadata_value("Author") or "")
    for packet in _xmp_packets(data):
        titles += _dc_items(packet, "title")
        for item in _dc_items(packet, "creator"):
            authors += _split_authors(item)
    return PdfMetadata(_unique(titles), _unique(a for a in authors if _plausible_name(a)))


def _xmp_packets(data: bytes) -> list[str]:
    windows = [data[:_XMP_WINDOW], data[-_XMP_WINDOW:]] if len(data) > 2 * _XMP_WINDOW else [data]
    packets = [m.group().decode("utf-8", "replace") for w in windows for m in _XMP_RE.finditer(w)]
    return packets[:_MAX_PACKETS]


def _dc_items(packet: str, name: str) -> list[str]:
    match = _DC_RE[name].search(packet)
    if match is None:
        return []
    items = _LI_RE.findall(match.group(1)) or [match.group(1)]
    return [html.unescape(_TAG_RE.sub("", item)) for item in items]


def _split_authors(text: str) -> list[str]:
    text = " ".join(text.split())
    if not text:
        return []
    parts = [p for p in _AUTHOR_SPLIT_RE.split(text) if p.strip()]
    return parts if len(parts) > 1 else [text]


def _plausible_name(text: str) -> bool:
    """Two words or more, letters only (no "{et al.}", no login names, no digits)."""
    return len(text.split()) >= 2 and not _NOT_A_NAME_RE.search(text)


def _unique(items: Iterable[str]) -> list[str]:
    out: dict[str, str] = {}
    for item in items:
        text = " ".join(unicodedata.normalize("NFC", item).split())
        if text:
            out.setdefault(text.casefold(), text)
    return list(out.values())
