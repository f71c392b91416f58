"""Cheap checks on PDF bytes before any parsing: used by the downloader and by the parser."""

from __future__ import annotations

import re

from tasks.parse.errors import EmptyPdfError, NotAPdfError, TooLargePdfError, TruncatedPdfError

# Real readers accept a little junk before the header (Acrobat allows 1024 bytes); so do we.
HEADER_WINDOW = 1024
# Incremental updates and trailing newlines/NULs from some servers put %%EOF a little before the end.
EOF_WINDOW = 2048

_HTML_RE = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml|<meta|<title|<script)", re.I)


def _describe(head: bytes) -> str:
    """A short human guess at what non-PDF bytes are."""
    if _HTML_RE.match(head) or b"<html" in head[:HEADER_WINDOW].lower():
        return "looks like an HTML page, not a PDF (a login wall, an error page or a landing page?)"
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"["):
        return "looks like JSON, not a PDF"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "is an image (PNG/JPEG/GIF), not a PDF"
    if head.startswith(b"PK\x03\x04"):
        return "is a ZIP archive, not a PDF"
    if head.startswith(b"\x1f\x8b"):
        return "is gzip-compressed data, not a PDF"
    # Never quote the bytes: they may be anything a link pointed at, and errors end up published.
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head[:256])
    kind = "text" if head and printable >= 0.9 * len(head[:256]) else "binary data"
    return f"does not start with the %PDF- header (it looks like {kind})"


def check_pdf_bytes(data: bytes, source: str, *, max_bytes: int | None = None) -> None:
    """Raise a ParseError subclass naming source unless data plausibly is one whole PDF."""
    if not data:
        raise EmptyPdfError(source)
    if max_bytes is not None and len(data) > max_bytes:
        raise TooLargePdfError(
            source, f"the file has {len(data):,} bytes, over the cap of {max_bytes:,} bytes"
        )
    if b"%PDF-" not in data[:HEADER_WINDOW]:
        raise NotAPdfError(source, _describe(data[:HEADER_WINDOW]))
    if b"%%EOF" not in data[-EOF_WINDOW:]:
        raise TruncatedPdfError(
            source,
            f"the PDF is truncated: no %%EOF marker at the end of its {len(data):,} bytes "
            "(an interrupted download?)",
        )
