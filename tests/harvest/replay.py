"""A replay server on 127.0.0.1 for the arXiv, Semantic Scholar and OpenReview clients.

arXiv and Semantic Scholar answers are the real recorded responses in ../shared/fixtures; the
OpenReview notes and any extra arXiv feeds a test adds are built by the test and say so.
"""

from __future__ import annotations

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

    def settings(self, tmp_path: Path, **kw: Any) -> HarvestSettings:
        """Harvest settings pointing every API at this server; no rate-limit wait unless asked."""
        opts: dict[str, Any] = {
            "arxiv_api": f"{self.url}/arxiv/api/query",
            "openreview_api": f"{self.url}/openreview",
            "semantic_scholar_api": f"{self.url}/s2/graph/v1",
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
                self._send(replay.arxiv.get(key) or replay.arxiv[("0000.0000", "")])
            elif parsed.path == "/s2/graph/v1/paper/search/match":
                self._send(replay.s2.get(query.get("query", "").lower(), replay.s2_not_found))
            elif parsed.path == "/openreview/notes":
                note = replay.notes.get(query.get("id", ""))
                body = json.dumps({"notes": [note] if note else [], "count": int(bool(note))}).encode()
                self._send((200, {"Content-Type": "application/json"}, body))
            else:
                self._send((404, {"Content-Type": "text/plain"}, b"not here"))

    return Handler


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
