"""Hostile PDFs: a page-count bomb and a decompression bomb fail or parse cleanly and quickly."""

from __future__ import annotations

import resource
import time
import zlib

import pytest

from tasks.parse.errors import TooManyPagesError
from tasks.parse.local import parse_pdf_bytes
from tests.parse.pdfs import build_pdf

LINES = [
    "A Paper With a Hostile Image Inside It",
    "This page carries a small amount of ordinary text so that the parser has a text layer to read.",
    "The image below inflates to a hundred megabytes; the parser never needs its pixels.",
]


def _text_ops() -> bytes:
    return b"BT /F1 11 Tf 72 720 Td 14 TL " + b" ".join(b"(%s) '" % s.encode() for s in LINES) + b" ET"


def test_500_pages_over_the_cap_names_the_file() -> None:
    # 500 page objects sharing one content stream: a big document for a few kilobytes.
    content = _text_ops()
    pages = 500
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
    objects += [page + b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (4 + pages)] * pages
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    start = time.monotonic()
    with pytest.raises(TooManyPagesError) as info:
        parse_pdf_bytes(build_pdf(objects), "huge.pdf", max_pages=200)
    assert str(info.value) == "huge.pdf: the PDF has 500 pages, over the cap of 200"
    assert time.monotonic() - start < 2


def test_decompression_bomb_image_is_never_inflated() -> None:
    side = 10_000  # 10000 x 10000 gray pixels: 100 MB inflated, ~100 KB deflated
    bomb = zlib.compress(bytes(side * side), 9)
    content = b"q 500 0 0 500 50 50 cm /Im1 Do Q " + _text_ops()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (side, side, len(bomb))
        + bomb
        + b"\nendstream",
    ]
    data = build_pdf(objects)
    assert len(data) < 200_000
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    start = time.monotonic()
    paper = parse_pdf_bytes(data, "bomb.pdf")
    elapsed = time.monotonic() - start
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert paper.title == LINES[0]
    assert elapsed < 2, f"parsing took {elapsed:.1f} s: was the image decoded?"
    assert grown_mib < 50, f"peak memory grew by {grown_mib:.0f} MiB: was the image inflated?"
