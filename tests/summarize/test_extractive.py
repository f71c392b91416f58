"""The no-LLM summarizer: sentence splitting, selection, fallbacks, errors, determinism."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tasks.models import ParsedPaper, Section
from tasks.summarize.errors import SummarizeError
from tasks.summarize.extractive import EXTRACTIVE_NOTICE, TLDR_MAX_CHARS, summarize_extractive, trim_at_word
from tasks.summarize.grounding import verify_quote
from tasks.summarize.paper_text import section_kind
from tasks.text import split_sentences

PaperFactory = Callable[..., ParsedPaper]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Models differ, e.g. BERT and ELMo, in depth. They also differ in data.",
            ["Models differ, e.g. BERT and ELMo, in depth.", "They also differ in data."],
        ),
        (
            "As Devlin et al. showed, pretraining helps. We build on it.",
            ["As Devlin et al. showed, pretraining helps.", "We build on it."],
        ),
        (
            "See Fig. 3 for details. Table 2 lists scores.",
            ["See Fig. 3 for details.", "Table 2 lists scores."],
        ),
        (
            "We use one signal, i.e. citations. It is free.",
            ["We use one signal, i.e. citations.", "It is free."],
        ),
        (
            "Accuracy rose from 83.8 to 86.5 points. The gain is 2.7 points.",
            ["Accuracy rose from 83.8 to 86.5 points.", "The gain is 2.7 points."],
        ),
        (
            "Work by Daniel S. Weld is cited. Eq. 2 defines the loss.",
            ["Work by Daniel S. Weld is cited.", "Eq. 2 defines the loss."],
        ),
        ('He said "it works." Then he left!  Did it?', ['He said "it works."', "Then he left!", "Did it?"]),
        ("No final period here", ["No final period here"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Introduction", "intro"),
        ("1. Introduction", "intro"),
        ("Experimental Results", "results"),
        ("Conclusions and Future Work", "conclusion"),
        ("Limitations", "limitations"),
        ("References", "skip"),
        ("Citation-Based Pretraining Objective", "body"),
    ],
)
def test_section_kind(heading: str, kind: str) -> None:
    assert section_kind(heading) == kind


FINDING = "We show that SPECTER outperforms a variety of competitive baselines on the benchmark."


def test_summary_quotes_the_paper_and_verifies(paper: ParsedPaper) -> None:
    summary = summarize_extractive(paper)
    assert summary.generator == "extractive"
    assert summary.fallback is True
    assert summary.notices == [EXTRACTIVE_NOTICE]
    what = [c.text for c in summary.what_was_done]
    why = [c.text for c in summary.why_it_matters]
    # What was done: the method, then the main finding; the TL;DR is that finding, not the motivation.
    assert what[0].startswith("We propose SPECTER")
    assert any(t.startswith("In this paper, we introduce a new method") for t in what)
    assert what[-1] == FINDING and summary.tldr == FINDING
    assert why == [
        "Unlike existing pretrained language models, SPECTER can be easily applied to downstream "
        "applications without task-specific fine-tuning."
    ]
    assert not set(what) & set(why)
    for claim in summary.claims():
        assert claim.verified and claim.quoted
        (evidence,) = claim.evidence
        assert evidence.quote == claim.text
        assert verify_quote(evidence.quote, paper) is not None
    assert summary.what_was_done[0].evidence[0].location == "Abstract"
    intro = next(c for c in summary.what_was_done if c.text.startswith("In this paper"))
    assert intro.evidence[0].location == "1 Introduction, paragraph 2"
    assert "Representation learning is a critical ingredient" not in summary.model_dump_json()


def test_max_claims_limits_both_lists(paper: ParsedPaper) -> None:
    summary = summarize_extractive(paper, max_claims=1)
    assert len(summary.what_was_done) == 1 and len(summary.why_it_matters) == 1
    with pytest.raises(ValueError, match="max_claims"):
        summarize_extractive(paper, max_claims=0)


def test_deterministic(paper: ParsedPaper, paper_factory: PaperFactory) -> None:
    first = summarize_extractive(paper).model_dump_json()
    assert all(summarize_extractive(paper_factory()).model_dump_json() == first for _ in range(3))


def test_paper_without_abstract_uses_the_body(paper_factory: PaperFactory) -> None:
    summary = summarize_extractive(paper_factory(abstract=""))
    assert summary.what_was_done[0].text.startswith("In this paper, we introduce a new method")
    assert summary.what_was_done[0].evidence[0].location == "1 Introduction, paragraph 2"
    assert all(c.verified for c in summary.claims())
    # The finding comes from the results; "We presented SPECTER, a model ..." says the method again.
    assert summary.tldr == summary.what_was_done[-1].text
    assert summary.what_was_done[-1].evidence[0].location == "5 Results, paragraph 1"
    assert not any(c.text.startswith("We presented SPECTER") for c in summary.why_it_matters)


def test_no_cue_phrases_falls_back_to_opening_sentences(paper_factory: PaperFactory) -> None:
    plain = paper_factory(
        abstract="Sepsis is a poorly understood and potentially life-threatening complication of infection. "
        "Early detection in the hospital ward remains a hard clinical problem for many teams.",
        sections=[],
        captions=[],
    )
    summary = summarize_extractive(plain)
    assert summary.what_was_done[0].text.startswith("Sepsis is a poorly understood")
    assert summary.why_it_matters[0].text.startswith("Early detection")
    assert all(c.verified for c in summary.claims())


def test_mostly_formula_paper_still_gets_a_summary(paper_factory: PaperFactory) -> None:
    formulas = paper_factory(
        title="A Note on Bounds",
        abstract="",
        sections=[
            Section(
                heading="Main result",
                paragraphs=["x_1 + x_2 <= 2 sqrt(x_1 x_2) (3)", "Theorem holds for all n. Proof follows."],
            )
        ],
        captions=[],
    )
    summary = summarize_extractive(formulas)
    assert summary.what_was_done and summary.why_it_matters
    assert all(c.verified for c in summary.claims())


def test_empty_parse_raises_naming_the_paper(paper_factory: PaperFactory) -> None:
    empty = paper_factory(title="Attention Is All You Need", abstract="", sections=[], captions=[])
    with pytest.raises(SummarizeError, match="Attention Is All You Need") as info:
        summarize_extractive(empty)
    assert "empty parse" in str(info.value)
    untitled = paper_factory(title="", abstract="", sections=[Section(heading="1", paragraphs=["  "])])
    with pytest.raises(SummarizeError, match="pdf sha256 abababababab"):
        summarize_extractive(untitled)


def test_only_formulas_raises(paper_factory: PaperFactory) -> None:
    junk = paper_factory(abstract="", sections=[Section(heading="Eq", paragraphs=["x = 1 (1)", "y = 2 (2)"])])
    with pytest.raises(SummarizeError, match="no usable sentence"):
        summarize_extractive(junk)


def test_references_section_is_never_quoted(paper_factory: PaperFactory) -> None:
    refs = Section(
        heading="References",
        paragraphs=["We propose a novel method that outperforms the state-of-the-art (Smith, 2020)."],
    )
    paper = paper_factory()
    paper = paper.model_copy(update={"sections": [*paper.sections, refs]})
    assert all("Smith" not in c.text for c in summarize_extractive(paper).claims())


def test_trim_at_word() -> None:
    long = "word " * 100
    trimmed = trim_at_word(long)
    assert len(trimmed) <= TLDR_MAX_CHARS and trimmed.endswith("word\u2026")
    assert trim_at_word("short sentence.") == "short sentence."
