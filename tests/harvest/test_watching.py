"""Watching the sources: conditional polls, the edition's post, the reading, one harvest per content.

The site is a real HTTP server on 127.0.0.1 serving the real announcements of the fixtures; the
LLM is the real OpenAI client against the replay server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from config.settings import HarvestSettings
from tasks.harvest.calendar import CalendarError, Edition, Source, load_calendar
from tasks.harvest.feeds import FeedError
from tasks.harvest.http import ServiceClient
from tasks.harvest.resolve import normalise_title
from tasks.harvest.watching import (
    announcement_hash,
    change_of,
    entries_of,
    extract,
    find_announcement,
    poll,
    save_poll,
)
from tasks.models import AwardKind, Conference
from tasks.store import open_store
from tests.harvest.announcement_pages import INVENTED_TITLE, llm_reader, page_html, truth
from tests.harvest.announcement_site import Site
from tests.summarize.openai_server import ReplayServer
from tests.summarize.replay import settings_for

NOW = datetime(2023, 12, 8, 10, 0, tzinfo=UTC)
EMNLP = "emnlp-2023-best-papers.md"


def edition(year: int = 2023, url: str = "") -> Edition:
    return Edition(venue="emnlp", name="EMNLP", year=year, sources=[Source(kind="feed", url=url or "x")])


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as s:
        yield s


@pytest.fixture
def client() -> Iterator[ServiceClient]:
    with ServiceClient("announcements", HarvestSettings(timeout_s=5.0), retries=0) as c:
        yield c


def test_a_poll_is_a_conditional_get_and_polite(
    site: Site, client: ServiceClient, tmp_path: Path, fixtures_dir: Path
) -> None:
    store = open_store(str(tmp_path / "store"))
    site.add_other_post("Registration is open", "Early registration closes on 1 November.")
    feed = f"{site.url}/feed.xml"
    first = poll(client, store, feed, now=NOW, min_interval_s=600)
    assert first.changed and "Registration is open" in first.text
    save_poll(store, first)  # read
    # Too soon: no request at all.
    soon = poll(client, store, feed, now=NOW + timedelta(seconds=60), min_interval_s=600)
    assert not soon.changed and "polled 60 s ago" in str(soon.problem) and site.hits["/feed.xml"] == 1
    # Later, unchanged: the server answers 304 to the validators it gave.
    later = poll(client, store, feed, now=NOW + timedelta(hours=1), min_interval_s=600)
    assert not later.changed and site.not_modified["/feed.xml"] == 1
    # A post appears: the body changed.
    site.add_announcement(fixtures_dir, EMNLP, "Best Paper Awards", "b")
    new = poll(client, store, feed, now=NOW + timedelta(hours=2), min_interval_s=600)
    assert new.changed and "Best Paper Awards" in new.text
    # A run that stops before it has read the post: the next poll gets the post again, not a 304.
    again = poll(client, store, feed, now=NOW + timedelta(hours=3), min_interval_s=600)
    assert again.changed and again.text == new.text and site.not_modified["/feed.xml"] == 1
    save_poll(store, again)  # read: from now on it is the known body
    assert not poll(client, store, feed, now=NOW + timedelta(hours=4), min_interval_s=600).changed
    assert site.not_modified["/feed.xml"] == 2


def test_a_source_down_or_garbage_is_a_problem_not_a_crash(
    site: Site, client: ServiceClient, tmp_path: Path
) -> None:
    store = open_store(str(tmp_path / "store"))
    feed = f"{site.url}/feed.xml"
    site.mode = "down"
    down = poll(client, store, feed, now=NOW, min_interval_s=0)
    assert not down.changed and "502" in str(down.problem)
    site.mode = "garbage"
    garbage = poll(client, store, feed, now=NOW, min_interval_s=0)
    assert garbage.changed
    with pytest.raises(FeedError, match="neither an RSS/Atom feed nor an HTML page"):
        find_announcement(garbage.text, feed, edition(url=feed), "feed")
    refused = poll(client, store, "http://127.0.0.1:9/feed.xml", now=NOW, min_interval_s=0)
    assert not refused.changed and "ConnectError" in str(refused.problem)


def test_the_edition_post_is_found_and_other_years_and_posts_are_skipped(fixtures_dir: Path) -> None:
    site = Site(url="https://blog.example.org")
    site.add_other_post("Call for Papers", "Submissions are due on 23 June.")
    site.add_announcement(fixtures_dir, "acl-2023-best-papers.md", "ACL 2022 Best Paper Awards", "acl")
    site.add_announcement(fixtures_dir, EMNLP, "EMNLP 2023 Best Paper Awards", "emnlp")
    posts, skipped = find_announcement(site.feed(), "https://blog.example.org/feed", edition(), "feed")
    assert [link for link, _ in posts] == ["https://blog.example.org/posts/emnlp.html"]
    assert any("about 2022, not 2023" in s for s in skipped)
    # Next year's watch finds no post of its edition in the same feed, and says so.
    none, why = find_announcement(site.feed(), "https://blog.example.org/feed", edition(2024), "feed")
    assert none == [] and any("no award post for EMNLP 2024" in s for s in why)
    # An awards page counts when it names the year; a page that is not an award post gives no papers.
    page = page_html(fixtures_dir, EMNLP)
    assert find_announcement(page, "https://2023.emnlp.org/awards", edition(), "page")[0]
    assert find_announcement(page, "https://x.org/awards", edition(2031), "page")[0] == []
    program = "<!DOCTYPE html><html><body><h1>EMNLP 2023 Program</h1><p>Keynotes.</p></body></html>"
    ((_, html),) = find_announcement(program, "https://2023.emnlp.org/program", edition(), "page")[0]
    assert extract(html, None).papers == []


@pytest.fixture(scope="module")
def llm() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize("name", ["emnlp-2023-best-papers.md", "naacl-2021-best-paper-awards.md"])
def test_the_llm_reading_keeps_source_sentences_and_drops_invented_titles(
    fixtures_dir: Path, llm: ReplayServer, tmp_path: Path, name: str
) -> None:
    from tasks.llm import StructuredCaller

    llm.state.answers["AnnouncedAwards"] = llm_reader(fixtures_dir)
    llm.state.script = ["invent"]
    model = StructuredCaller(settings_for(llm, tmp_path), "award announcement")
    read = extract(page_html(fixtures_dir, name), model)
    assert read.reader == "llm"
    assert read.dropped == [INVENTED_TITLE]
    want = {normalise_title(a.get("title_clean") or a["title"]) for a in truth(fixtures_dir)[name]["awards"]}
    assert {normalise_title(p.title) for p in read.papers} == want
    assert all(normalise_title(p.title) in normalise_title(p.source_text) for p in read.papers)
    assert llm.requests[-1].body["response_format"]["json_schema"]["name"] == "AnnouncedAwards"


def test_an_llm_that_fails_falls_back_to_the_heuristic_and_says_so(
    fixtures_dir: Path, llm: ReplayServer, tmp_path: Path
) -> None:
    from tasks.llm import StructuredCaller

    llm.state.script = ["malformed"] * 3
    model = StructuredCaller(settings_for(llm, tmp_path, max_retries=0), "award announcement")
    read = extract(page_html(fixtures_dir, "naacl-2021-best-paper-awards.md"), model)
    assert read.reader.startswith("heuristic (LLM failed:")
    assert len(read.papers) == 6


def test_one_harvest_per_content_and_an_update_says_what_changed(fixtures_dir: Path) -> None:
    page = page_html(fixtures_dir, EMNLP)
    papers = extract(page, None).papers
    # The same list on a restyled page is the same harvest.
    restyled = page.replace("<body>", "<body><nav>Home | Program | Awards</nav>")
    assert announcement_hash(extract(restyled, None).papers) == announcement_hash(papers)
    first = entries_of(papers[:-1], "https://2023.emnlp.org/awards", None)
    conference = Conference(slug="emnlp-2023", name="EMNLP 2023", year=2023, entries=first)
    second = entries_of(papers, "https://2023.emnlp.org/awards", conference)
    change = change_of(conference, second, announcement_hash(papers), NOW)
    assert change.added == [papers[-1].title] and change.removed == []
    assert announcement_hash(papers[:-1]) != announcement_hash(papers)
    # Ids are pinned: an entry keeps its id across updates (its artifacts do not move).
    assert {e.title: e.id for e in first}.items() <= {e.title: e.id for e in second}.items()
    assert all(e.sources == ["https://2023.emnlp.org/awards"] and e.track for e in second)


def test_a_paper_with_several_awards_is_one_entry_with_its_best_award(fixtures_dir: Path) -> None:
    papers = extract(page_html(fixtures_dir, "acl-2023-best-papers.md"), None).papers
    entries = entries_of(papers, "https://2023.aclweb.org/program/best_papers/", None)
    titles = [normalise_title(e.title) for e in entries]
    assert len(titles) == len(set(titles))
    assert len(entries) <= len(papers)
    kinds = {e.award for e in entries}
    assert AwardKind.BEST_PAPER in kinds and AwardKind.OUTSTANDING_PAPER in kinds


def test_the_calendar_says_which_editions_are_due(tmp_path: Path) -> None:
    cal = load_calendar(None)
    assert {"neurips", "icml", "iclr", "cvpr", "iccv", "eccv", "acl", "emnlp", "naacl"} <= set(cal.venues)
    due = {e.slug for e in cal.editions_due(date(2026, 12, 1))}
    assert "neurips-2026" in due and "icml-2026" not in due
    assert "iccv-2025" in {e.slug for e in cal.editions_due(date(2025, 10, 15))}
    assert "iccv-2026" not in {e.slug for e in cal.editions_due(date(2026, 10, 15))}  # odd years only
    (neurips,) = [e for e in cal.editions_due(date(2026, 12, 1)) if e.venue == "neurips"]
    assert all("{year}" not in s.url for s in neurips.sources)
    assert any("2026" in s.url for s in neurips.sources)
    bad = tmp_path / "calendar.yaml"
    bad.write_text("venues:\n  neurips:\n    name: NeurIPS\n    window: ['13-01', '12-20']\n    sources: []")
    with pytest.raises(CalendarError, match=r"calendar.yaml.*neurips"):
        load_calendar(bad)
    with pytest.raises(CalendarError, match="missing.yaml"):
        load_calendar(tmp_path / "missing.yaml")
