"""What a digest may show: every paper of every award kind, only checked claims as fact, data as text.

Issue 12, items 1, 2, 6 and 8, on the plain functions (the flow-level cases are in tests/faults).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tasks.comic.script.story import script_from_summary
from tasks.models import (
    AwardEntry,
    AwardKind,
    Claim,
    ClaimFlag,
    Conference,
    Digest,
    Evidence,
    Links,
    PaperResult,
    PaperStatus,
    PaperSummary,
    StageName,
    StageOutcome,
    StageState,
    StageStatus,
    StoredObject,
)
from tasks.publish.digest import render_html, render_json, render_markdown
from tasks.publish.publisher import paper_result, publish
from tasks.publish.review import review_markdown
from tasks.repro.card import paper_card
from tasks.store.local import LocalStore
from tests.summarize.conftest import make_paper

SLUG = "acl-2025"


def _conference(entries: list[AwardEntry]) -> Conference:
    return Conference(slug=SLUG, name="ACL 2025", year=2025, entries=entries)


def _checked(text: str) -> Claim:
    return Claim(text=text, evidence=[Evidence(quote=text, location="Abstract", verified=True)])


def _summary(*why: Claim) -> PaperSummary:
    return PaperSummary(
        what_was_done=[_checked("We propose a method for embedding scientific documents.")],
        why_it_matters=list(why) or [_checked("It outperforms strong baselines on seven tasks.")],
        tldr="A method for embedding scientific documents.",
        tldr_checked=True,
        generator="openai:gpt-4o-mini",
    )


def _done(entry: AwardEntry, summary: PaperSummary | None = None) -> PaperResult:
    return PaperResult(
        paper_id=entry.paper_id,
        entry=entry,
        status=PaperStatus.DONE,
        stages={s: StageStatus(state=StageState.DONE) for s in StageName},
        summary=summary or _summary(),
    )


# --------------------------------------------------------------------------- 1. every award kind


def test_every_award_kind_is_in_every_format() -> None:
    entries = [AwardEntry(title=f"Paper for {kind.value}", award=kind) for kind in AwardKind]
    assert len(entries) == 13
    digest = Digest(conference=_conference(entries), results=[_done(e) for e in entries])
    md, html, data = render_markdown(digest), render_html(digest, {}), json.loads(render_json(digest))
    for kind in AwardKind:
        title = f"Paper for {kind.value}"
        assert f"### {title}" in md, kind
        assert f"<h3>{title}</h3>" in html, kind
    assert len(data["results"]) == 13
    # Grouped in a defined order: the paper's quality awards first, the test-of-time family last.
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert (
        len(headings) == 13
        and headings[0] == "Best paper"
        and headings[-3:]
        == [
            "Test of time",
            "Test of time, runner-up",
            "Test of time, honorable mention",
        ]
    )


def test_the_acl_2025_catalogue_publishes_all_its_papers() -> None:
    from config.settings import CONFERENCES_DIR
    from tasks.harvest.manifest import load_conference

    conf = load_conference("acl-2025", CONFERENCES_DIR)
    digest = Digest(conference=conf, results=[_done(e) for e in conf.entries])
    md = render_markdown(digest)
    assert md.count("\n### ") == len(conf.entries) > 4


# --------------------------------------------------------------------------- 6. verified everywhere


def test_a_claim_failing_the_number_check_is_never_shown_as_fact() -> None:
    bad_text = "It improves accuracy by 99.9 points."
    bad = _checked(bad_text)  # its quote is real...
    summary = _summary(bad)
    summary = summary.model_copy(
        update={"flags": [ClaimFlag(claim=bad_text, reasons=["number 99.9 does not appear in the paper"])]}
    )
    summary = PaperSummary.model_validate(summary.model_dump())  # ...but the number check failed
    assert not summary.why_it_matters[0].verified
    assert summary.verified_claims() == summary.what_was_done
    entry = AwardEntry(title="A Paper", award=AwardKind.BEST_PAPER)
    digest = Digest(conference=_conference([entry]), results=[_done(entry, summary)])
    md = render_markdown(digest)
    assert "It improves accuracy by 99.9 points. **(⚠ unverified)**" in md
    html = render_html(digest, {})
    assert 'It improves accuracy by 99.9 points. <span class="unverified">⚠ unverified</span>' in html
    review = review_markdown(make_paper(), summary, entry=entry)
    assert "⚠ unverified claim: It improves accuracy by 99.9 points." in review
    script = script_from_summary(summary, "A Paper", panels=4)
    drawn = " ".join([p.caption for p in script.panels] + [script.alt_text])
    assert "99.9" not in drawn


def test_an_invented_quote_never_reaches_the_comic() -> None:
    invented = Claim(
        text="The method cures every disease.",
        evidence=[Evidence(quote="The method cures every disease.", verified=False)],
    )
    summary = _summary(invented)
    script = script_from_summary(summary, "A Paper", panels=6)
    assert "cures" not in " ".join([p.caption for p in script.panels] + [script.alt_text])


# --------------------------------------------------------------------------- 8. data is text


HOSTILE = "Attention [/] is [bold]all[/bold] [here](javascript:alert(1)) ![x](https://evil.example/t) <!--"


def test_markdown_output_escapes_titles_and_names() -> None:
    entry = AwardEntry(
        title=HOSTILE,
        award=AwardKind.BEST_PAPER,
        authors=["Eve [click](javascript:steal()) *Mallory*", "Bob ![pixel](https://evil.example/p.gif)"],
        links=Links(code=["javascript:alert(2)", "https://github.com/ok/repo"]),
    )
    digest = Digest(conference=_conference([entry]), results=[_done(entry)])
    review = review_markdown(make_paper(), _summary(), entry=entry)
    for md in (render_markdown(digest), review):
        assert "](javascript:" not in md and "![x](https" not in md and "![pixel](https" not in md
        assert "<!--" not in md and "*Mallory*" not in md
        assert "\\[here\\]\\(javascript:alert\\(1\\)\\)" in md
        assert "[Code](https://github.com/ok/repo)" in md


# --------------------------------------------------------------------------- 2. finished stays finished


def _card(store: LocalStore, pid: str) -> StoredObject:
    """The repro-card stage's repro.json for the paper."""
    return store.put(f"{SLUG}/papers/{pid}/repro.json", paper_card(make_paper()).model_dump_json().encode())


def _outcomes(store: LocalStore, entry: AwardEntry, *, ok: bool) -> dict[StageName, StageOutcome]:
    if not ok:
        unavailable = StageStatus(state=StageState.UNAVAILABLE, error="no PDF: downloads failed")
        return {StageName.ACQUIRE: StageOutcome(status=unavailable)}
    pid = entry.paper_id
    outputs = {
        "parsed.json": store.put(f"{SLUG}/papers/{pid}/parsed.json", make_paper().model_dump_json().encode()),
        "summary.json": store.put(f"{SLUG}/papers/{pid}/summary.json", _summary().model_dump_json().encode()),
    }
    done = StageStatus(state=StageState.DONE)
    return {
        StageName.ACQUIRE: StageOutcome(status=done),
        StageName.PARSE: StageOutcome(status=done),
        StageName.REPRO: StageOutcome(status=done, outputs={"repro.json": _card(store, pid)}),
        StageName.SUMMARIZE: StageOutcome(status=done, outputs=outputs),
        StageName.COMIC: StageOutcome(status=done),
    }


@pytest.fixture
def two_papers() -> list[AwardEntry]:
    return [
        AwardEntry(title="Kept Paper", award=AwardKind.BEST_PAPER, id="kept"),
        AwardEntry(title="Other Paper", award=AwardKind.RUNNER_UP, id="other"),
    ]


def test_a_run_that_cannot_redo_a_paper_keeps_its_published_review(
    tmp_path: Path, two_papers: list[AwardEntry]
) -> None:
    store = LocalStore(tmp_path)
    conf = _conference(two_papers)
    first = [paper_result(e, _outcomes(store, e, ok=True), store) for e in two_papers]
    publish(conf, first, store)
    # Next run: the first paper's PDF cannot be had any more (no folder, download fails).
    second = [paper_result(e, _outcomes(store, e, ok=e.id != "kept"), store) for e in two_papers]
    digest, _ = publish(conf, second, store)
    kept = next(r for r in digest.results if r.paper_id == "kept")
    assert kept.status is PaperStatus.DONE and kept.summary is not None
    assert any("this run could not redo it" in n and "downloads failed" in n for n in kept.notices)
    release = tmp_path / SLUG / "current"
    assert (release / kept.artifacts["review.md"]).read_text().startswith("# Kept Paper\n")
    assert "### Kept Paper" in (release / "digest.md").read_text()

    # With --force the run's outcome is published, and the digest says what happened.
    forced, _ = publish(conf, second, store, force=True)
    kept = next(r for r in forced.results if r.paper_id == "kept")
    assert kept.status is PaperStatus.UNAVAILABLE
    assert any("this --force run replaced it" in n for n in kept.notices)

    # A paper that leaves the award list leaves the digest, with a notice naming it.
    shorter = _conference(two_papers[1:])
    digest, _ = publish(shorter, second[1:], store)
    assert [r.paper_id for r in digest.results] == ["other"]
    assert any("no longer in the award list" in n and "Kept Paper" in n for n in digest.notices)
