"""A conference website on 127.0.0.1: award pages and an RSS feed whose award post appears on cue.

The award posts are the real announcements of ../shared/fixtures/announcements, rendered as their
sites serve them (tests/harvest/announcement_pages.py); the feed around them (channel, other posts)
is built here and says so. Conditional GETs are answered as a web server does: an ETag and a
Last-Modified per body, 304 when the client's validators match. `mode` breaks the site on purpose:
"down" (502), "garbage" (200 with bytes that are neither a feed nor a page).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from xml.sax.saxutils import escape

from tests.harvest.announcement_pages import page_html, truth
from tests.harvest.replay import Replay

GARBAGE = b"\x00\x1f\x8b garbled \xff\xfe not a feed"


@dataclass
class Post:
    title: str
    link: str
    html: str
    date: str = "Fri, 08 Dec 2023 09:00:00 GMT"


@dataclass
class Site:
    """Pages by path, a feed at /feed.xml, what was asked and answered."""

    pages: dict[str, str] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    mode: str = "ok"
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)
    url: str = ""
    _server: ThreadingHTTPServer | None = None
    _changed: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ content
    def add_announcement(self, fixtures: Path, name: str, title: str, slug: str) -> Post:
        """Publish a real announcement as a post of the feed (and as its own page)."""
        html = page_html(fixtures, name)
        post = Post(title=title, link=f"{self.url}/posts/{slug}.html", html=html)
        self.posts.append(post)
        self.pages[f"/posts/{slug}.html"] = html
        return post

    def add_other_post(self, title: str, text: str) -> None:
        """A post that is not an award announcement (built here, not recorded)."""
        slug = "-".join(title.lower().split())[:40]
        self.posts.append(
            Post(title=title, link=f"{self.url}/posts/{slug}.html", html=f"<p>{escape(text)}</p>")
        )

    def feed(self) -> str:
        items = "".join(
            f"<item><title>{escape(p.title)}</title><link>{escape(p.link)}</link>"
            f"<pubDate>{p.date}</pubDate><description>{escape(p.html)}</description></item>"
            for p in reversed(self.posts)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Conference blog (test site)</title><link>{self.url}/</link>"
            f"<description>posts</description>{items}</channel></rss>"
        )

    def body(self, path: str) -> tuple[str, str] | None:
        if path == "/feed.xml":
            return self.feed(), "application/rss+xml"
        if path in self.pages:
            return self.pages[path], "text/html; charset=utf-8"
        return None

    # ------------------------------------------------------------------ server
    def __enter__(self) -> Site:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            site.hits[path] += 1
            if site.mode == "down":
                self._reply(502, b"bad gateway", {"Content-Type": "text/plain"})
                return
            if site.mode == "garbage":
                self._reply(200, GARBAGE, {"Content-Type": "application/octet-stream"})
                return
            found = site.body(path)
            if found is None:
                self._reply(404, b"not found", {"Content-Type": "text/plain"})
                return
            text, kind = found
            body = text.encode()
            etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
            from datetime import UTC, datetime

            modified = site._changed.setdefault(etag, format_datetime(datetime.now(UTC), usegmt=True))
            headers = {"Content-Type": kind, "ETag": etag, "Last-Modified": modified}
            if self.headers.get("If-None-Match") == etag:
                site.not_modified[path] += 1
                self._reply(304, b"", {"ETag": etag, "Last-Modified": modified})
                return
            self._reply(200, body, headers)

    return Handler


def write_calendar(
    path: Path, venue: str, name: str, feed: str, window: tuple[str, str] = ("01-01", "12-31")
) -> Path:
    """A calendar with one venue whose award posts appear in `feed` (all year round by default)."""
    import yaml

    data = {
        "venues": {venue: {"name": name, "window": list(window), "sources": [{"kind": "feed", "url": feed}]}}
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# arXiv ids of the NAACL 2021 award papers, for the arXiv answers the tests build (not recorded).
# "Unifying Cross-Lingual Semantic Role Labeling ..." is left out: the paper arXiv does not find.
NAACL_2021_ARXIV = {
    "Video-aided Unsupervised Grammar Induction": "2104.04369",
    "It's Not Just Size That Matters: Small Language Models Are Also Few-Shot Learners": "2009.07118",
    "Learning How to Ask: Querying LMs with Mixtures of Soft Prompts": "2104.06599",
    "How many data points is a prompt worth?": "2103.08493",
    "Preregistering NLP research": "2103.06944",
}
NAACL_2021 = "naacl-2021-best-paper-awards.md"


def answer_arxiv(replay: Replay, fixtures: Path, name: str, ids: dict[str, str]) -> None:
    """Make the arXiv replay find each listed paper of an announcement by its title and authors."""
    from tasks.harvest.arxiv import title_query
    from tests.harvest.replay import atom_feed

    for item in truth(fixtures)[name]["awards"]:
        if item["title"] in ids:
            entry = {"id": ids[item["title"]], "title": item["title"], "authors": item.get("authors") or []}
            feed = atom_feed([entry])
            replay.arxiv[("", title_query(item["title"]))] = (
                200,
                {"Content-Type": "application/atom+xml"},
                feed,
            )
