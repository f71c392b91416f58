"""Hand-built summaries for the comic tests."""

from __future__ import annotations

import pytest

from tasks.models import Claim, Evidence, PaperSummary


def claim(text: str) -> Claim:
    return Claim(text=text, evidence=[Evidence(quote=text[:60], location="Abstract", verified=True)])


def make_summary(done: list[str], why: list[str], tldr: str = "") -> PaperSummary:
    return PaperSummary(
        what_was_done=[claim(t) for t in done],
        why_it_matters=[claim(t) for t in why],
        tldr=tldr,
        generator="extractive",
        fallback=True,
    )


@pytest.fixture
def small_summary() -> PaperSummary:
    """One claim per field and no TL;DR: the least a summary can hold."""
    return make_summary(
        ["We propose a gate after attention that removes the attention sink."],
        ["Long-context models waste attention on the first token."],
    )


@pytest.fixture
def large_summary() -> PaperSummary:
    long = (
        "The authors train more than thirty variants of mixture-of-experts and dense transformer language "
        "models on trillions of tokens, compare a dozen gating positions, and show that a head-specific "
        "sigmoid gate after scaled dot-product attention consistently improves perplexity and stability"
    )
    return make_summary(
        [
            long,
            *(f"Finding number {i} shows that gating helps across model sizes and data." for i in range(8)),
        ],
        [f"Reason {i}: practitioners can adopt the change with one line of code." for i in range(8)],
        tldr="A sigmoid gate after attention makes large language models more stable.",
    )
