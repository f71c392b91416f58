"""Extractive summary and review over the real fixture PDFs, through the local parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.publish.review import REVIEW_NOTICE, review_markdown
from tasks.summarize.extractive import summarize_extractive
from tasks.summarize.grounding import normalize_text, verify_quote

# First words of each abstract, read from the first pages (see ../shared/fixtures/README.md).
ABSTRACT_STARTS = {
    "specter": "Representation learning is a critical ingredient",
    "literature_graph": "We describe a deployed scalable system",
    "papermage": "Despite growing interest in applying natural language processing",
    "futoma2017": "Sepsis is a poorly understood and potentially life-threatening",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ABSTRACT_STARTS))
def test_extractive_summary_of_real_pdf(name: str, fixture_pdfs: dict[str, Path]) -> None:
    local = pytest.importorskip("tasks.parse.local", reason="local parser not written yet")
    parsed = local.parse_pdf_file(fixture_pdfs[name])
    summary = summarize_extractive(parsed)
    assert summary.fallback and summary.generator == "extractive"
    for claim in summary.claims():
        assert claim.verified, claim.text
        assert verify_quote(claim.text, parsed) is not None
    if parsed.abstract:
        assert normalize_text(summary.tldr).startswith(normalize_text(ABSTRACT_STARTS[name]))
    assert summarize_extractive(parsed) == summary
    md = review_markdown(parsed, summary)
    assert REVIEW_NOTICE in md and "## Why it matters" in md
