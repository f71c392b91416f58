"""check_pdf_bytes: the cheap checks the downloader and the parser share."""

from __future__ import annotations

import pytest

from tasks.parse.errors import EmptyPdfError, NotAPdfError, ParseError, TooLargePdfError, TruncatedPdfError
from tasks.parse.validate import check_pdf_bytes

GOOD = b"%PDF-1.5\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_accepts_a_whole_pdf() -> None:
    check_pdf_bytes(GOOD, "good.pdf")


def test_accepts_a_little_junk_before_the_header_and_after_eof() -> None:
    check_pdf_bytes(b"\r\n\xef\xbb\xbf  " + GOOD + b"\x00" * 100, "junk.pdf")


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", EmptyPdfError, "empty"),
        (b"<html><body>Access denied</body></html>", NotAPdfError, "looks like an HTML page, not a PDF"),
        (b"  <!doctype html><html></html>", NotAPdfError, "HTML page"),
        (b'{"error": "not found"}', NotAPdfError, "JSON"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, NotAPdfError, "image"),
        (b"x" * 2000 + GOOD, NotAPdfError, "%PDF-"),
        (GOOD[: len(GOOD) // 2], TruncatedPdfError, "truncated"),
    ],
)
def test_rejects_with_a_message_naming_the_source(data: bytes, error: type[ParseError], words: str) -> None:
    with pytest.raises(error) as info:
        check_pdf_bytes(data, "https://example.org/paper.pdf")
    assert str(info.value).startswith("https://example.org/paper.pdf: ")
    assert words in str(info.value)
    assert info.value.source == "https://example.org/paper.pdf"


def test_size_cap() -> None:
    check_pdf_bytes(GOOD, "ok.pdf", max_bytes=len(GOOD))
    with pytest.raises(TooLargePdfError, match=r"big\.pdf: .*over the cap of 10 bytes"):
        check_pdf_bytes(GOOD, "big.pdf", max_bytes=10)
