"""Hostile PDFs: page-count and decompression bombs, and PDFs past their memory or CPU budget, fail
alone with a reason that names the budget, or parse cleanly."""

from __future__ import annotations

import contextlib
import resource
import threading
import time
import zlib
from collections.abc import Iterator

import pytest

from tasks.parse.budget import PdfBudget
from tasks.parse.errors import OverBudgetPdfError, TooManyPagesError
from tasks.parse.local import parse_pdf_bytes
from tasks.parse.local_backend import LocalParser
from tests.parse.bombs import image_bomb_pdf, inflating_pdf
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


# --------------------------------------------------------------------------- budgets (tasks/parse/budget.py)

ONE_MB = 1 << 20


def _local(**budget: float) -> LocalParser:
    return LocalParser(200, PdfBudget(slots=1, **budget))  # type: ignore[arg-type]


def test_a_content_stream_that_inflates_past_the_budget_is_refused_before_pdfium() -> None:
    bomb = inflating_pdf(100 * ONE_MB)  # ~140 KB of file, 100 MB of paths: gigabytes in pdfium
    assert len(bomb) < ONE_MB / 4
    with pytest.raises(OverBudgetPdfError) as info:
        _local().parse(bomb, "bomb.pdf")
    message = str(info.value)
    assert message.startswith("bomb.pdf: stream 5 (decoded, more than")
    assert "over the budget of 64 MB of decoded content" in message
    assert "PAPERPANELS_PARSE__MAX_DECODED_MB" in message


def test_one_stream_drawn_by_every_page_counts_once_per_page() -> None:
    shared = inflating_pdf(4 * ONE_MB, pages=20)  # 4 MB decoded, drawn 20 times: 80 MB of content
    with pytest.raises(OverBudgetPdfError, match=r"stream 5 \(drawn by 20 pages"):
        _local().parse(shared, "shared.pdf")
    assert _local(max_decoded_mb=100).parse(inflating_pdf(ONE_MB, pages=2), "ok.pdf").parsed.page_count == 2


def test_an_image_declaring_gigabytes_is_refused() -> None:
    with pytest.raises(OverBudgetPdfError, match=r"image 6 \(3,000,000,000 bytes declared\)"):
        _local().parse(image_bomb_pdf(50_000, 20_000), "image.pdf")


def test_a_parse_past_its_memory_budget_fails_alone_naming_the_budget() -> None:
    # 24 MB of paths: within the decoded budget, ~800 MB in pdfium; the child may have 300 MB.
    with peak_rss_growth() as grown, pytest.raises(OverBudgetPdfError) as info:
        _local(max_memory_mb=300).parse(inflating_pdf(24 * ONE_MB), "greedy.pdf")
    assert "budget: 300 MB of memory; PAPERPANELS_PARSE__MAX_MEMORY_MB raises it" in str(info.value)
    # This process never held the paths: the child did, and is gone. (Measured as this process's
    # resident memory during the call against before it: whatever earlier tests left loaded.)
    assert grown[0] < 200 * ONE_MB, f"this process grew by {grown[0] / ONE_MB:.0f} MB"


@contextlib.contextmanager
def peak_rss_growth() -> Iterator[list[int]]:
    """How much this process's resident memory rose above its level at the start, at its peak."""
    import psutil

    me = psutil.Process()
    start = me.memory_info().rss
    grown = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            grown[0] = max(grown[0], me.memory_info().rss - start)
            done.wait(0.01)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        yield grown
    finally:
        done.set()
        watcher.join()


def test_a_parse_past_its_cpu_budget_is_stopped() -> None:
    # ~4 s of pdfium work for one page; the budget is 1 s (the kernel counts whole seconds).
    with pytest.raises(OverBudgetPdfError) as info:
        _local(cpu_s_base=0.5, cpu_s_per_page=0.1).parse(inflating_pdf(24 * ONE_MB), "slow.pdf")
    assert "used up its CPU time and was stopped" in str(info.value)
    assert "0.5 s + 0.1 s per page of CPU time" in str(info.value)


def test_errors_of_the_parse_come_back_from_the_child_as_they_are() -> None:
    with pytest.raises(TooManyPagesError) as info:
        LocalParser(3, PdfBudget(slots=1)).parse(inflating_pdf(1000, pages=5), "long.pdf")
    assert str(info.value) == "long.pdf: the PDF has 5 pages, over the cap of 3"
    assert info.value.source == "long.pdf"
