"""The site at the store root (index, venue and year pages, search.json, sitemap.xml) and absolute links.

Releases are published by the real publisher (tasks/publish/publisher.py) from catalogue award lists
cut to two papers each; papers without PDFs publish as unavailable, one is given a summary so that
search has verified claims to index. Local store and S3 (moto) alike.
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import CONFERENCES_DIR, Settings
from tasks.harvest.manifest import load_conference
from tasks.models import (
    Claim,
    Conference,
    Evidence,
    PaperResult,
    PaperStatus,
    PaperSummary,
    ParsedPaper,
    StageName,
    StageState,
    StageStatus,
)
from tasks.publish.publisher import publish
from tasks.publish.search import SEARCH_JS, script_csp
from tasks.publish.site import INDEX, export_site, listings, publish_site
from tasks.store import ArtifactStore, paper_key
from tasks.store.local import LocalStore

CLAIM = "We introduce a flux capacitor benchmark of 1.21 gigawatts"
BASE = "https://example.org/awards"


def _conference(slug: str, papers: int = 2) -> Conference:
    conf = load_conference(slug, CONFERENCES_DIR)
    return conf.model_copy(update={"entries": conf.entries[:papers]})


def _summarized(store: ArtifactStore, conf: Conference, result: PaperResult) -> PaperResult:
    """The paper done, with a stored summary of one verified claim and its parsed text: a review page."""
    claim = Claim(text=CLAIM, evidence=[Evidence(quote=CLAIM, location="Abstract", verified=True)])
    summary = PaperSummary(what_was_done=[claim], why_it_matters=[claim], tldr=CLAIM, generator="test")
    parsed = ParsedPaper(title=result.entry.title, abstract=CLAIM, parser="test", parser_version="1")
    stored = {
        "summary.json": store.put(
            paper_key(conf.slug, result.paper_id, "summary.json"), summary.model_dump_json().encode()
        ),
        "parsed.json": store.put(
            paper_key(conf.slug, result.paper_id, "parsed.json"), parsed.model_dump_json().encode()
        ),
    }
    return result.model_copy(
        update={
            "status": PaperStatus.DONE,
            "stages": {},
            "artifacts": {name: obj.key for name, obj in stored.items()},
            "checksums": {name: obj.sha256 for name, obj in stored.items()},
        }
    )


def _results(store: ArtifactStore, conf: Conference, *, summarized: bool = False) -> list[PaperResult]:
    out = []
    for i, entry in enumerate(conf.entries):
        missing = StageStatus(state=StageState.UNAVAILABLE, error="no PDF in this test")
        result = PaperResult(
            paper_id=entry.paper_id,
            entry=entry,
            status=PaperStatus.UNAVAILABLE,
            stages={StageName.ACQUIRE: missing},
        )
        out.append(_summarized(store, conf, result) if summarized and i == 0 else result)
    return out


def _publish(store: ArtifactStore, slug: str, when: datetime, base_url: str | None = None) -> Conference:
    conf = _conference(slug)
    publish(conf, _results(store, conf, summarized=True), store, now=when, base_url=base_url)
    return conf


def _links(page: bytes) -> list[str]:
    return re.findall(r'href="([^"]+)"', page.decode())


def test_index_lists_every_conference_newest_year_first_with_counts_and_pages(store: ArtifactStore) -> None:
    for slug, day in (("icml-2024", 1), ("neurips-2025", 2), ("iclr-2025", 3)):
        _publish(store, slug, datetime(2025, 12, day, tzinfo=UTC))
    index = store.get(INDEX).decode()
    found = listings(store)
    assert [item.digest.conference.slug for item in found] == ["iclr-2025", "neurips-2025", "icml-2024"]
    # Each conference links its current digest, in that order, with its counts by award kind.
    current = [item.published.prefix + "/digest.html" for item in found]
    assert [link for link in _links(index.encode()) if link.endswith("/digest.html")] == current
    icml = next(item for item in found if item.digest.conference.slug == "icml-2024")
    assert "2 award papers: Best paper 2" in index and "ICML" in index
    assert store.get("venues/icml.html").count(b"/digest.html") == 1
    assert icml.published.prefix in store.get("years/2024.html").decode()
    assert "neurips-2025" not in store.get("years/2024.html").decode()
    # Every link of every page names a page of the site or a release's digest that exists.
    for page in (INDEX, "venues/icml.html", "venues/neurips.html", "years/2025.html", "years/2024.html"):
        up = "../" * page.count("/")
        for link in _links(store.get(page)):
            key = link.removeprefix(up).split("#")[0]
            assert store.exists(key), f"{page}: dead link {link}"


def test_two_conferences_published_at_once_both_appear(store: ArtifactStore) -> None:
    """Two publishers on threads, each its own conference: the index, feed and sitemap list both."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(slug: str) -> None:
        try:
            start.wait()
            _publish(store, slug, datetime(2025, 12, 1, tzinfo=UTC))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in ("icml-2025", "cvpr-2025")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    index = store.get(INDEX).decode()
    for item in listings(store):
        assert f'href="{item.published.prefix}/digest.html"' in index
    assert len(listings(store)) == 2
    assert store.get("sitemap.xml").count(b"/digest.html</loc>") == 2


def test_a_lost_site_heals_from_the_releases(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    _publish(store, "icml-2025", datetime(2025, 12, 1, tzinfo=UTC))
    store.put(INDEX, b"<p>damaged</p>")
    store.delete("years/2025.html")
    assert publish_site(store) is True
    assert b"ICML 2025" in store.get(INDEX) and store.exists("years/2025.html")
    assert publish_site(store) is False  # unchanged: nothing switched


def test_search_index_holds_titles_authors_awards_and_verified_claims_only(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    conf = _publish(store, "neurips-2024", datetime(2025, 12, 1, tzinfo=UTC))
    papers = json.loads(store.get("search.json"))["papers"]
    assert [p["t"] for p in papers] == [e.title for e in conf.entries]
    first, second = papers
    assert first["a"] == conf.entries[0].authors and first["c"] == "NeurIPS 2024"
    assert first["v"] == f"{CLAIM} {CLAIM}" and second["v"] == ""  # an unavailable paper has none
    assert first["u"].endswith(f"/papers/{conf.entries[0].paper_id}/review.html")
    assert store.exists(first["u"])
    assert second["u"].endswith(f"/digest.html#{conf.entries[1].paper_id}")
    # The index page allows exactly its search script (by hash) and fetches of its own origin.
    index = store.get(INDEX).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', index)
    assert csp is not None
    assert csp.group(1) == "default-src 'none'; img-src data:; style-src 'unsafe-inline'" + script_csp()
    assert index.count("<script>") == 1 and f"<script>{SEARCH_JS}</script>" in index
    assert "<script" not in store.get("venues/neurips.html").decode()


def test_without_base_url_links_stay_relative_and_the_digest_says_so(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    conf = _publish(store, "icml-2025", datetime(2025, 12, 1, tzinfo=UTC))
    (item,) = listings(store)
    digest = store.get(item.published.key("digest.html")).decode()
    assert digest.count("publish.base_url is not set") == 1
    assert 'rel="canonical"' not in digest and "og:url" not in digest
    feed = ET.fromstring(store.get("feed.xml"))
    hrefs = [link.get("href") or "" for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert hrefs and not any("://" in h for h in hrefs)
    locs = [loc.text or "" for loc in ET.fromstring(store.get("sitemap.xml")).iter()]
    assert f"{item.published.prefix}/papers/{conf.entries[0].paper_id}/review.html" in locs
    assert not any("://" in loc for loc in locs)


def test_with_base_url_previews_feed_thread_and_sitemap_are_absolute(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    conf = _publish(store, "icml-2025", datetime(2025, 12, 1, tzinfo=UTC), base_url=BASE)
    (item,) = listings(store)
    release = f"{BASE}/{item.published.prefix}"
    digest = store.get(item.published.key("digest.html")).decode()
    assert f'<link rel="canonical" href="{release}/digest.html">' in digest
    assert "publish.base_url is not set" not in digest and "@@" not in digest
    review_key = f"papers/{conf.entries[0].paper_id}/review.html"
    review = store.get(item.published.key(review_key)).decode()
    assert f'<meta property="og:url" content="{release}/{review_key}">' in review
    thread = store.get(item.published.key("thread.md")).decode()
    assert f"The digest: {release}/digest.html" in thread
    feed = ET.fromstring(store.get("feed.xml"))
    hrefs = [link.get("href") or "" for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert f"{release}/digest.html" in hrefs and f"{BASE}/feed.xml" in hrefs
    assert all(h.startswith(BASE + "/") for h in hrefs)
    locs = [
        loc.text or "" for loc in ET.fromstring(store.get("sitemap.xml")).iter() if loc.tag.endswith("loc")
    ]
    assert f"{BASE}/index.html" in locs and f"{release}/{review_key}" in locs
    assert all(loc.startswith(BASE + "/") for loc in locs)
    # The release's pages name the release they are in: its manifest's checksums are of those bytes.
    assert item.published.manifest.objects[item.published.key("digest.html")].size == len(digest.encode())


@pytest.mark.parametrize(
    "bad", ["ftp://example.org", "example.org/awards", "https://example.org/a?b=1", "https:///x"]
)
def test_a_bad_base_url_is_refused_naming_the_setting(bad: str) -> None:
    with pytest.raises(ValueError, match=r"publish\.base_url.*http\(s\) URL"):
        Settings().with_values(**{"publish.base_url": bad})


def test_site_cli_writes_the_site_into_a_folder_and_refuses_a_bad_base_url(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    store = LocalStore(tmp_path / "store")
    for slug in ("icml-2025", "cvpr-2024"):
        _publish(store, slug, datetime(2025, 12, 1, tzinfo=UTC))
    out = tmp_path / "site"
    runner = CliRunner()
    done = runner.invoke(app, ["site", "--store", str(store.root), "--out", str(out), "--base-url", BASE])
    assert done.exit_code == 0, done.output
    assert "2 conferences" in done.output
    assert (out / "index.html").is_file() and (out / "venues" / "cvpr.html").is_file()
    assert (out / "feed.xml").is_file() and (out / "search.json").is_file()
    # Everything the pages link is in the folder: it can be served as it is.
    for page in out.rglob("*.html"):
        folder = page.parent
        for link in _links(page.read_bytes()):
            if "://" not in link:
                assert (folder / link.split("#")[0]).resolve().is_file(), f"{page}: dead link {link}"
    assert f"{BASE}/index.html" in (out / "sitemap.xml").read_text()
    assert export_site(store, tmp_path / "again")[0] == 2
    bad = runner.invoke(app, ["site", "--store", str(store.root), "--base-url", "example.org"])
    assert bad.exit_code == 2 and "publish.base_url" in bad.output
    empty = runner.invoke(app, ["site", "--store", str(tmp_path / "empty")])
    assert empty.exit_code == 2 and "nothing is published" in empty.output


class _Interleaved(LocalStore):
    """A local store on which a second publisher switches its conference's release (and the site)
    between the first publisher's reading of the index and its swap of it."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.second: str | None = "cvpr-2025"

    def swap(self, key: str, data: bytes, expected_sha256: str | None) -> bool:
        if key == INDEX and self.second is not None:
            slug, self.second = self.second, None
            _publish(self, slug, datetime(2025, 12, 2, tzinfo=UTC))
        return super().swap(key, data, expected_sha256)


def test_a_publisher_losing_the_index_swap_reads_the_releases_again(tmp_path: Path) -> None:
    store = _Interleaved(tmp_path / "store")
    _publish(store, "icml-2025", datetime(2025, 12, 1, tzinfo=UTC))
    index = store.get(INDEX).decode()
    assert store.second is None  # the second publisher did get in between
    assert [i.digest.conference.slug for i in listings(store)] == ["cvpr-2025", "icml-2025"]
    for item in listings(store):
        assert f'href="{item.published.prefix}/digest.html"' in index


def test_a_base_url_set_later_makes_every_feed_entry_absolute(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    _publish(store, "icml-2025", datetime(2025, 12, 1, tzinfo=UTC))
    _publish(store, "cvpr-2025", datetime(2025, 12, 2, tzinfo=UTC), base_url=BASE)
    feed = ET.fromstring(store.get("feed.xml"))
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    hrefs = [link.get("href") or "" for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert len(entries) == 2 and all(h.startswith(BASE + "/") for h in hrefs), hrefs


def test_the_site_exports_from_either_store_into_a_folder(store: ArtifactStore, tmp_path: Path) -> None:
    _publish(store, "iclr-2024", datetime(2025, 12, 1, tzinfo=UTC))
    (item,) = listings(store)
    out = tmp_path / "out"
    # The release's objects and manifest, feed.xml, and index, venue, year, search.json, sitemap.xml.
    assert export_site(store, out) == (1, len(item.published.manifest.objects) + 1 + 1 + 5)
    assert (out / INDEX).read_bytes() == store.get(INDEX)  # the same site as the store's own
    assert (out / item.published.prefix / "digest.html").read_bytes() == store.get(
        item.published.key("digest.html")
    )
