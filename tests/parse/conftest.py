"""Fixtures for the parser tests: the four real papers, parsed once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.models import ParsedPaper
from tests.parse.grobid_server import GrobidServer, GrobidStub


@pytest.fixture(scope="session")
def parsed_papers(fixture_pdfs: dict[str, Path]) -> dict[str, ParsedPaper]:
    """Every fixture PDF parsed once for the whole session (shared with the summarizer's tests)."""
    from tests.fixture_truth import parse_real

    return {name: parse_real(name) for name in fixture_pdfs}


@pytest.fixture
def grobid(fixtures_dir: Path) -> Iterator[GrobidStub]:
    """A fake GROBID on 127.0.0.1 answering the recorded TEI for specter and literature_graph."""
    with GrobidServer() as server:
        server.stub.load_recorded(fixtures_dir)
        yield server.stub
