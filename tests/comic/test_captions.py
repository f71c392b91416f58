"""Captions end where a thought ends: sentences or clauses, never inside parentheses, numbers or citations."""

from __future__ import annotations

import pytest

from tasks.comic.script.captions import (
    CAPTION_CHARS,
    ELLIPSIS,
    balanced,
    caption_from,
    ends_at_boundary,
    is_boilerplate,
    split_sentences,
    tidy,
)

# The caption the issue quotes came from this kind of sentence: cut at "(i." of "(i.e.".
PAREN = (
    "Gating improves average performance (i.e., over the seven SciDocs tasks, e.g. citation prediction and "
    "recommendation) by 3.1 points, and it removes the attention sink in every model size we trained."
)


def test_sentences_do_not_split_at_abbreviations_numbers_or_initials() -> None:
    text = "We use e.g. SciBERT (Beltagy et al. 2019) and reach 80.0 F. Smith said so. Then it ends."
    assert split_sentences(text) == [
        "We use e.g. SciBERT (Beltagy et al. 2019) and reach 80.0 F. Smith said so.",
        "Then it ends.",
    ]


def test_tidy_drops_citations_acronyms_and_openers() -> None:
    text = (
        "In this paper, we propose SPECTER [12] for natural language processing (NLP) (Smith et al., 2020)."
    )
    assert tidy(text) == "We propose SPECTER for natural language processing."


@pytest.mark.parametrize(
    "sentence",
    [
        "This work was supported by grant 1234 of the Foundation.",
        "In this section, we describe the datasets.",
        "The rest of the paper is organized as follows.",
        "We discuss the broader impact of this work in the appendix.",
        "Code and data are publicly available at our repository.",
        "Acknowledgements go to our reviewers.",
    ],
)
def test_boilerplate_is_never_a_caption(sentence: str) -> None:
    assert is_boilerplate(sentence)
    assert caption_from(sentence) is None


def test_whole_sentences_that_fit_are_kept_whole() -> None:
    text = "Gating removes the attention sink. It also helps long contexts. " + "More words follow. " * 20
    caption = caption_from(text)
    assert caption is not None and caption.startswith("Gating removes the attention sink. It also helps")
    assert ends_at_boundary(caption) and not caption.endswith(ELLIPSIS)
    assert len(caption) <= CAPTION_CHARS < len(caption) + len(" More words follow.")


def test_a_long_sentence_is_cut_after_a_clause_never_inside_parentheses() -> None:
    caption = caption_from(PAREN)
    assert caption is not None and caption.endswith(ELLIPSIS) and len(caption) <= CAPTION_CHARS
    assert balanced(caption) and "(i." not in caption.replace("(i.e.,", "")
    head = caption.removesuffix(ELLIPSIS)
    assert PAREN.startswith(head) and PAREN[len(head)] in ",;:"  # the cut is at a clause boundary


def test_no_cut_inside_a_number_or_a_list() -> None:
    listing = (
        "We demonstrate the high efficacy of the Transformer architecture, domain adaptation, multilingual "
        "training, bidirectional training, and backtranslation for low-resource neural machine translation."
    )
    assert caption_from(listing) is None  # any cut would end the list half-way
    number = "Average performance reaches 1,024.5 on every benchmark of the suite " + "x " * 60
    caption = caption_from(number)
    assert caption is None or "1,024.5" in caption


def test_a_dependent_clause_is_not_a_caption() -> None:
    long = (
        "Although " + "the method is slow on very large graphs with many nodes and edges, " * 3 + "it works."
    )
    assert caption_from(long) is None


def test_text_cut_by_the_extractor_is_not_a_thought() -> None:
    assert caption_from("• We propose a novel framework CABACE that lever-") is None
    assert caption_from("We propose a novel framework for the") is None


@pytest.mark.parametrize(
    ("caption", "ok"),
    [
        ("We propose a gate.", True),
        ("We propose a gate after attention, which removes the sink…", True),
        ("improves average performance (i.", False),
        ("We propose a gate after the…", False),
        ("We propose a gate after attention, …", False),
        ("We propose a gate", False),
    ],
)
def test_ends_at_boundary(caption: str, ok: bool) -> None:
    assert ends_at_boundary(caption) is ok
