"""The site as readers get it: a backfill of three catalogue conferences, served as a static host would.

One store is built once for the module by the real backfill flow (three catalogue award lists cut to
one or two papers, fixture PDFs standing in for theirs, sketch comics, extractive summaries) and
served over http.server on 127.0.0.1. Chromium opens index.html, searches each conference's papers
by an author and by a title and lands on the right review, every link of the site is followed (no
dead link), the site pages are checked at 1280 and 390 px, and the same folder opened from file://
reads correctly (search aside). Screenshots go to `<basetemp>/screenshots/site-*.png`.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml

from config.settings import CONFERENCES_DIR
from tasks.harvest.manifest import load_conference
from tasks.models import Digest, PaperStatus
from tasks.publish.site import INDEX, Listing, listings
from tasks.store.local import LocalStore
from tests.browser.chrome import open_at, save_full_page, set_width

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

# Three catalogue conferences of different venues and years, cut to what four fixture PDFs cover.
BACKFILL = {"icml-2024": 1, "neurips-2025": 1, "cvpr-2025": 1}
WIDTHS = (1280, 390)
WAIT_S = 10.0


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site_store(prefect_harness: None, fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of a real backfill of the three conferences (the site published by each release)."""
    from config.settings import get_settings
    from flows.backfill import backfill

    work = tmp_path_factory.mktemp("site")
    conferences, papers = work / "conferences", work / "papers"
    conferences.mkdir()
    papers.mkdir()
    pdfs = iter(sorted((fixtures_dir / "pdfs").glob("*.pdf")))
    for slug, count in BACKFILL.items():
        data = yaml.safe_load((CONFERENCES_DIR / f"{slug}.yaml").read_text(encoding="utf-8"))
        data["entries"] = data["entries"][:count]
        (conferences / f"{slug}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for slug in BACKFILL:
        for entry in load_conference(slug, conferences).entries:
            shutil.copyfile(next(pdfs), papers / f"{entry.paper_id}.pdf")
    store = work / "store"
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith("PAPERPANELS_")]:
            env.delenv(name)
        get_settings.cache_clear()
        settings = get_settings().with_values(
            **{
                "store.uri": str(store),
                "conferences_dir": conferences,
                "papers_dir": papers,
                "harvest.download": False,
                "comic.renderer": "sketch",
                "comic.width": 768,
            }
        )
        get_settings.cache_clear()
        report = backfill(conferences=list(BACKFILL), settings=settings)
    assert [o.outcome for o in report.outcomes] == ["published"] * len(BACKFILL), report
    return store


@pytest.fixture(scope="module")
def served(site_store: Path) -> Iterator[str]:
    """The store served as a static host would, on 127.0.0.1 (a free port), for the module."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site_store)))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _found(store: Path) -> list[Listing]:
    return listings(LocalStore(store))


def _done(digest: Digest) -> list[Any]:
    return [r for r in digest.results if r.status is PaperStatus.DONE and "review.html" in r.artifacts]


def _search(browser: Any, query: str) -> list[dict[str, str]]:
    """Type the query into the search box; the hits (title, link) once the status says how many."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys(query)
    WebDriverWait(browser, WAIT_S).until(
        lambda d: (
            "found" in d.find_element(By.ID, "search-status").text
            or "HTTP" in d.find_element(By.ID, "search-status").text
        )
    )
    hits: list[dict[str, str]] = browser.execute_script(
        "return Array.from(document.querySelectorAll('#hits a'))"
        ".map(a => ({title: a.textContent, href: a.href}));"
    )
    return hits


def test_search_finds_a_paper_of_each_conference_by_author_and_by_title(
    browser: Any, site_store: Path, served: str, shots: Path
) -> None:
    from selenium.webdriver.common.by import By

    found = _found(site_store)
    assert sorted(item.digest.conference.slug for item in found) == sorted(BACKFILL)
    open_at(browser, served + INDEX, 1280)
    cards = browser.find_elements(By.CSS_SELECTOR, "article.site-card h2 a")
    assert [c.text for c in cards] == [item.digest.conference.name for item in found]  # newest year first
    for item in found:
        paper = _done(item.digest)[0]
        review = f"{served}{item.prefix}/{paper.artifacts['review.html']}"
        author = paper.entry.authors[-1]
        title_words = " ".join(paper.entry.title.split()[:4])
        for query in (author, title_words):
            hits = _search(browser, query)
            assert review in [h["href"] for h in hits], (query, hits)
        if item is found[0]:
            save_full_page(browser, shots / "site-search-1280.png")
        # The reader follows the hit and lands on that paper's review.
        hit = next(
            a for a in browser.find_elements(By.CSS_SELECTOR, "#hits a") if a.get_property("href") == review
        )
        hit.click()
        assert browser.current_url == review
        assert " ".join(paper.entry.title.split()) in browser.find_element(By.TAG_NAME, "h1").text
        browser.back()
    assert _search(browser, "zzqx-no-such-paper") == []


PAGE_LINKS = """
const vw = window.innerWidth;
return {
  scrollWidth: document.documentElement.scrollWidth, innerWidth: vw,
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  images: Array.from(document.images).map(i => i.complete && i.naturalWidth > 0),
  cards: document.querySelectorAll('article.site-card').length,
};
"""


def _links_of(body: str, base: str) -> list[str]:
    return [urljoin(base, html.unescape(m)) for m in re.findall(r'(?:href|src)="([^"]+)"', body)]


def test_every_link_of_the_site_leads_somewhere_at_1280_and_390(
    browser: Any, site_store: Path, served: str, shots: Path
) -> None:
    # 1. Every page reachable from index.html on the site, fetched; every link of each, followed.
    seen: dict[str, int] = {}
    queue, dead = [served + INDEX], []
    while queue:
        url = urldefrag(queue.pop())[0]
        if url in seen:
            continue
        try:
            with urllib.request.urlopen(url, timeout=WAIT_S) as reply:
                seen[url], body = reply.status, reply.read()
        except HTTPError as exc:
            seen[url] = exc.code
            dead.append(url)
            continue
        if url.endswith(".html"):
            queue += [u for u in _links_of(body.decode(), url) if u.startswith(served) and u not in seen]
    assert not dead, dead
    pages = sorted(u for u in seen if u.endswith(".html"))
    site_pages = [u for u in pages if "/releases/" not in u]
    assert len(site_pages) == 1 + len({s.split("-")[0] for s in BACKFILL}) + len({s[-4:] for s in BACKFILL})
    assert sum(u.endswith("/digest.html") for u in pages) == len(BACKFILL)
    # 2. The site's own pages in the browser, at both widths: nothing wider than the screen, every
    # image shown, every link one of those that answered.
    problems = {}
    for width in WIDTHS:
        for url in site_pages:
            open_at(browser, url, width)
            facts = browser.execute_script(PAGE_LINKS)
            wrong = [link for link in facts["links"] if urldefrag(link)[0] not in seen]
            if facts["scrollWidth"] > facts["innerWidth"] or not all(facts["images"]) or wrong:
                problems[f"{urlsplit(url).path} at {width}"] = facts | {"not followed": wrong}
            if url.endswith(INDEX) or "/venues/" in url:
                save_full_page(
                    browser, shots / f"site-{urlsplit(url).path.strip('/').replace('/', '-')}-{width}.png"
                )
    assert not problems, problems


def test_the_site_opened_from_its_folder_reads_correctly_search_aside(
    browser: Any, site_store: Path, shots: Path
) -> None:
    from selenium.webdriver.common.by import By

    found = _found(site_store)
    set_width(browser, 390)
    open_at(browser, (site_store / INDEX).as_uri(), 390)
    facts = browser.execute_script(PAGE_LINKS)
    assert facts["cards"] == len(found) and all(facts["images"]) and len(facts["images"]) == len(found)
    assert facts["scrollWidth"] <= facts["innerWidth"]
    local = [u for u in facts["links"] if u.startswith("file:")]
    missing = [u for u in local if not Path(urlsplit(u).path).is_file()]
    assert local and not missing, missing
    # Search cannot fetch its index from a file: it says so, and the rest reads as usual.
    _search(browser, found[0].digest.results[0].entry.authors[0])
    assert "served over HTTP" in browser.find_element(By.ID, "search-status").text
    save_full_page(browser, shots / "site-file-index-390.png")
    browser.find_element(By.CSS_SELECTOR, "article.site-card h2 a").click()
    assert browser.current_url.endswith(f"{found[0].prefix}/digest.html")
    assert found[0].digest.conference.name in browser.find_element(By.TAG_NAME, "h1").text


def test_site_pages_have_no_serious_accessibility_violations(
    browser: Any, served: str, axe_source: str
) -> None:
    from tests.browser.test_pages import AXE_RUN

    browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})  # axe is injected past the policy
    browser.set_script_timeout(60)
    found = {}
    try:
        for width in WIDTHS:
            for page in (INDEX, "venues/icml.html"):
                set_width(browser, width)
                browser.get(served + page)
                browser.execute_script(axe_source)
                serious = [
                    v for v in browser.execute_async_script(AXE_RUN) if v["impact"] in ("serious", "critical")
                ]
                if serious:
                    found[f"{page} at {width}"] = serious
    finally:
        browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": False})
    assert not found, found
