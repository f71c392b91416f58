"""Digest renderers: grouping, relative links to present artifacts only, escaping, JSON round trip."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.markdown import md_text
from tasks.models import (
    AwardEntry,
    AwardKind,
    Claim,
    Conference,
    Digest,
    Evidence,
    Links,
    PaperIds,
    PaperResult,
    PaperStatus,
    PaperSummary,
    StageName,
    StageState,
    StageStatus,
)
from tasks.publish.digest import relative_artifact, render_html, render_json, render_markdown, web_url

SLUG = "neurips-2025"
EXTRACTIVE = "Extractive summary: no LLM configured (set PAPERPANELS_LLM__MODEL=provider:model)"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-bytes"


def _claim(text: str, verified: bool = True) -> Claim:
    return Claim(text=text, evidence=[Evidence(quote=text, location="Abstract", verified=verified)])


def _summary() -> PaperSummary:
    return PaperSummary(
        what_was_done=[
            _claim("We propose SPECTER, a document embedding model."),
            _claim("We release SCIDOCS."),
        ],
        why_it_matters=[_claim("SPECTER outperforms strong baselines."), _claim("It cures cancer.", False)],
        tldr="SPECTER embeds papers.",
        generator="extractive",
        fallback=True,
        notices=[EXTRACTIVE],
    )


def _done(entry: AwardEntry, *, comic: bool = True) -> PaperResult:
    pid = entry.paper_id
    artifacts = {
        "summary.json": f"{SLUG}/papers/{pid}/summary.json",
        "review.md": f"{SLUG}/papers/{pid}/review.md",
    }
    if comic:
        artifacts["comic.png"] = f"{SLUG}/papers/{pid}/comic.png"
    return PaperResult(
        paper_id=pid,
        entry=entry,
        status=PaperStatus.DONE,
        stages={s: StageStatus(state=StageState.DONE) for s in StageName},
        artifacts=artifacts,
        summary=_summary(),
        comic_alt="Four panels: a paper meets its citations." if comic else None,
        notices=["Sketch comic: no GPU"] if comic else [],
    )


@pytest.fixture
def digest() -> Digest:
    best = AwardEntry(
        title="SPECTER <script>alert('x')</script> & \"Friends\"",
        award=AwardKind.BEST_PAPER,
        track="Main",
        authors=["Arman Cohan", "Sergey Feldman"],
        ids=PaperIds(arxiv="2004.07180v2"),
        links=Links(
            code=["https://github.com/allenai/specter", "javascript:alert(document.cookie)"],
            datasets=["https://huggingface.co/datasets/allenai/scidocs"],
            models=["https://huggingface.co/allenai/specter"],
            project_page="https://example.org/specter (demo)",
        ),
    )
    runner = AwardEntry(title="Runner Paper", award=AwardKind.RUNNER_UP, ids=PaperIds(openreview="abcdef123"))
    unavailable = AwardEntry(
        title="Paywalled Paper",
        award=AwardKind.HONORABLE_MENTION,
        authors=["A. Author"],
        ids=PaperIds(doi="10.1234/xyz"),
    )
    failed = AwardEntry(
        title="Broken Paper", award=AwardKind.OUTSTANDING_PAPER, ids=PaperIds(arxiv="2401.00001")
    )
    tot = AwardEntry(title="Old But Gold", award=AwardKind.TEST_OF_TIME, ids=PaperIds(arxiv="1409.0473"))
    other = AwardEntry(title="Some Other Prize", award=AwardKind.OTHER, needs_review=True)
    entries = [tot, runner, best, unavailable, failed, other]
    return Digest(
        conference=Conference(
            slug=SLUG, name="NeurIPS 2025", year=2025, url="https://neurips.cc", entries=entries
        ),
        generated_at=datetime(2025, 12, 3, 9, 30, tzinfo=UTC),
        results=[
            _done(tot),
            _done(runner, comic=False),
            _done(best),
            PaperResult(
                paper_id=unavailable.paper_id,
                entry=unavailable,
                status=PaperStatus.UNAVAILABLE,
                stages={
                    StageName.ACQUIRE: StageStatus(state=StageState.UNAVAILABLE, error="no open-access PDF")
                },
            ),
            PaperResult(
                paper_id=failed.paper_id,
                entry=failed,
                status=PaperStatus.FAILED,
                stages={
                    StageName.ACQUIRE: StageStatus(state=StageState.DONE),
                    StageName.PARSE: StageStatus(
                        state=StageState.FAILED, error="ParseError: <encrypted> PDF"
                    ),
                },
                artifacts={"paper.pdf": f"{SLUG}/papers/2401.00001/paper.pdf"},
            ),
            _done(other, comic=False),
        ],
        notices=["GROBID not configured: local parser in use"],
    )


# --------------------------------------------------------------------------- markdown


def test_markdown_header_counts_and_notices(digest: Digest) -> None:
    md = render_markdown(digest)
    assert md.startswith("# NeurIPS 2025 — award papers\n")
    assert "*Generated 2025-12-03 09:30 UTC* · 6 papers: 4 done · 1 unavailable · 1 failed" in md
    assert "> ⚠ **GROBID not configured: local parser in use**" in md
    assert f"> ⚠ **{md_text(EXTRACTIVE)}** (all papers)" not in md  # 4 of 6: the others have no summary
    assert f"> ⚠ **{md_text(EXTRACTIVE)}** (4 of 6 papers:" in md
    assert "> ⚠ **Sketch comic: no GPU** (2 of 6 papers:" in md


def test_markdown_groups_in_award_order_with_test_of_time_last(digest: Digest) -> None:
    md = render_markdown(digest)
    sections = re.findall(r"^## (.+)$", md, re.M)
    assert sections == [
        "Best paper",
        "Outstanding paper",
        "Runner-up",
        "Honorable mention",
        "Other awards",
        "Test of time",
    ]
    titles = re.findall(r"^### (.+)$", md, re.M)
    assert titles[-1] == "Old But Gold" and titles[0].startswith("SPECTER")


def test_markdown_paper_block(digest: Digest) -> None:
    md = render_markdown(digest)
    block = md.split("### SPECTER", 1)[1].split("\n## ", 1)[0]
    assert "**Award:** Best paper · Main" in block
    assert "**Authors:** Arman Cohan, Sergey Feldman" in block
    links = (
        "[Paper](https://arxiv.org/abs/2004.07180v2) · [Code](https://github.com/allenai/specter) · "
        "[Dataset](https://huggingface.co/datasets/allenai/scidocs) · [Model](https://huggingface.co/allenai/specter)"
        " · [Project page](https://example.org/specter%20%28demo%29)"
    )
    assert links in block
    assert "javascript:" not in md
    assert "**What was done?** We propose SPECTER, a document embedding model. We release SCIDOCS." in block
    unverified = "It cures cancer. **(⚠ unverified)**"
    assert f"**Why it matters?** SPECTER outperforms strong baselines. {unverified}" in block
    assert "[Full review](papers/2004.07180/review.md)" in block
    assert "![Four panels: a paper meets its citations.](papers/2004.07180/comic.png)" in block
    assert "<script>" not in md and "\\<script\\>" in block


def test_markdown_links_only_present_artifacts(digest: Digest) -> None:
    md = render_markdown(digest)
    runner = md.split("### Runner Paper", 1)[1].split("\n### ", 1)[0]
    assert "[Full review](papers/abcdef123/review.md)" in runner
    assert "comic" not in runner and "![" not in runner
    assert f"{SLUG}/papers" not in md  # every artifact link is relative to the digest
    broken = md.split("### Broken Paper", 1)[1].split("\n## ", 1)[0]
    assert "paper.pdf" not in broken and "Full review" not in broken


def test_markdown_unavailable_and_failed(digest: Digest) -> None:
    md = render_markdown(digest)
    paywalled = md.split("### Paywalled Paper", 1)[1].split("\n## ", 1)[0]
    assert "**Award:** Honorable mention" in paywalled and "**Authors:** A. Author" in paywalled
    assert "[Paper](https://doi.org/10.1234/xyz)" in paywalled
    assert "**PDF unavailable:** no open-access PDF" in paywalled
    assert "**Processing failed at parse:** ParseError: \\<encrypted\\> PDF" in md
    assert "⚠ *Paper identification needs review.*" in md.split("### Some Other Prize", 1)[1]


def test_relative_artifact_and_web_url() -> None:
    assert relative_artifact(SLUG, f"{SLUG}/papers/x/review.md") == "papers/x/review.md"
    assert relative_artifact(SLUG, "icml-2024/papers/x/review.md") == "../icml-2024/papers/x/review.md"
    assert relative_artifact(SLUG, f"{SLUG}/../../etc/passwd") is None
    assert relative_artifact(SLUG, "s3://bucket/x") is None
    assert relative_artifact(SLUG, None) is None
    assert web_url("JAVASCRIPT:alert(1)") is None
    assert web_url("data:text/html,hi") is None
    assert web_url("https:///nohost") is None
    assert web_url(" https://a.org/x?q=1&r=2 ") == "https://a.org/x?q=1&r=2"


# --------------------------------------------------------------------------- html


def test_html_is_self_contained_and_escaped(digest: Digest) -> None:
    page = render_html(digest, {"2004.07180": WEBP})
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page.lower()
    assert "SPECTER &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Friends&quot;" in page
    assert "javascript:" not in page.lower()
    # No external assets: every src is inline data; links are the papers' http(s) pages or relative.
    assert re.findall(r'src="([^"]*)"', page) == [f"data:image/webp;base64,{base64.b64encode(WEBP).decode()}"]
    assert not re.search(r"<link\b|@import|url\(", page)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(h.startswith(("https://", "http://", "papers/")) for h in hrefs)
    assert "papers/2004.07180/review.md" in hrefs and "https://github.com/allenai/specter" in hrefs
    assert 'alt="Four panels: a paper meets its citations."' in page
    assert '<meta name="viewport"' in page and "Content-Security-Policy" in page


def test_html_badges_notices_and_unverified(digest: Digest) -> None:
    page = render_html(digest, {})
    assert "<img" not in page  # no comic bytes given: no image, even where comic.png exists
    assert '<span class="badge unavailable">unavailable</span>' in page
    assert '<span class="badge failed">failed</span>' in page
    assert "<strong>PDF unavailable:</strong> no open-access PDF" in page
    assert "<strong>Processing failed at parse:</strong> ParseError: &lt;encrypted&gt; PDF" in page
    assert 'role="alert">⚠ GROBID not configured: local parser in use' in page
    assert 'It cures cancer. <span class="unverified">⚠ unverified</span>' in page
    order = [page.index(f"<h2>{h}</h2>") for h in ("Best paper", "Runner-up", "Test of time")]
    assert order == sorted(order)


# --------------------------------------------------------------------------- json


def test_json_round_trips(digest: Digest) -> None:
    text = render_json(digest)
    assert Digest.model_validate_json(text) == digest
    assert text.startswith("{\n  ")


def test_notice_names_few_papers_only(digest: Digest) -> None:
    many = digest.model_copy(
        update={
            "results": [*digest.results]
            + [t.model_copy(update={"paper_id": f"p{i}"}) for i, t in enumerate([digest.results[0]] * 5)]
        }
    )
    md = render_markdown(many)
    assert f"> ⚠ **{md_text(EXTRACTIVE)}** (9 of 11 papers)" in md


def test_papers_are_rendered_in_their_order_several_read_at_once(tmp_path: Path) -> None:
    """render_papers reads the stored results of several papers at once (the first two reads meet at
    a barrier: one paper at a time, the first would wait out its timeout) and keeps their order."""
    from tasks.publish.render import render_papers
    from tasks.store.local import LocalStore
    from tests.publish.in_flight import InFlight

    store = LocalStore(tmp_path / "store")
    entries = [
        AwardEntry(title=f"Paper {i}", award=AwardKind.BEST_PAPER, ids=PaperIds(arxiv=f"2401.0000{i}"))
        for i in range(6)
    ]
    results = []
    for entry in entries:
        summary = f"{SLUG}/papers/{entry.paper_id}/summary.json"
        comic = f"{SLUG}/papers/{entry.paper_id}/comic.webp"
        store.put(summary, _summary().model_dump_json().encode())
        store.put(comic, WEBP + entry.paper_id.encode())
        results.append(
            _done(entry).model_copy(update={"artifacts": {"summary.json": summary, "comic.webp": comic}})
        )
    counted = InFlight(store.get)
    store.get = counted  # type: ignore[method-assign]
    rendered = list(render_papers(results, store))
    assert [r.result.paper_id for r in rendered] == [r.paper_id for r in results]
    # Each paper's comic is read with its other results, for the pages that embed it.
    assert [r.images for r in rendered] == [{"comic.webp": WEBP + r.paper_id.encode()} for r in results]
    assert 2 <= counted.most <= store.requests_at_once and counted.calls == 12
