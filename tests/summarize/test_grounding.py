"""Evidence check: normalisation, verbatim quotes, invented quotes, fuzzy matching."""

from __future__ import annotations

import pytest

from tasks.models import Claim, Evidence, PaperSummary, ParsedPaper
from tasks.summarize.grounding import normalize_text, verify_quote, verify_summary


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("e\ufb03cient \ufb01ne-tuning", "efficient fine-tuning"),  # ffi / fi ligatures
        ("\u201cquoted\u201d and \u2018single\u2019", "\"quoted\" and 'single'"),
        ("a\u2013b \u2014 c\u2212d", "a-b - c-d"),
        ("repre- sentation and repre-\nsentation", "representation and representation"),
        ("soft\u00adhyphen", "softhyphen"),
        ("  many\t\n spaces  ", "many spaces"),
        ("CASE Fold \uff21", "case fold a"),  # full-width A via NFKC
        ("from 10- 20 runs", "from 10- 20 runs"),  # only words are de-hyphenated
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_abstract_sentence_verifies_at_abstract(paper: ParsedPaper) -> None:
    quote = "We show that SPECTER outperforms a variety of competitive baselines on the benchmark."
    assert verify_quote(quote, paper) == "Abstract"


def test_body_quote_reports_section_and_paragraph(paper: ParsedPaper) -> None:
    # The paper has "represen<soft hyphen>tations" and "docu- ments"; the quote is clean typography.
    quote = (
        "we introduce a new method for learning general\u2011purpose vector representations of "
        "scientific documents"
    )
    assert verify_quote(quote, paper) == "1 Introduction, paragraph 2"


def test_layout_differences_still_verify(paper: ParsedPaper) -> None:
    # PDF text layers drop or add spaces around hyphens; letters must still match exactly.
    assert verify_quote("targeted towards token-and sentence-level training objectives", paper) == "Abstract"
    assert verify_quote(
        "\u201cTargeted towards token- and sentence\u2010level training objectives\u201d", paper
    )


def test_caption_quote_verifies(paper: ParsedPaper) -> None:
    assert verify_quote("Results on the SCIDOCS evaluation suite.", paper) == "Table 1 caption"


def test_invented_quote_does_not_verify(paper: ParsedPaper) -> None:
    assert verify_quote("SPECTER outperforms GPT-4 on every benchmark by 20 points.", paper) is None
    # One word changed is not verbatim either.
    assert (
        verify_quote("We show that SPECTER outperforms all competitive baselines on the benchmark.", paper)
        is None
    )


def test_too_short_quote_does_not_verify(paper: ParsedPaper) -> None:
    assert verify_quote("we", paper) is None
    assert verify_quote("   ", paper) is None


def test_fuzzy_threshold_accepts_near_verbatim_only(paper: ParsedPaper) -> None:
    near = "We show that SPECTER outperforms a variety of competitive baseline on the benchmark"
    assert verify_quote(near, paper) is None
    assert verify_quote(near, paper, threshold=0.9) == "Abstract"
    assert (
        verify_quote("Our cat enjoys long naps in the afternoon sun every day.", paper, threshold=0.8) is None
    )
    with pytest.raises(ValueError, match="threshold"):
        verify_quote(near, paper, threshold=1.5)


def test_verify_summary_sets_flags_and_locations(paper: ParsedPaper) -> None:
    summary = PaperSummary(
        what_was_done=[
            Claim(
                text="They built SPECTER.",
                evidence=[
                    Evidence(quote="We propose SPECTER, a new method to generate document-level embedding")
                ],
            )
        ],
        why_it_matters=[
            Claim(
                text="It beats GPT-4.",
                evidence=[Evidence(quote="SPECTER beats GPT-4 by a wide margin.", location="5 Results")],
            )
        ],
        tldr="SPECTER embeds papers.",
        generator="openai:gpt-test",
    )
    checked = verify_summary(summary, paper)
    good, bad = checked.what_was_done[0].evidence[0], checked.why_it_matters[0].evidence[0]
    assert (good.verified, good.location) == (True, "Abstract")
    assert (bad.verified, bad.location) == (False, "5 Results")  # the claimed location is kept
    assert checked.what_was_done[0].verified and not checked.why_it_matters[0].verified
    assert summary.why_it_matters[0].evidence[0].verified is False  # input left untouched
