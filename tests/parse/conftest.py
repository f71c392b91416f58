"""Fixtures for the parser tests: the four real papers, parsed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.models import ParsedPaper


@pytest.fixture(scope="session")
def parsed_papers(fixture_pdfs: dict[str, Path]) -> dict[str, ParsedPaper]:
    """Every fixture PDF parsed once for the whole session."""
    from tasks.parse.local import parse_pdf_file

    return {name: parse_pdf_file(path) for name, path in fixture_pdfs.items()}
