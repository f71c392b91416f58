"""Award sources: manifest, announcement feeds and pages (heuristic and LLM), explicit ids, write-back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config.settings import CONFERENCES_DIR
from tasks.harvest.errors import HarvestError
from tasks.harvest.feeds import (
    FeedError,
    NoAwardsFound,
    award_posts,
    heuristic_awards,
)
from tasks.harvest.manifest import load_manifest
from tasks.harvest.sources import FeedSource, entry_from_id, harvest_awards, write_manifest
from tasks.models import AwardKind
from tests.harvest.replay import KnownPaper, Replay

# Written for the tests in the shape of the NeurIPS blog's announcement posts.
POST = """
<p>We are pleased to announce the award-winning papers.</p>
<h2>Best Paper Awards</h2>
<ul>
  <li><strong>Gated Attention for Large Language Models: Non-linearity, Sparsity,
      and Attention-Sink-Free</strong> by Zihan Qiu et al.</li>
  <li><strong>Superposition Yields Robust Neural Scaling</strong></li>
</ul>
<p>The committee also noted that <em>Superposition Yields Robust Neural Scaling</em> was unanimous.</p>
<h3>Runners-up</h3>
<p><b>Optimal Mistake Bounds for Transductive Online Learning</b> — Zachary Chase et al.</p>
"""
RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>NeurIPS Blog</title>
<item><title>Announcing the NeurIPS 2025 Best Paper Awards</title>
  <link>https://blog.neurips.cc/2025/11/26/best-papers/</link>
  <description><![CDATA[{POST}]]></description></item>
<item><title>Reflections on the review process</title><link>https://blog.neurips.cc/x/</link>
  <description>&lt;h2&gt;Best Paper&lt;/h2&gt;&lt;li&gt;&lt;b&gt;Not An Award Post At All&lt;/b&gt;&lt;/li&gt;
  </description></item>
</channel></rss>"""


def test_the_heuristic_reads_titles_under_award_headings() -> None:
    papers = heuristic_awards(POST).papers
    assert [(p.title, p.award) for p in papers] == [
        (
            "Gated Attention for Large Language Models: Non-linearity, Sparsity, and Attention-Sink-Free",
            "best paper",
        ),
        ("Superposition Yields Robust Neural Scaling", "best paper"),
        # the committee's sentence that mentions a title again is prose, not a second entry
        ("Optimal Mistake Bounds for Transductive Online Learning", "runner-up"),
    ]
    assert papers[0].source_text.endswith("by Zihan Qiu et al.")


def test_a_feed_gives_deduplicated_entries_with_their_text(replay: Replay, tmp_path: Path) -> None:
    replay.routes["/feeds/neurips.xml"] = [(200, {"Content-Type": "application/rss+xml"}, RSS.encode())]
    # The title-search services know one of the three papers (built here, not recorded).
    replay.known = [KnownPaper("Superposition Yields Robust Neural Scaling", ("Yizhou Liu",))]
    settings = replay.settings(tmp_path, feeds={"neurips-2025": [f"{replay.url}/feeds/neurips.xml"]})
    used, found, skipped = harvest_awards("neurips-2025", settings, tmp_path, papers=None)
    assert used == "feed" and "unknown conference" in skipped[0]  # no manifest in tmp_path
    assert len(found) == 3  # the non-award post is ignored
    assert all(f.source.endswith("/best-papers/") for f in found)
    assert found[2].entry.award == AwardKind.RUNNER_UP and "Zachary Chase" in found[2].source_text
    # Offline, structure alone decides: the record without an author line waits for review, and
    # says why; confirmed by title search, it is an entry. The two strong records stay entries
    # though no service knows them (papers not indexed yet).
    _, offline, _ = harvest_awards("neurips-2025", settings, tmp_path, confirm=False)
    assert [f.entry.needs_review for f in offline] == [False, True, False]
    assert "weak record" in (offline[1].entry.note or "")
    assert [f.entry.needs_review for f in found] == [False, False, False]


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (b'{"error": "rate limited"}', FeedError, "neither an RSS/Atom feed nor an HTML page"),
        (b"<feed><<<>", FeedError, "not a valid feed"),
        (b"<!doctype html><html><body><h1>Schedule</h1><p>Posters at 10am</p></body></html>", None, None),
    ],
)
def test_bad_feeds_and_pages_are_named_outcomes(body: bytes, error: Any, message: str | None) -> None:
    if error is None:
        assert heuristic_awards(award_posts(body.decode(), "u")[0][1]).papers == []
    else:
        with pytest.raises(error, match=message):
            award_posts(body.decode(), "https://example.org/feed")


def test_a_page_without_award_entries(replay: Replay, tmp_path: Path) -> None:
    replay.routes["/awards"] = [(200, {}, b"<html><body><h2>Venue</h2><p>Hall A.</p></body></html>")]
    settings = replay.settings(tmp_path, feeds={"neurips-2025": [f"{replay.url}/awards"]})
    with pytest.raises(NoAwardsFound, match="no award entries"):
        FeedSource(settings).harvest("neurips-2025")
    with pytest.raises(HarvestError, match="no award entries"):
        harvest_awards("neurips-2025", settings, tmp_path, source="feed")


def test_the_llm_path_fills_the_same_model(replay: Replay, tmp_path: Path) -> None:
    """The real OpenAI client, through the one structured-call path, against the replay server."""
    from tasks.llm import StructuredCaller
    from tests.summarize.openai_server import ReplayServer
    from tests.summarize.replay import settings_for

    answer = {
        "papers": [
            {"title": "Superposition Yields Robust Neural Scaling", "award": "best paper", "source_text": "s"}
        ]
    }
    llm = ReplayServer().start()
    try:
        llm.state.answers["AnnouncedAwards"] = lambda _text, _mode: answer
        model = StructuredCaller(settings_for(llm, tmp_path), "award announcement of neurips-2025")
        replay.routes["/feeds/neurips.xml"] = [(200, {}, RSS.encode())]
        settings = replay.settings(tmp_path, feeds={"neurips-2025": [f"{replay.url}/feeds/neurips.xml"]})
        found = FeedSource(settings, model=model).harvest("neurips-2025")
    finally:
        llm.stop()
    assert [f.entry.title for f in found] == ["Superposition Yields Robust Neural Scaling"]
    assert found[0].source_text == "s"
    assert [c.purpose for c in model.usage().calls] == ["award announcement"]


def test_the_manifest_comes_first_and_ids_are_validated(tmp_path: Path) -> None:
    from config.settings import HarvestSettings

    used, found, _ = harvest_awards("neurips-2025", HarvestSettings(), CONFERENCES_DIR)
    assert used == "manifest" and len(found) == 8 and found[0].source.startswith("manifest:")
    used, found, _ = harvest_awards(
        "nowhere-2025", HarvestSettings(), CONFERENCES_DIR, papers=["arxiv:2505.06708"]
    )
    assert used == "ids" and found[0].entry.ids.arxiv == "2505.06708"
    with pytest.raises(HarvestError, match="malformed arXiv id 'abc'"):
        entry_from_id("arxiv:abc")
    with pytest.raises(HarvestError, match="give ids as"):
        entry_from_id("pubmed:123")


def test_a_harvested_list_is_written_as_a_reviewable_manifest(tmp_path: Path) -> None:
    entries = [entry_from_id("openreview:EoebmBe9fG").model_copy(update={"title": "Optimal Mistake Bounds"})]
    path = write_manifest("neurips-2025", entries, tmp_path, sources=["ids"])
    assert path == tmp_path / "neurips-2025.yaml"
    conference = load_manifest(path)
    assert conference.entries[0].ids.openreview == "EoebmBe9fG"
    (tmp_path / "neurips-2025.yaml").write_text(path.read_text())
    again = write_manifest("neurips-2025", entries, tmp_path, sources=["ids"])
    assert again == tmp_path / "harvested" / "neurips-2025.yaml"  # the curated file is never overwritten
