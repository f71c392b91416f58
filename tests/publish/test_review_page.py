"""review.html and link previews, on the plain functions (the browser checks are in tests/browser).

Each published paper with a review gets review.html: the same review as review.md, as a page in the
digest's template, its data escaped, linked from the digest; digest.html and review.html carry
OpenGraph / Twitter card tags naming the comic.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from tasks.models import (
    AwardEntry,
    AwardKind,
    Claim,
    Conference,
    Evidence,
    PaperSummary,
    StageName,
    StageOutcome,
    StageState,
    StageStatus,
    StoredObject,
)
from tasks.publish.publisher import paper_result, publish
from tasks.publish.review_page import render_review_html
from tasks.publish.social import SocialCard, shorten
from tasks.repro.card import paper_card
from tasks.store.local import LocalStore
from tests.summarize.conftest import make_paper

SLUG = "acl-2025"
HOSTILE = 'Attention <img src=x onerror=alert(1)> & "Friends"'
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


class _Meta(HTMLParser):
    """The page's <meta> tags (property or name -> content) and every element's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "meta" and (key := values.get("property") or values.get("name")):
            self.meta[key] = values.get("content", "")


def _parsed(page: str) -> _Meta:
    parser = _Meta()
    parser.feed(page)
    return parser


def _summary() -> PaperSummary:
    text = "We propose a method for embedding scientific documents <script>alert(1)</script>."
    claim = Claim(text=text, evidence=[Evidence(quote=text, location="Abstract", verified=True)])
    return PaperSummary(
        what_was_done=[claim],
        why_it_matters=[claim],
        tldr="A method for embedding [scientific](javascript:alert(1)) documents.",
        tldr_checked=True,
        generator="extractive",
    )


def _card(store: LocalStore, pid: str) -> StoredObject:
    """The repro-card stage's repro.json for the paper."""
    return store.put(f"{SLUG}/papers/{pid}/repro.json", paper_card(make_paper()).model_dump_json().encode())


def _published(tmp_path: Path, *, comic: bool) -> tuple[LocalStore, Path, str]:
    store = LocalStore(tmp_path)
    entry = AwardEntry(title=HOSTILE, award=AwardKind.BEST_PAPER, id="p1", authors=["A. Author"])
    pid = entry.paper_id
    outputs = {
        "parsed.json": store.put(f"{SLUG}/papers/{pid}/parsed.json", make_paper().model_dump_json().encode()),
        "summary.json": store.put(f"{SLUG}/papers/{pid}/summary.json", _summary().model_dump_json().encode()),
    }
    comic_outputs = {}
    if comic:
        comic_outputs = {
            "comic.png": store.put(f"{SLUG}/papers/{pid}/comic.png", b"\x89PNG fake"),
            "comic.webp": store.put(f"{SLUG}/papers/{pid}/comic.webp", WEBP),
            "comic-mobile.webp": store.put(f"{SLUG}/papers/{pid}/comic-mobile.webp", WEBP + b"m"),
        }
    done = StageStatus(state=StageState.DONE)
    outcomes = {
        StageName.ACQUIRE: StageOutcome(status=done),
        StageName.PARSE: StageOutcome(status=done),
        StageName.REPRO: StageOutcome(status=done, outputs={"repro.json": _card(store, pid)}),
        StageName.SUMMARIZE: StageOutcome(status=done, outputs=outputs),
        StageName.COMIC: StageOutcome(status=done, outputs=comic_outputs),
    }
    conference = Conference(slug=SLUG, name="ACL 2025", year=2025, entries=[entry])
    publish(conference, [paper_result(entry, outcomes, store)], store)
    return store, tmp_path / SLUG / "current", pid


def test_each_review_is_published_as_a_page_the_digest_links_to(tmp_path: Path) -> None:
    _, release, pid = _published(tmp_path, comic=True)
    page = (release / "papers" / pid / "review.html").read_text()
    digest = (release / "digest.html").read_text()
    hrefs = re.findall(r'href="([^"]*)"', digest)
    assert f"papers/{pid}/review.html" in hrefs and f"papers/{pid}/review.md" in hrefs
    assert re.search(rf'<a href="papers/{pid}/review.html">Full review</a>', digest)

    # The digest's template: its styles and policy, no script, the markdown rendered as HTML.
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert "<script" not in page.lower() and 'href="javascript' not in page.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "<h2>Summary</h2>" in page and "<h2>What was done</h2>" in page
    assert "<ul>" in page and "**" not in page
    # A way back, the comic (phone variant on narrow screens) linked to the full-size comic.png.
    assert 'href="../../digest.html"' in page
    assert '<a href="comic.png"' in page and '<source media="(max-width: 600px)"' in page
    assert (release / "papers" / pid / "comic.png").is_file()
    links = [attrs for tag, attrs in _parsed(page).tags if tag == "a"]
    external = [a for a in links if a.get("href", "").startswith("http")]
    assert all(a.get("rel") == "noopener noreferrer" for a in external)


def test_link_previews_name_the_page_and_its_comic(tmp_path: Path) -> None:
    _, release, pid = _published(tmp_path, comic=True)
    review = _parsed((release / "papers" / pid / "review.html").read_text()).meta
    assert review["og:title"] == review["twitter:title"] == " ".join(HOSTILE.split())
    assert review["og:type"] == "article" and review["og:image"] == "comic.png"
    assert review["twitter:card"] == "summary_large_image" and review["twitter:image"] == "comic.png"
    assert review["og:description"].startswith("A method for embedding")
    digest = _parsed((release / "digest.html").read_text()).meta
    assert digest["og:type"] == "website" and digest["og:title"].startswith("ACL 2025")
    assert "1 done" in digest["og:description"]
    assert (release / digest["og:image"]).is_file()


def test_without_a_comic_the_preview_is_a_summary_card(tmp_path: Path) -> None:
    _, release, pid = _published(tmp_path, comic=False)
    page = (release / "papers" / pid / "review.html").read_text()
    meta = _parsed(page).meta
    assert meta["twitter:card"] == "summary" and "og:image" not in meta
    assert "<figure" not in page


def test_card_text_is_escaped_and_shortened() -> None:
    card = SocialCard(title='A "quoted" <b>title</b>', description="word " * 100, image="comic.png")
    tags = "\n".join(card.meta_tags())
    assert "<b>" not in tags and "&lt;b&gt;" in tags and "&quot;quoted&quot;" in tags
    description = _parsed(tags).meta["og:description"]
    assert len(description) <= 200 and description.endswith("…")
    assert shorten("short") == "short"


def test_review_page_renders_only_what_review_md_says(tmp_path: Path) -> None:
    from tasks.models import PaperResult, PaperStatus

    entry = AwardEntry(title="T", award=AwardKind.RUNNER_UP, id="t")
    result = PaperResult(paper_id="t", entry=entry, status=PaperStatus.DONE)
    md = "# T\n\n> ⚠ **note**\n\n## Summary\n\n<iframe src=x></iframe> [x](javascript:alert(1))\n"
    page = render_review_html(
        result, md, conference=Conference(slug=SLUG, name="ACL 2025", year=2025, entries=[])
    )
    assert "<iframe" not in page and "&lt;iframe" in page  # raw HTML off
    assert 'href="javascript' not in page
    assert "<blockquote>" in page and "<strong>note</strong>" in page
