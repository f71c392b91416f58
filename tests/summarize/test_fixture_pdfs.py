"""Extractive summary and review over every real PDF in ../shared/fixtures (the four fixture papers and
the corpus), through the local parser: what a reader without an API key gets."""

from __future__ import annotations

import pytest

from tasks.publish.review import review_markdown
from tasks.summarize.extractive import summarize_extractive
from tasks.summarize.extractive_review import REVIEW_NOTICE, extractive_review
from tasks.summarize.sentences import check_summary
from tests.fixture_truth import parse_real, real_papers

# Collected from the shared fixtures when they are there; one skipped case says why when not.
PAPERS = sorted(real_papers()) or [
    pytest.param("-", marks=pytest.mark.skip(reason="../shared/fixtures not found"))
]


@pytest.mark.parametrize("name", PAPERS)
def test_extractive_summary_reads_right(name: str) -> None:
    parsed = parse_real(name)
    summary = summarize_extractive(parsed)
    assert summary.fallback and summary.generator == "extractive"
    for claim in summary.claims():
        assert claim.verified and claim.quoted, claim.text
    # Whole sentences, none opening with an unresolved reference, no boilerplate; the TL;DR a finding.
    report = check_summary(summary, parsed.title)
    assert report.ok, report
    what = [c.text for c in summary.what_was_done]
    # What was done ends with the main finding, which the TL;DR is.
    assert what[-1] == summary.tldr or len(what) == 1, (what, summary.tldr)
    assert not set(what) & {c.text for c in summary.why_it_matters}
    md = review_markdown(parsed, summary, review=extractive_review(parsed))
    assert REVIEW_NOTICE in md and "## Why it matters" in md and "“" in md
