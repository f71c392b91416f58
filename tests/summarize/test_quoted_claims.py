"""The extractive summary's claims are the paper's own sentences: every place that shows them shows
quotation marks and a source, never our prose; an LLM's claims stay prose with their marks."""

from __future__ import annotations

from datetime import UTC, datetime

from tasks.markdown import md_text
from tasks.models import (
    AwardEntry,
    AwardKind,
    Claim,
    Conference,
    Digest,
    Evidence,
    PaperIds,
    PaperResult,
    PaperStatus,
    PaperSummary,
    ParsedPaper,
    StageName,
    StageState,
    StageStatus,
)
from tasks.publish.digest import render_html, render_markdown
from tasks.publish.review import review_markdown, summary_markdown
from tasks.summarize.extractive import summarize_extractive

QUOTE = "We show that SPECTER outperforms a variety of *competitive* baselines (on SciDocs)."


def _digest(summary: PaperSummary) -> Digest:
    entry = AwardEntry(title="SPECTER", award=AwardKind.BEST_PAPER, ids=PaperIds(arxiv="2004.07180"))
    result = PaperResult(
        paper_id="2004.07180",
        entry=entry,
        status=PaperStatus.DONE,
        stages={s: StageStatus(state=StageState.DONE) for s in StageName},
        summary=summary,
    )
    conference = Conference(slug="acl-2020", name="ACL 2020", year=2020, entries=[entry])
    return Digest(conference=conference, generated_at=datetime(2026, 1, 1, tzinfo=UTC), results=[result])


def _summary(*, quoted: bool, verified: bool = True) -> PaperSummary:
    claim = Claim(
        text=QUOTE if quoted else "SPECTER beats the baselines.",
        evidence=[Evidence(quote=QUOTE, location="5 Results, paragraph 1", verified=verified)],
        quoted=quoted,
    )
    return PaperSummary(
        what_was_done=[claim], why_it_matters=[claim], tldr="SPECTER embeds papers.", generator="extractive"
    )


def test_digest_markdown_shows_quotes_with_their_source() -> None:
    md = render_markdown(_digest(_summary(quoted=True)))
    quote = f"“{md_text(QUOTE)}” — *5 Results, paragraph 1*"
    assert f"**What was done?** {quote}" in md and f"**Why it matters?** {quote}" in md
    unverified = render_markdown(_digest(_summary(quoted=True, verified=False)))
    assert f"{quote} **(⚠ unverified)**" in unverified


def test_digest_html_shows_quotes_with_their_source() -> None:
    page = render_html(_digest(_summary(quoted=True)), {})
    escaped = "We show that SPECTER outperforms a variety of *competitive* baselines (on SciDocs)."
    assert f'<span class="quote">“{escaped}”</span> <cite>— 5 Results, paragraph 1</cite>' in page
    assert ".quote {" in page and "cite {" in page


def test_written_claims_stay_prose() -> None:
    md = render_markdown(_digest(_summary(quoted=False)))
    assert "**What was done?** SPECTER beats the baselines." in md and "“" not in md.split("### SPECTER")[1]
    page = render_html(_digest(_summary(quoted=False)), {})
    assert "<strong>What was done?</strong> SPECTER beats the baselines." in page and "<cite>" not in page


def test_review_and_terminal_summary_quote_the_paper(paper: ParsedPaper) -> None:
    summary = summarize_extractive(paper)
    first = summary.what_was_done[0]
    for md in (review_markdown(paper, summary), summary_markdown(paper, summary, ran=["parser: test 1"])):
        assert f"- “{md_text(first.text)}” — *Abstract* ✓" in md
    terminal = summary_markdown(paper, summary, ran=["parser: test 1", "summarizer: extractive (3)"])
    assert "*parser: test 1*" in terminal and f"**TL;DR** “{md_text(summary.tldr)}”" in terminal
