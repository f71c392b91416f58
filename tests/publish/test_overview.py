"""The year in one page (themes, counts, cover), the thread and the Atom feed, on the fixture papers.

Themes are found from the four fixture papers' extractive summaries (verified claims quoted from the
real PDFs): by key phrases, and by the real OpenAI client against the local replay server.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import feedparser
import pytest
from PIL import Image

from config.settings import get_settings
from tasks.comic.page.cover import COVER_SIZE, CoverPanel, compose_cover, cut_panel, encode
from tasks.comic.page.layout import compose_page, panel_cells
from tasks.harvest.manifest import load_conference
from tasks.models import (
    AwardEntry,
    AwardKind,
    Claim,
    ComicMeta,
    ComicPanel,
    ComicScript,
    Conference,
    Digest,
    Evidence,
    PaperResult,
    PaperStatus,
    ParsedPaper,
    PublishManifest,
)
from tasks.overview import build_overview
from tasks.publish.feed import FEED_KEY, update_feed
from tasks.publish.share import POST_LIMIT, post_length, render_thread, thread_posts
from tasks.store import ArtifactStore
from tasks.summarize.extractive import summarize_extractive
from tests.fixture_conference import CONFERENCES, PDF_BY_TITLE_START, SLUG
from tests.summarize.openai_server import INVENTED_QUOTE, ReplayServer
from tests.summarize.replay import MODEL, parsed_fixture, serve, with_replay_llm

THEMED = ("SPECTER", "Construction of the Literature Graph", "PaperMage")


def _fixture_digest(fixtures_dir: Path) -> tuple[Digest, dict[str, ParsedPaper | None]]:
    """The fixture conference with each paper's extractive summary, as a publisher sees it: a copy
    of its own for each test."""
    digest, parsed = _summarized(fixtures_dir)
    return digest.model_copy(deep=True), dict(parsed)


@cache
def _summarized(fixtures_dir: Path) -> tuple[Digest, dict[str, ParsedPaper | None]]:
    conference = load_conference(SLUG, CONFERENCES)
    results, parsed = [], {}
    for entry in conference.entries:
        start = next(s for s in PDF_BY_TITLE_START if entry.title.startswith(s))
        paper = parsed_fixture(fixtures_dir / "pdfs" / PDF_BY_TITLE_START[start])
        parsed[entry.paper_id] = paper
        results.append(
            PaperResult(
                paper_id=entry.paper_id,
                entry=entry,
                status=PaperStatus.DONE,
                summary=summarize_extractive(paper),
            )
        )
    return Digest(conference=conference, results=results), parsed


def _ids(digest: Digest, starts: tuple[str, ...]) -> list[str]:
    return [r.paper_id for r in digest.results if r.entry.title.startswith(starts)]


def test_key_phrase_themes_of_the_fixture_papers(fixtures_dir: Path) -> None:
    digest, parsed = _fixture_digest(fixtures_dir)
    overview = build_overview(digest, parsed, None, None)

    assert overview.generator == "key-phrases-1" and not overview.fallback and overview.summarized == 4
    assert overview.by_award == {"Best paper": 1, "Runner-up": 1, "Honorable mention": 1, "Test of time": 1}
    (theme,) = overview.themes
    assert theme.label == "scientific documents"
    assert [p.paper_id for p in theme.papers] == _ids(digest, THEMED)
    assert overview.alone == [
        r.entry.title for r in digest.results if r.entry.title.startswith("An Improved")
    ]
    claims = {r.paper_id: [c.text for c in r.summary.verified_claims()] for r in digest.results if r.summary}
    for paper in theme.papers:  # never invented text: the paper's own verified claim, holding the label
        assert paper.quote in claims[paper.paper_id] and theme.label in paper.quote.lower()


def test_an_unchanged_input_reuses_the_themes_and_a_changed_one_does_not(fixtures_dir: Path) -> None:
    digest, parsed = _fixture_digest(fixtures_dir)
    first = build_overview(digest, parsed, None, None)
    marked = first.model_copy(update={"themes": [first.themes[0].model_copy(update={"label": "kept"})]})
    assert build_overview(digest, parsed, marked, None).themes[0].label == "kept"
    shorter = digest.model_copy(update={"results": digest.results[1:]})  # SPECTER left the list
    (theme,) = build_overview(shorter, parsed, marked, None).themes
    assert theme.label == "scientific documents" and len(theme.papers) == 2


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    yield from serve()


def test_llm_themes_from_verified_claims_only(
    fixtures_dir: Path, replay: ReplayServer, tmp_path: Path
) -> None:
    digest, parsed = _fixture_digest(fixtures_dir)
    # An unverified claim must never reach the model.
    futoma = digest.results[3]
    assert futoma.summary is not None
    hidden = Claim(text="This claim failed its check.", evidence=[Evidence(quote="x y z", verified=False)])
    futoma.summary.what_was_done.append(hidden)
    settings = with_replay_llm(get_settings(), replay, tmp_path)
    overview = build_overview(digest, parsed, None, settings)

    assert overview.generator == f"{MODEL}+themes.v1" and not overview.fallback
    (theme,) = overview.themes
    assert theme.label == "Scientific work"
    assert [p.paper_id for p in theme.papers] == _ids(digest, THEMED)
    assert overview.usage is not None and overview.usage.input_tokens > 0
    (request,) = replay.requests
    assert request.schema_name() == "ThemesDraft"
    sent = request.text()
    for result in digest.results:
        assert result.summary is not None
        assert all(c.text in sent for c in result.summary.verified_claims()[:6])
    assert hidden.text not in sent and "Representation learning is a critical ingredient" not in sent


def test_invented_llm_theme_papers_are_dropped_and_said(
    fixtures_dir: Path, replay: ReplayServer, tmp_path: Path
) -> None:
    digest, parsed = _fixture_digest(fixtures_dir)
    replay.state.default = "invent"
    overview = build_overview(digest, parsed, None, with_replay_llm(get_settings(), replay, tmp_path))
    (theme,) = overview.themes  # the invented theme (an unknown paper) is gone
    assert [p.paper_id for p in theme.papers] == _ids(digest, THEMED)
    assert INVENTED_QUOTE not in " ".join(p.quote for p in theme.papers)
    assert any("quote not in its claims" in n for n in overview.notices)
    assert any("'Invented theme' dropped" in n for n in overview.notices)


def test_themes_found_ahead_are_reused_for_the_same_papers_and_counted_when_not(
    fixtures_dir: Path, replay: ReplayServer, tmp_path: Path
) -> None:
    digest, parsed = _fixture_digest(fixtures_dir)
    settings = with_replay_llm(get_settings(), replay, tmp_path)
    ahead = build_overview(digest, parsed, None, settings)  # asked while the comics were drawn
    assert ahead.usage is not None and len(ahead.usage.calls) == len(replay.requests) == 1
    # The papers shown are those expected: no second call, the one call counted once.
    same = build_overview(digest, parsed, None, settings, ahead=ahead)
    assert len(replay.requests) == 1 and same.themes == ahead.themes and same.usage == ahead.usage
    # A comic failed: that paper is not shown, the themes are asked again, and both calls count.
    failed = digest.results[0].model_copy(update={"status": PaperStatus.FAILED})
    shown = digest.model_copy(update={"results": [failed, *digest.results[1:]]})
    again = build_overview(shown, parsed, None, settings, ahead=ahead)
    assert len(replay.requests) == 2 and again.input_sha256 != ahead.input_sha256
    assert again.usage is not None and len(again.usage.calls) == 2
    spent = sum(call.input_tokens for call in again.usage.calls)
    assert again.usage.input_tokens == spent > ahead.usage.input_tokens
    assert any("asked for ahead" in n for n in again.usage.notices)


def test_a_failing_model_falls_back_to_key_phrases_loudly(
    fixtures_dir: Path, replay: ReplayServer, tmp_path: Path
) -> None:
    digest, parsed = _fixture_digest(fixtures_dir)
    replay.state.default = "500"
    settings = with_replay_llm(get_settings(), replay, tmp_path).with_values(**{"llm.max_retries": 0})
    overview = build_overview(digest, parsed, None, settings)
    assert overview.fallback and overview.generator == "key-phrases-1"
    assert overview.themes[0].label == "scientific documents"
    assert any("could not name the themes" in n and "HTTP 500" in n for n in overview.notices)
    # The next release asks the model again: the reuse key is not the model's.
    replay.state.default = "ok"
    again = build_overview(digest, parsed, overview, settings.with_values(**{"llm.max_retries": 0}))
    assert not again.fallback and again.themes[0].label == "Scientific work"


# --------------------------------------------------------------------------- cover


def _comic(roles: list[str], colours: list[str], width: int = 768) -> tuple[bytes, ComicMeta]:
    panels = [ComicPanel(scene="s", caption=f"Caption {i}.", role=r) for i, r in enumerate(roles)]  # type: ignore[arg-type]
    script = ComicScript(title="A paper", panels=panels)
    page, _ = compose_page([Image.new("RGB", (64, 64), c) for c in colours], script, credit="c", width=width)
    png = io.BytesIO()
    page.save(png, format="PNG")
    meta = ComicMeta(script=script, renderer="sketch", seed=0, width=width, height=page.height)
    return png.getvalue(), meta


def test_the_cover_cuts_each_comics_idea_panel_into_a_grid() -> None:
    png, meta = _comic(["setup", "problem", "idea", "result"], ["#ff0000", "#00ff00", "#0000ff", "#ffff00"])
    panel = cut_panel(png, meta)
    x0, y0, x1, y1 = panel_cells(4, 768)[2]
    assert panel.size == (x1 - x0, y1 - y0)
    assert panel.getpixel((panel.width // 2, panel.height * 3 // 4)) == (0, 0, 255)  # the idea's art
    colours = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4"]
    panels = [CoverPanel(f"Paper {i}", Image.new("RGB", (300, 400), c)) for i, c in enumerate(colours)]
    cover = compose_cover("Fixture Papers 2020 — award papers", "5 award papers", panels)
    assert cover.size == COVER_SIZE
    seen = {cover.getpixel((x, y)) for x in range(0, 1200, 4) for y in range(130, 600, 4)}
    assert {Image.new("RGB", (1, 1), c).getpixel((0, 0)) for c in colours} <= seen
    assert encode(cover) == encode(
        compose_cover("Fixture Papers 2020 — award papers", "5 award papers", panels)
    )


# --------------------------------------------------------------------------- thread


def _entry(title: str, **fields: object) -> AwardEntry:
    return AwardEntry.model_validate({"title": title, "award": AwardKind.BEST_PAPER, **fields})


def test_every_post_fits_280_characters_with_its_link_whole(fixtures_dir: Path) -> None:
    digest, parsed = _fixture_digest(fixtures_dir)
    long_title = "Attention Is All You Need, " * 12 + "日本語のタイトル 🚀"
    claim = Claim(
        text="We " + "really " * 80 + "found it.", evidence=[Evidence(quote="q", verified=True)], quoted=True
    )
    summary = digest.results[0].summary
    assert summary is not None
    extra = PaperResult(
        paper_id="long",
        entry=_entry(long_title, ids={"arxiv": "1706.03762"}),
        status=PaperStatus.DONE,
        summary=summary.model_copy(update={"what_was_done": [claim], "tldr": claim.text}),
    )
    failed = PaperResult(
        paper_id="gone", entry=_entry("A paper we could not read"), status=PaperStatus.UNAVAILABLE
    )
    overview = build_overview(digest, parsed, None, None)
    digest = digest.model_copy(update={"results": [*digest.results, extra, failed], "overview": overview})

    thread = render_thread(digest)
    posts = thread_posts(thread)
    assert len(posts) == len(digest.results) + 1
    for post in posts:
        assert len(post) <= POST_LIMIT and post_length(post) <= POST_LIMIT, post
    assert "scientific documents (3 papers)" in posts[0]
    assert posts[1].endswith("https://doi.org/10.18653/v1/2020.acl-main.207")
    assert posts[-2].endswith("https://arxiv.org/abs/1706.03762") and "…”" in posts[-2]
    assert "Not reviewed" in posts[-1]
    assert thread.count("No image.") == len(posts)  # no cover and no comic drawn here: said so


# --------------------------------------------------------------------------- feed


def _release(slug: str, n: int) -> tuple[Digest, PublishManifest]:
    year = int(slug.rsplit("-", 1)[1])
    conference = Conference(slug=slug, name=f"Conf {slug}", year=year, entries=[])
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    digest = Digest(conference=conference, results=[], generated_at=when)
    manifest = PublishManifest(conference=slug, generated_at=when, objects={}, papers={}, release=f"r{n:03d}")
    return digest, manifest


def test_the_feed_keeps_every_conference_under_concurrent_releases(store: ArtifactStore) -> None:
    slugs = ["alpha-2024", "beta-2024", "gamma-2025"]
    errors: list[BaseException] = []

    def publish_all(index: int, slug: str) -> None:
        try:
            for n in range(4):
                update_feed(store, *_release(slug, 10 * n + index))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=publish_all, args=(i, s)) for i, s in enumerate(slugs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    parsed = feedparser.parse(store.get(FEED_KEY))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    links = {e.id: e.link for e in parsed.entries}
    assert links == {
        f"urn:paperpanels:digest:{slug}": f"{slug}/releases/r{30 + i:03d}/digest.html"
        for i, slug in enumerate(slugs)
    }
    before = store.sha256(FEED_KEY)
    assert update_feed(store, *_release("beta-2024", 31)) is False  # unchanged: nothing written
    assert store.sha256(FEED_KEY) == before
