"""A replay server on 127.0.0.1 for the arXiv, Semantic Scholar, OpenReview, DBLP and ACL Anthology
clients.

arXiv and Semantic Scholar answers are the real recorded responses in ../shared/fixtures; the
OpenReview notes and any extra arXiv feeds a test adds are built by the test and say so.

Title search (`Replay.known`, empty unless a test fills it, e.g. with the real titles of
../shared/fixtures/announcements/truth.json) is answered the way each service matches titles, in
its own URL shapes and formats: DBLP's publication search (every query word starts a word of the
title), OpenReview's note search (every term in the title), arXiv's `ti:"phrase"` (the phrase in
the title), Semantic Scholar's title match (the closest title, when close), the ACL Anthology's
gzipped BibTeX export (the titles marked as Anthology papers). A query that matches no known title
gets the service's real "no hits" answer (DBLP's empty hits, an empty feed, S2's recorded 404).
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

import pytest

from config.settings import HarvestSettings

Response = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class KnownPaper:
    """A paper the title-search services know: its title, authors, and whether the Anthology has it."""

    title: str
    authors: tuple[str, ...] = ()
    anthology: bool = False


def _words(text: str) -> list[str]:
    from tasks.harvest.resolve import normalise_title

    return normalise_title(text).split()


@dataclass
class Replay:
    url: str
    arxiv: dict[tuple[str, str], Response] = field(default_factory=dict)  # (id_list, search_query)
    s2: dict[str, Response] = field(default_factory=dict)  # query -> response
    s2_not_found: Response = (404, {}, b"")
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # OpenReview v2 notes by id
    routes: dict[str, list[Response]] = field(default_factory=dict)  # path -> responses, in order
    hits: Counter[str] = field(default_factory=Counter)
    agents: list[str] = field(default_factory=list)
    known: list[KnownPaper] = field(default_factory=list)  # what the title-search services know
    queries: Counter[str] = field(default_factory=Counter)  # title searches per service

    # ------------------------------------------------------------------ title search
    def _similar(self, query: str, paper: KnownPaper) -> float:
        from tasks.harvest.resolve import title_similarity

        return title_similarity(query, paper.title)

    def word_search(self, query: str, *, prefix: bool) -> list[KnownPaper]:
        """Known papers whose title has every query word (DBLP: as a word prefix), closest first."""
        words = _words(query)
        found = []
        for paper in self.known:
            have = _words(paper.title)
            if words and all(any(h.startswith(w) if prefix else h == w for h in have) for w in words):
                found.append(paper)
        return sorted(found, key=lambda p: -self._similar(query, p))

    def phrase_search(self, phrase: str) -> list[KnownPaper]:
        """Known papers whose title holds the phrase (arXiv's ti:"...")."""
        wanted = f" {' '.join(_words(phrase))} "
        return [p for p in self.known if wanted.strip() and wanted in f" {' '.join(_words(p.title))} "]

    def closest(self, query: str, at_least: float = 0.8) -> KnownPaper | None:
        best = max(self.known, key=lambda p: self._similar(query, p), default=None)
        return best if best is not None and self._similar(query, best) >= at_least else None

    def settings(self, tmp_path: Path, **kw: Any) -> HarvestSettings:
        """Harvest settings pointing every API at this server; no rate-limit wait unless asked."""
        opts: dict[str, Any] = {
            "arxiv_api": f"{self.url}/arxiv/api/query",
            "openreview_api": f"{self.url}/openreview",
            "semantic_scholar_api": f"{self.url}/s2/graph/v1",
            "dblp_api": f"{self.url}/dblp/search/publ/api",
            "acl_anthology_bib": f"{self.url}/anthology/anthology.bib.gz",
            "cache_dir": tmp_path / "http-cache",
            "arxiv_interval_s": 0.0,
            "semantic_scholar_interval_s": 0.0,
            "user_agent": "paperpanels-tests/1.0 (+tests)",
            "timeout_s": 5.0,
        }
        opts.update(kw)
        return HarvestSettings(**opts)

    def env(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """The same, as PAPERPANELS_HARVEST__* variables for CLI tests."""
        from config.settings import get_settings

        for name, value in self.settings(tmp_path).model_dump(mode="json").items():
            if name in {
                "arxiv_api",
                "openreview_api",
                "semantic_scholar_api",
                "dblp_api",
                "acl_anthology_bib",
                "cache_dir",
                "arxiv_interval_s",
                "semantic_scholar_interval_s",
            }:
                monkeypatch.setenv(f"PAPERPANELS_HARVEST__{name.upper()}", str(value))
        get_settings.cache_clear()


def load_arxiv(fixtures: Path) -> dict[tuple[str, str], Response]:
    """The recorded arXiv answers keyed by the id_list / search_query they answered."""
    answers: dict[tuple[str, str], Response] = {}
    for twin in sorted((fixtures / "arxiv_api" / "atom").glob("*.json")):
        meta = json.loads(twin.read_text())
        query = parse_qs(urlparse(meta["url"]).query, keep_blank_values=True)
        body = twin.with_suffix(".atom.xml").read_bytes()
        key = (query["id_list"][0], query["search_query"][0])
        answers[key] = (meta["status_code"], {"Content-Type": "application/atom+xml"}, body)
    return answers


def load_s2(fixtures: Path) -> tuple[dict[str, Response], Response]:
    """The recorded search/match answers keyed by query, and the real 404 "no match" answer."""
    matches: dict[str, Response] = {}
    not_found: Response = (404, {}, b"")
    for path in sorted((fixtures / "semantic_scholar").glob("s2_search_match_*.json")):
        rec = json.loads(path.read_text())
        query = parse_qs(urlparse(rec["request"]["uri"]).query)["query"][0]
        answer = (rec["status"]["code"], {"Content-Type": "application/json"}, rec["body_raw"].encode())
        matches[query.lower()] = answer  # S2 matches titles case-insensitively
        if rec["status"]["code"] == 404:
            not_found = answer
    return matches, not_found


def atom_feed(entries: list[dict[str, Any]]) -> bytes:
    """An arXiv API feed in the layout of the recorded ones (built by tests, not recorded)."""
    items = []
    for e in entries:
        authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in e.get("authors", []))
        comment = f"<arxiv:comment>{escape(e['comment'])}</arxiv:comment>" if e.get("comment") else ""
        items.append(
            f"<entry><id>http://arxiv.org/abs/{e['id']}{e.get('version', 'v1')}</id>"
            f"<title>{escape(e['title'])}</title><summary>{escape(e.get('abstract', ''))}</summary>"
            f"{comment}{authors}</entry>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
        f"<title>arXiv Query</title>{''.join(items)}</feed>"
    ).encode()


def openreview_note(note_id: str, title: str, authors: list[str], **fields: str) -> dict[str, Any]:
    """A note in the OpenReview API v2 schema (content fields as {"value": ...}); built, not recorded."""
    content = {
        "title": {"value": title},
        "authors": {"value": authors},
        "pdf": {"value": f"/pdf/{note_id}.pdf"},
    }
    content.update({k: {"value": v} for k, v in fields.items()})
    return {"id": note_id, "forum": note_id, "content": content}


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, answer: Response) -> None:
            status, headers, body = answer
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()}
            service = parsed.path.strip("/").split("/")[0]
            replay.hits[service] += 1
            replay.agents.append(self.headers.get("User-Agent", ""))
            if replay.routes.get(parsed.path):
                queue = replay.routes[parsed.path]
                self._send(queue.pop(0) if len(queue) > 1 else queue[0])
            elif parsed.path == "/arxiv/api/query":
                key = (query.get("id_list", ""), query.get("search_query", ""))
                self._send(replay.arxiv.get(key) or _arxiv_search(replay, key[1]))
            elif parsed.path == "/s2/graph/v1/paper/search/match":
                self._send(replay.s2.get(query.get("query", "").lower()) or _s2_match(replay, query))
            elif parsed.path == "/dblp/search/publ/api":
                self._send(_dblp(replay, query))
            elif parsed.path == "/openreview/notes/search":
                self._send(_openreview_search(replay, query))
            elif parsed.path == "/anthology/anthology.bib.gz":
                self._send(_anthology(replay))
            elif parsed.path == "/openreview/notes":
                note = replay.notes.get(query.get("id", ""))
                body = json.dumps({"notes": [note] if note else [], "count": int(bool(note))}).encode()
                self._send((200, {"Content-Type": "application/json"}, body))
            else:
                self._send((404, {"Content-Type": "text/plain"}, b"not here"))

    return Handler


def _json(data: Any) -> Response:
    return (200, {"Content-Type": "application/json"}, json.dumps(data).encode())


def _arxiv_search(replay: Replay, search: str) -> Response:
    """arXiv's answer to a `ti:"phrase"` query; anything else unrecorded: the real empty feed."""
    replay.queries["arxiv"] += 1
    found = replay.phrase_search(search[4:-1]) if search.startswith('ti:"') and search.endswith('"') else []
    if not found:
        return replay.arxiv[("0000.0000", "")]
    entries = [
        {"id": f"2{n:03d}.{n:05d}", "title": p.title, "authors": list(p.authors)} for n, p in enumerate(found)
    ]
    return (200, {"Content-Type": "application/atom+xml"}, atom_feed(entries[:5]))


def _s2_match(replay: Replay, query: dict[str, str]) -> Response:
    replay.queries["semantic_scholar"] += 1
    best = replay.closest(query.get("query", ""))
    if best is None:
        return replay.s2_not_found
    paper = {"paperId": "0" * 40, "title": best.title, "authors": [{"name": a} for a in best.authors]}
    return _json({"data": [{**paper, "externalIds": {}, "matchScore": 100.0}]})


def _dblp(replay: Replay, query: dict[str, str]) -> Response:
    """DBLP's search result JSON: hits whose title words start with every query word."""
    replay.queries["dblp"] += 1
    found = replay.word_search(query.get("q", ""), prefix=True)[: int(query.get("h", "30"))]
    hits: dict[str, Any] = {"@total": str(len(found)), "@computed": str(len(found)), "@sent": str(len(found))}
    if found:
        hits["hit"] = [
            {
                "@score": "10",
                "@id": str(n),
                "info": {
                    # one author is an object, several a list, as DBLP sends them
                    "authors": {"author": [{"@pid": str(i), "text": a} for i, a in enumerate(p.authors)]}
                    if len(p.authors) != 1
                    else {"author": {"@pid": "0", "text": p.authors[0]}},
                    "title": f"{p.title}.",
                    "type": "Conference and Workshop Papers",
                    "url": f"https://dblp.org/rec/conf/x/{n}",
                },
            }
            for n, p in enumerate(found)
        ]
    status = {"@code": "200", "text": "OK"}
    return _json({"result": {"query": query.get("q", ""), "status": status, "hits": hits}})


def _openreview_search(replay: Replay, query: dict[str, str]) -> Response:
    replay.queries["openreview"] += 1
    found = replay.word_search(query.get("term", ""), prefix=False)[: int(query.get("limit", "10"))]
    notes = [openreview_note(f"Known{n:06d}x", p.title, list(p.authors)) for n, p in enumerate(found)]
    return _json({"notes": notes, "count": len(notes)})


def _anthology(replay: Replay) -> Response:
    """The Anthology's bibliography export, gzipped: one @inproceedings per Anthology paper known."""
    replay.queries["acl_anthology"] += 1
    entries = []
    for n, p in enumerate(x for x in replay.known if x.anthology):
        authors = "  and\n      ".join(", ".join(reversed(a.rsplit(" ", 1))) for a in p.authors)
        entries.append(
            f'@inproceedings{{paper-{n},\n    title = "{p.title}",\n    author = "{authors}",\n'
            f'    url = "https://aclanthology.org/2000.x-{n}",\n}}\n'
        )
    return (200, {"Content-Type": "application/gzip"}, gzip.compress("".join(entries).encode()))


@contextmanager
def replay_server(fixtures: Path) -> Iterator[Replay]:
    """The replay server, loaded with every recorded arXiv and Semantic Scholar answer."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Replay(url=f"http://127.0.0.1:{server.server_address[1]}", arxiv=load_arxiv(fixtures))
    state.s2, state.s2_not_found = load_s2(fixtures)
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def replay(fixtures_dir: Path) -> Iterator[Replay]:
    """The replay server for one test."""
    with replay_server(fixtures_dir) as state:
        yield state
