"""Bad inputs fail with our own error types, and every message names the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tasks.parse.errors import (
    EmptyPdfError,
    EncryptedPdfError,
    NotAPdfError,
    NoTextLayerError,
    ParseError,
    TooManyPagesError,
    TruncatedPdfError,
)
from tasks.parse.local import parse_pdf_bytes, parse_pdf_file
from tests.parse.pdfs import build_pdf, text_pdf


def _parse_error(path: Path, **kwargs: int) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_pdf_file(path, **kwargs)
    assert info.value.source == str(path)
    assert path.name in str(info.value)
    return info.value


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert isinstance(_parse_error(path), EmptyPdfError)


def test_truncated_download(tmp_path: Path, fixture_pdfs: dict[str, Path]) -> None:
    data = fixture_pdfs["specter"].read_bytes()
    path = tmp_path / "half.pdf"
    path.write_bytes(data[: len(data) // 2])
    error = _parse_error(path)
    assert isinstance(error, TruncatedPdfError)
    assert "truncated" in str(error)


def test_html_page_saved_as_pdf(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_text("<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head><body></body></html>")
    error = _parse_error(path)
    assert isinstance(error, NotAPdfError)
    assert "looks like an HTML page, not a PDF" in str(error)


def test_password_protected_pdf(tmp_path: Path) -> None:
    # Standard security handler with a user password: the empty password does not open it.
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>",
    ]
    file_id = b"<" + b"ab" * 16 + b">"
    path = tmp_path / "locked.pdf"
    path.write_bytes(build_pdf(objects, b"/Encrypt 4 0 R /ID [" + file_id + b" " + file_id + b"] "))
    error = _parse_error(path)
    assert isinstance(error, EncryptedPdfError)
    assert "password" in str(error)


def test_image_only_pdf(tmp_path: Path) -> None:
    image = Image.new("RGB", (850, 1100), "white")
    ImageDraw.Draw(image).text((100, 100), "A scanned page: pixels, not text", fill="black")
    path = tmp_path / "scan.pdf"
    image.save(path, "PDF", save_all=True, append_images=[image.copy()])
    error = _parse_error(path)
    assert isinstance(error, NoTextLayerError)
    assert "no text layer" in str(error) and "ocrmypdf" in str(error)


def test_page_cap(tmp_path: Path, fixture_pdfs: dict[str, Path]) -> None:
    error = _parse_error(fixture_pdfs["literature_graph"], max_pages=2)
    assert isinstance(error, TooManyPagesError)
    assert "8 pages" in str(error) and "cap of 2" in str(error)


def test_garbage_after_the_header_is_a_parse_error_not_a_pdfium_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    error = _parse_error(path)
    assert type(error) in (ParseError, TruncatedPdfError)


def test_missing_file(tmp_path: Path) -> None:
    _parse_error(tmp_path / "nowhere.pdf")


def test_a_readable_pdf_with_little_text_still_parses() -> None:
    paper = parse_pdf_bytes(text_pdf(["A short note with one line of text in it."] * 3), "note.pdf")
    assert paper.page_count == 1
    assert paper.title == "A short note with one line of text in it."
    assert any("title" in n for n in paper.notices)
    assert "no abstract found" in paper.notices
