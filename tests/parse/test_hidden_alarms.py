"""No false alarm on real papers: hidden text in every real PDF of the fixtures is residue.

Real papers hide things: tick labels set under 2 pt, figure labels under a panel's background,
a journal's white glyph strip, clipped digits. All of it is kept out of the paper, and none of it
may be announced as possible prompt injection (issue 26). One case per PDF, so a failure names it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.parse.local import find_hidden_text
from tests.conftest import FIXTURES

REAL_PDFS = sorted(
    path for folder in ("pdfs", "corpus/pdfs", "corpus2/pdfs") for path in (FIXTURES / folder).glob("*.pdf")
)


@pytest.mark.skipif(not REAL_PDFS, reason=f"no real PDFs under {FIXTURES}")
@pytest.mark.parametrize("path", REAL_PDFS, ids=[p.name for p in REAL_PDFS])
def test_no_hidden_text_in_a_real_paper_reads_as_language(path: Path) -> None:
    hidden, notices = find_hidden_text(path.read_bytes(), path.name)
    language = [(h.page, h.reason, h.text[:80]) for h in hidden if h.kind == "language"]
    assert language == [] and notices == []


def test_the_real_fixtures_are_all_there() -> None:
    # 4 + 13 + 31 real PDFs (../shared/fixtures READMEs): a lost folder must not pass silently.
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES}")
    assert len(REAL_PDFS) == 48
