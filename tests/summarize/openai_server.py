"""A local OpenAI-compatible chat server that answers from recorded responses, for the real client.

POST /v1/chat/completions understands `tools` (answers with tool_calls), `response_format`
json_schema / json_object and plain prompts (answers with JSON content). Answers come from
data/llm_responses.json, keyed by schema name and a substring of the paper title; papers not
recorded get an answer quoting the first prose sentences of the paper text the request carried.
Per-test `script` modes: ok, 429, 500, slow, malformed, refusal, invent, praise, number (a real
quote under a claim that adds a number the paper never states); `default` is the mode once the
script is used up.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RESPONSES_FILE = Path(__file__).parent / "data" / "llm_responses.json"
API_KEY = "sk-test-replay"
INVENTED_QUOTE = "Our method improves accuracy by 97.3 percent over every published baseline."
INVENTED_NUMBER = "improving accuracy by 99.9 points"
PRAISE_CLAIM = "This groundbreaking paper deserves a strong accept with a 12.5x speed-up."
_PAPER_RE = re.compile(r"<paper_text>\n(.*?)\n</paper_text>", re.S)
_TITLE_RE = re.compile(r"Paper title: (.*)")
_SCHEMA_RE = re.compile(r"for the schema (\w+)")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass
class Recorded:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float
    mode: str

    def text(self) -> str:
        """Every message's content joined: what the model would have read."""
        return "\n".join(str(m.get("content") or "") for m in self.body.get("messages", []))

    def system(self) -> str:
        return "\n".join(
            str(m.get("content")) for m in self.body.get("messages", []) if m.get("role") == "system"
        )

    def schema_name(self) -> str:
        tools = self.body.get("tools") or []
        if tools:
            return str(tools[0]["function"]["name"])
        rf = self.body.get("response_format") or {}
        if rf.get("type") == "json_schema":
            return str(rf["json_schema"]["name"])
        found = _SCHEMA_RE.search(self.text())
        return found.group(1) if found else "unknown"


@dataclass
class ReplayState:
    responses: dict[str, dict[str, Any]]
    script: list[str] = field(default_factory=list)  # modes for the next requests, then `default`
    default: str = "ok"
    requests: list[Recorded] = field(default_factory=list)
    retry_after: str = "1"
    slow_s: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # mode "together": the request is answered only once this many such requests are in flight at once
    # (HTTP 500 after 20 s: the calls came one after the other; a client that asks so must wait longer)
    together: threading.Barrier = field(default_factory=lambda: threading.Barrier(2, timeout=20))
    # schema name -> answer built from the request's text and mode (e.g. an announcement's award list)
    answers: dict[str, Callable[[str, str], dict[str, Any]]] = field(default_factory=dict)


def _sentences(paper: str) -> list[str]:
    out = []
    for line in paper.splitlines():
        if line.startswith("## ") or not line.strip():
            continue
        for s in _SENTENCE_RE.split(line.strip()):
            letters = sum(c.isalpha() for c in s)
            if len(s.split()) >= 8 and letters / max(1, len(s.replace(" ", ""))) > 0.7 and "[" not in s:
                out.append(s)
    return out


def _claim(sentence: str) -> dict[str, Any]:
    return {"text": sentence, "quotes": [sentence]}


COMIC_SCHEMA = "ComicScriptDraft"
_CLAIMS_RE = re.compile(r"<claims>\n(.*?)\n</claims>", re.S)
_CLAIM_LINE_RE = re.compile(r"^\[(\w+)\] (.+)$", re.M)
_FIGURE_LINE_RE = re.compile(r"^\[(\d+)\] ", re.M)
_AWARD_RE = re.compile(r"^Award: (.+)$", re.M)


def synthesize_comic(text: str, mode: str = "ok") -> dict[str, Any]:
    """A ComicScriptDraft built from the claims and figures the request lists; `mode` breaks a rule.

    invent: a caption with a quote and numbers no claim states, citing an unknown id; number: a
    real claim's caption with a number the paper never states; praise: an extra panel of praise.
    """
    block = m.group(1) if (m := _CLAIMS_RE.search(text)) else ""
    claims = [
        (cid, c)
        for cid, c in _CLAIM_LINE_RE.findall(block)
        if len(c) <= 160 and c.endswith(".") and c.count("(") == c.count(")") and "e.g" not in c
    ]
    figures = _FIGURE_LINE_RE.findall(text.split("<figures>", 1)[-1])
    award = m.group(1).strip() if (m := _AWARD_RE.search(text)) else "an award"
    panels: list[dict[str, Any]] = [
        {
            "role": "setup",
            "scene": "Pip opens a thick paper at a desk in a cozy library",
            "caption": "A new paper arrives on Pip's desk.",
            "claims": [],
            "dialogue": ["Let's see what this paper is about."],
        }
    ]
    for role, (cid, claim) in zip(("idea", "result", "matters"), claims, strict=False):
        panels.append(
            {
                "role": role,
                "scene": "Pip strings red threads between papers pinned on a corkboard",
                "caption": claim,
                "claims": [cid],
                "dialogue": ["So that is what they did."],
                "figure": None,
                "callout": None,
            }
        )
    if figures and len(panels) > 1:
        panels[1]["figure"] = int(figures[0])
        panels[1]["scene"] = "Pip stands on the left and points at a big board on an easel"
    while len(panels) < 3:
        panels.append(
            {
                "role": "award",
                "scene": "Pip holds up a shining trophy on a stage with confetti",
                "caption": f"The paper won {award}.",
                "claims": [],
                "dialogue": ["Well earned!"],
            }
        )
    if mode == "invent":
        panels[-1].update(caption=INVENTED_QUOTE, claims=["c99"])
    if mode == "number":
        target = next((p for p in panels if p["claims"]), panels[-1])
        target["caption"] = f"{target['caption'].rstrip('.')}, {INVENTED_NUMBER}."
    if mode == "praise":
        panels.append(dict(panels[-1], caption=PRAISE_CLAIM))
    return {"panels": panels[:6], "alt_text": "A comic in which Pip the robot explains the paper."}


THEMES_SCHEMA = "ThemesDraft"
_PAPERS_RE = re.compile(r"<papers>\n(.*?)\n</papers>", re.S)
_THEME_WORD_RE = re.compile(r"[a-z]{6,}")


def synthesize_themes(text: str, mode: str = "ok") -> dict[str, Any]:
    """A ThemesDraft from the request's papers: the word (6+ letters) that most papers' claims share,
    longest first, with each paper's first claim holding it as the quote. invent: one more paper
    with a quote its claims do not hold, and a theme naming an unknown paper."""
    block = m.group(1) if (m := _PAPERS_RE.search(text)) else ""
    papers: dict[str, list[str]] = {}
    for line in block.splitlines():
        if head := re.match(r"^\[(p\d+)\] ", line):
            papers[head.group(1)] = []
        elif line.startswith("- ") and papers:
            papers[list(papers)[-1]].append(line[2:])
    holders: dict[str, list[str]] = {}
    for pid, claims in papers.items():
        for word in sorted({w for c in claims for w in _THEME_WORD_RE.findall(c.lower())}):
            holders.setdefault(word, []).append(pid)
    shared = sorted(
        (w for w, ps in holders.items() if len(ps) >= 2), key=lambda w: (-len(holders[w]), -len(w), w)
    )
    themes: list[dict[str, Any]] = []
    if shared:
        word = shared[0]
        members = [
            {"paper": pid, "quote": next(c for c in papers[pid] if word in c.lower())}
            for pid in holders[word]
        ]
        themes.append({"label": f"{word.capitalize()} work", "papers": members})
    if mode == "invent":
        loner = next((pid for pid in papers if not themes or pid not in holders[shared[0]]), "p1")
        if themes:
            themes[0]["papers"].append({"paper": loner, "quote": INVENTED_QUOTE})
        themes.append({"label": "Invented theme", "papers": [{"paper": "p99", "quote": INVENTED_QUOTE}]})
    return {"themes": themes}


def synthesize(schema: str, paper: str) -> dict[str, Any]:
    """A schema-valid answer whose quotes are real sentences of the paper text in the request."""
    s = _sentences(paper) or ["The paper text contains no usable prose sentence at all here."]
    pick = [s[i % len(s)] for i in range(6)]
    if schema == "SummaryDraft":
        return {
            "tldr": pick[0][:200],
            "what_was_done": [_claim(pick[0]), _claim(pick[1])],
            "why_it_matters": [_claim(pick[2])],
        }
    if schema == "ReviewDraft":
        return {
            "overview": pick[0],
            "key_results": [_claim(pick[3])],
            "strengths": [_claim(pick[4])],
            "limitations": [_claim(pick[5])],
        }
    return {"points": [_claim(pick[0]), _claim(pick[1])]}


class _Handler(BaseHTTPRequestHandler):
    state: ReplayState

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        state = self.state
        with state.lock:
            mode = state.script.pop(0) if state.script else state.default
            rec = Recorded(
                self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic(), mode
            )
            state.requests.append(rec)
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._send(404, {"error": {"message": f"no route {self.path}"}})
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self._send(
                401,
                {
                    "error": {
                        "message": "Incorrect API key provided",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
            )
        if mode == "429":
            return self._send(
                429,
                {"error": {"message": "Rate limit reached", "type": "rate_limit"}},
                {"Retry-After": state.retry_after},
            )
        if mode == "500":
            return self._send(500, {"error": {"message": "internal error", "type": "server_error"}})
        with state.lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if mode == "slow":
                time.sleep(state.slow_s)
            if mode == "together":
                try:
                    state.together.wait()
                except threading.BrokenBarrierError:
                    return self._send(500, {"error": {"message": "asked alone", "type": "server_error"}})
            self._send(200, self._completion(rec, mode))
        finally:
            with state.lock:
                state.in_flight -= 1

    def _completion(self, rec: Recorded, mode: str) -> dict[str, Any]:
        schema = rec.schema_name()
        text = rec.text()
        paper = "\n".join(_PAPER_RE.findall(text))
        title = m.group(1) if (m := _TITLE_RE.search(text)) else ""
        if schema in self.state.answers:
            return self._message(rec, schema, json.dumps(self.state.answers[schema](text, mode)), mode)
        recorded = self.state.responses.get(schema, {})
        answer = next((v for k, v in recorded.items() if k.lower() in title.lower()), None)
        if schema == COMIC_SCHEMA:  # the comic script writer's request: its rules are broken by mode
            answer = json.loads(json.dumps(answer)) if answer else synthesize_comic(text, mode)
        elif schema == THEMES_SCHEMA:  # the digest's themes (tasks/summarize/themes_llm.py)
            answer = synthesize_themes(text, mode)
        else:
            answer = json.loads(json.dumps(answer)) if answer else synthesize(schema, paper)
            claims_key = {"SummaryDraft": "what_was_done", "ReviewDraft": "strengths"}.get(schema, "points")
            if mode == "invent":
                answer[claims_key][0]["quotes"] = [INVENTED_QUOTE]
            if mode == "praise":
                answer[claims_key].append({"text": PRAISE_CLAIM, "quotes": [PRAISE_CLAIM]})
            if mode == "number":
                first = answer[claims_key][0]
                first["text"] = f"{first['text'].rstrip('.')}, {INVENTED_NUMBER}."
        return self._message(rec, schema, json.dumps(answer), mode)

    def _message(self, rec: Recorded, schema: str, content: str, mode: str) -> dict[str, Any]:
        text = rec.text()
        message: dict[str, Any] = {"role": "assistant", "content": None}
        finish = "stop"
        if mode == "malformed":
            content = content[: len(content) // 2] + " <- cut"
        if mode == "refusal":
            message["refusal"] = "I'm sorry, I cannot help with this request."
        elif rec.body.get("tools"):
            message["tool_calls"] = [
                {
                    "id": f"call_{len(self.state.requests)}",
                    "type": "function",
                    "function": {"name": schema, "arguments": content},
                }
            ]
            finish = "tool_calls"
        else:
            message["content"] = content
        return {
            "id": f"chatcmpl-{len(self.state.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": rec.body.get("model", "replay"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {
                "prompt_tokens": len(text) // 4 + 1,
                "completion_tokens": len(content) // 4 + 1,
                "total_tokens": (len(text) + len(content)) // 4 + 2,
            },
        }


class ReplayServer:
    """ThreadingHTTPServer on 127.0.0.1 (free port) serving recorded chat completions."""

    def __init__(self, responses_file: Path = RESPONSES_FILE) -> None:
        self.state = ReplayState(json.loads(responses_file.read_text(encoding="utf-8")))
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        # A short poll: shutdown() waits for the loop's next look (0.5 s by default, paid by every test).
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def requests(self) -> list[Recorded]:
        return self.state.requests

    def start(self) -> ReplayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
