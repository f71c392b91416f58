"""The extractive summary a reader would accept: whole sentences, no dangling openers, no boilerplate,
the method and the finding in "What was done?", the finding as TL;DR (issue 15's cases)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tasks.models import Claim, Evidence, PaperSummary, ParsedPaper, Section
from tasks.summarize.extractive import summarize_extractive
from tasks.summarize.grounding import normalize_text
from tasks.summarize.sentences import (
    boilerplate_reason,
    check_summary,
    dangling_opener,
    incomplete_reason,
    says_finding,
)
from tasks.text import paper_names, split_sentences

PaperFactory = Callable[..., ParsedPaper]

MOTIVATION = "Code generation models have become part of the daily work of many developers."
METHOD = "We introduce SampleScope, a benchmark that tracks how code models improve with more samples."
FINDING = "SampleScope shows that pass rates improve by 14% when the number of samples grows from 1 to 16."
DANGLING = "To quantify this, we sample up to 64 programs per problem and count the solved problems."
AXIS = "Number of Samples k LiveCodeBench (2023.5-2025.1) 0.5 0.6 0.7 0.8 Pass@1 Accuracy."
IMPACT = "Our benchmark enables safer deployment and significantly improves the productivity of society."


def _llm_benchmark_paper(factory: PaperFactory) -> ParsedPaper:
    """A paper whose tempting sentences are the issue's bad picks: a dangling opener with strong cues,
    figure-axis residue with numbers, a broader-impact sentence full of result words."""
    return factory(
        title="SampleScope: Measuring Code Models by Their Samples",
        abstract=f"{MOTIVATION} {METHOD} {FINDING}",
        sections=[
            Section(
                number="1",
                heading="Introduction",
                paragraphs=[
                    "Sampling many programs and keeping the first that passes the tests is common practice.",
                    f"{DANGLING} This significantly improves the solve rate on every benchmark we study.",
                    "In this section we describe the structure of the rest of the paper in some detail.",
                ],
            ),
            Section(number="4", heading="Results", paragraphs=[AXIS, f"{FINDING} {IMPACT[:-1]} too."]),
            Section(
                number="5",
                heading="Conclusion",
                paragraphs=["Measuring a model by its best sample lets teams pick a smaller, cheaper model."],
            ),
            Section(number="6", heading="Broader Impact", paragraphs=[IMPACT]),
            Section(
                heading="Acknowledgements", paragraphs=["We thank the reviewers, whose comments improved it."]
            ),
        ],
        captions=[],
    )


def test_issue_15_bad_picks_are_never_quoted(paper_factory: PaperFactory) -> None:
    paper = _llm_benchmark_paper(paper_factory)
    summary = summarize_extractive(paper)
    texts = [c.text for c in summary.claims()] + [summary.tldr]
    # The dangling sentence only ever comes with the sentence before it, never as an opening.
    assert not any(t.startswith("To quantify this") or t.startswith("This significantly") for t in texts)
    assert not any(
        "Number of Samples" in t or "broader" in t.lower() or "productivity of society" in t for t in texts
    )
    assert not any(t.startswith(("In this section", "We thank")) for t in texts)
    # The TL;DR is the finding, not the motivation; What was done is the method, then the finding.
    assert summary.tldr == FINDING
    assert [c.text for c in summary.what_was_done] == [METHOD, FINDING]
    assert summary.why_it_matters[0].text.startswith("Measuring a model by its best sample")
    report = check_summary(summary, paper.title)
    assert report.ok, report


def test_a_dangling_sentence_comes_with_the_one_before_it(paper_factory: PaperFactory) -> None:
    setup = "Large language models often produce code that fails on hidden tests of the benchmark."
    paper = paper_factory(
        title="A Note",
        abstract="",
        sections=[
            Section(number="1", heading="Introduction", paragraphs=[f"{setup} {DANGLING}"]),
            Section(number="2", heading="Results", paragraphs=["These results cannot be reproduced."]),
        ],
        captions=[],
    )
    claims = [c.text for c in summarize_extractive(paper).claims()]
    paired = [t for t in claims if DANGLING in t]
    assert paired and all(t == f"{setup} {DANGLING}" for t in paired)


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        (AXIS, "numbers"),
        ("Number of Samples k LiveCodeBench Pass@1 Accuracy on All Problems", "does not end a sentence"),
        ("• We propose a novel framework CABACE that lever-", "a list bullet"),
        ("and the results of the model are shown in the second row below.", "does not start a sentence"),
        ("Accuracy 81.2 83.4 85.0 and 86.1 for the four models in the table.", "a run of numbers"),
        ("The model reaches 0.81 0.79 0.83 on the three splits of the data set.", "a run of numbers"),
        ("We evaluate the model (see Table 3 for the full setup and the results.", "an unclosed bracket"),
        ("The loss goes down. Figure 3: Training curves of all models on the benchmark.", "a caption"),
        (
            "Pre-Training Data Model Size Tokens Context Length Vocabulary Size Heads.",
            "labels, not a sentence",
        ),
        ("We propose SampleScope, a benchmark that measures code models by their samples.", None),
    ],
)
def test_incomplete_reason(sentence: str, reason: str | None) -> None:
    got = incomplete_reason(sentence)
    assert (got is None) if reason is None else (got is not None and reason in got), got


@pytest.mark.parametrize(
    ("sentence", "opener"),
    [
        ("To quantify this, we sample programs.", "To quantify this"),
        ("These results hold for every model we tried.", "These results"),
        ("Such models are expensive to run at scale.", "Such models"),
        ("This significantly reduces overfitting in practice.", "This significantly"),
        ("However, the gains vanish on larger models.", "However"),
        ("We propose to do this by approximating the mean.", "do this"),
        ("Today, it is used in production at Semantic Scholar.", "it"),
        ("This paper studies number encoders in language models.", None),
        ("In this work, we develop a classifier for sepsis.", None),
        ("It is well known that deep networks overfit small data.", None),
        ("We show that SPECTER outperforms all baselines.", None),
    ],
)
def test_dangling_opener(sentence: str, opener: str | None) -> None:
    assert dangling_opener(sentence) == opener


@pytest.mark.parametrize(
    ("sentence", "heading", "boilerplate"),
    [
        ("Our method could be misused to write malware.", "7 Broader Impacts", True),
        ("We list every hyperparameter for reproducibility.", "Reproducibility Statement", True),
        ("In this section, we describe the data.", "3 Data", True),
        ("The rest of this paper is organized as follows.", "1 Introduction", True),
        ("We thank Jane Doe for her comments on the draft.", "", True),
        ("Code and data are publicly available at https://x.org.", "", True),
        ("Additional examples can be found in Figure 6 of the appendix.", "4 Results", True),
        ("The methods described here enable features in www.semanticscholar.org.", "Abstract", False),
        ("We find that exponent embeddings outperform the baseline.", "5 Results", False),
    ],
)
def test_boilerplate_reason(sentence: str, heading: str, boilerplate: bool) -> None:
    got = boilerplate_reason(normalize_text(sentence), heading)
    assert (got is not None) is boilerplate, got


@pytest.mark.parametrize(
    ("sentence", "finding"),
    [
        ("We show that SPECTER outperforms a variety of competitive baselines.", True),
        ("The resulting graph consists of more than 280M nodes.", True),
        ("Dropout significantly reduces overfitting in large networks.", True),
        ("We reduce literature graph construction to familiar NLP tasks.", False),
        ("We describe other challenges we work on in order to improve the graph.", False),
        ("Large language models have revolutionized the field, enabling new tasks.", False),
        ("We show in Table 2 an evaluation comparing both recipes.", False),
    ],
)
def test_says_finding(sentence: str, finding: bool) -> None:
    assert says_finding(normalize_text(sentence)) is finding


def test_lower_case_names_start_sentences() -> None:
    names = paper_names("PaperMage: A Unified Toolkit for Processing Scientific Documents")
    assert names == frozenset({"papermage"})
    text = "We introduce papermage, a toolkit. papermage offers clean abstractions for documents."
    assert split_sentences(text, names) == ["We introduce papermage, a toolkit.", text.split(". ", 1)[1]]
    assert incomplete_reason("papermage offers clean abstractions for documents.", names=names) is None


def test_check_summary_names_what_a_reader_would_reject() -> None:
    def claim(text: str, location: str = "Abstract") -> Claim:
        return Claim(
            text=text, evidence=[Evidence(quote=text, location=location, verified=True)], quoted=True
        )

    bad = PaperSummary(
        what_was_done=[claim(DANGLING), claim(AXIS, "4 Results, paragraph 1")],
        why_it_matters=[claim(IMPACT, "6 Broader Impact, paragraph 1")],
        tldr=MOTIVATION,
        generator="extractive",
    )
    report = check_summary(bad)
    assert report.dangling == [DANGLING]
    assert len(report.incomplete) == 1 and "numbers" in report.incomplete[0]
    assert len(report.boilerplate) == 1 and "Broader Impact" in report.boilerplate[0]
    assert not report.tldr_finding and not report.ok
