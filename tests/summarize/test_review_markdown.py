"""The full review markdown: notice, claims with marks, outline, results, limitations, captions."""

from __future__ import annotations

from collections.abc import Callable

from tasks.models import (
    AwardEntry,
    AwardKind,
    Claim,
    Evidence,
    Links,
    PaperIds,
    PaperSummary,
    ParsedPaper,
    Section,
)
from tasks.publish.review import review_markdown
from tasks.summarize.extractive import summarize_extractive
from tasks.summarize.extractive_review import REVIEW_NOTICE, extractive_review

PaperFactory = Callable[..., ParsedPaper]


def _entry() -> AwardEntry:
    return AwardEntry(
        title="SPECTER: Document-level Representation Learning using Citation-informed Transformers",
        award=AwardKind.BEST_PAPER,
        track="Main track",
        authors=["Arman Cohan", "Sergey Feldman", "Iz Beltagy"],
        ids=PaperIds(arxiv="2004.07180"),
        links=Links(code=["https://github.com/allenai/specter", "javascript:alert(1)"]),
    )


def _section(md: str, heading: str) -> str:
    return md.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_extractive_review_structure(paper: ParsedPaper) -> None:
    md = review_markdown(paper, summarize_extractive(paper), entry=_entry(), review=extractive_review(paper))
    assert md.startswith("# SPECTER: Document-level Representation Learning")
    assert "**Authors:** Arman Cohan, Sergey Feldman, Iz Beltagy" in md
    assert "**Award:** Best paper (Main track)" in md
    assert "[Paper](https://arxiv.org/abs/2004.07180)" in md and "javascript:" not in md
    assert REVIEW_NOTICE in md
    assert "Extractive summary: no LLM configured" not in md  # said once, by REVIEW_NOTICE
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## What was done",
        "## Why it matters",
        "## Paper outline",
        "## Results",
        "## Limitations",
        "## Figures & tables",
    ]
    assert "We propose SPECTER" in _section(md, "What was done")
    assert "— *Abstract* ✓" in _section(md, "What was done")
    assert "- 1 Introduction\n- 2 Method\n- 5 Results\n- 6 Conclusions" in _section(md, "Paper outline")
    results = _section(md, "Results")
    assert "MAP score of 83.8" in results and "*5 Results, paragraph 1*" in results
    assert "left for future work" in _section(md, "Limitations")
    captions = _section(md, "Figures & tables")
    assert "- **Figure 1.** Overview of SPECTER." in captions
    assert "- **Table 1.** Results on the SCIDOCS evaluation suite." in captions
    assert md.rstrip().endswith("parse (13 pages).*")


def test_llm_review_marks_unverified_claims_and_has_no_fallback_notice(paper: ParsedPaper) -> None:
    summary = PaperSummary(
        what_was_done=[
            Claim(
                text="The authors embed papers using citations.",
                evidence=[Evidence(quote="We propose SPECTER", location="Abstract", verified=True)],
            )
        ],
        why_it_matters=[
            Claim(
                text="It beats GPT-4.",
                evidence=[Evidence(quote="SPECTER beats GPT-4.", location="5 Results", verified=False)],
            )
        ],
        tldr="SPECTER embeds papers.",
        generator="openai:gpt-test",
        notices=["Possible prompt injection found in section 3"],
    )
    md = review_markdown(paper, summary)
    assert REVIEW_NOTICE not in md
    assert "> ⚠ **Possible prompt injection found in section 3**" in md
    assert "  > “We propose SPECTER” — *Abstract* ✓" in md
    assert "  > “SPECTER beats GPT-4.” — *5 Results* ⚠ unverified" in md
    assert md.startswith(f"# {paper.title}")  # no entry: the parsed title


def test_limitations_none_stated_and_html_neutralised(paper_factory: PaperFactory) -> None:
    paper = paper_factory(
        title="A <script>alert(1)</script> title",
        sections=[
            Section(number="1", heading="Introduction", paragraphs=["We propose a method for <b>x</b>."])
        ],
        captions=[],
    )
    md = review_markdown(paper, summarize_extractive(paper), review=extractive_review(paper))
    assert "<script>" not in md and "<b>" not in md
    assert "None stated in the extracted text." in _section(md, "Limitations")
    assert "No captions were extracted." in _section(md, "Figures & tables")


def test_review_is_deterministic(paper: ParsedPaper) -> None:
    summary = summarize_extractive(paper)
    assert review_markdown(paper, summary, entry=_entry()) == review_markdown(paper, summary, entry=_entry())
