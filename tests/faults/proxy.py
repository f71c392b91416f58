"""A fault-injecting HTTP proxy in front of the moto S3 server: delay, fail, alter or hold requests.

The store's real boto3 client talks S3 over HTTP to this proxy (PAPERPANELS_STORE__ENDPOINT_URL),
which forwards every request to moto unchanged, except those a rule picks by method, path and
header: delayed, answered with an error status, forwarded with the response body altered, or held
until another matching request has been answered (a deterministic race: the first publisher to
switch a pointer waits until the second has switched it). Every request is logged with its status.

    proxy = FaultProxy(moto_endpoint).start()
    held = proxy.add(Rule("PUT", r"/current\\.json$", "hold", header="If-None-Match"))
    ... held.reached.wait() ...
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade"}
Action = Literal["delay", "fail", "alter", "hold"]


@dataclass
class Rule:
    """What to do to the requests that match: method, a regex on the path, optionally a header present."""

    method: str
    path: str
    action: Action
    header: str | None = None
    times: int = 1  # matching requests it applies to; later ones pass untouched
    seconds: float = 0.0  # delay
    status: int = 503  # fail
    alter: Callable[[bytes], bytes] | None = None  # alter: the response body
    hold_s: float = 60.0  # hold: the longest wait, then it passes anyway (timed_out is set)
    applied: int = 0
    reached: threading.Event = field(default_factory=threading.Event)  # a request was caught
    released: threading.Event = field(default_factory=threading.Event)
    timed_out: bool = False

    def matches(self, method: str, path: str, headers: dict[str, str]) -> bool:
        if method != self.method or not re.search(self.path, urlsplit(path).path):
            return False
        return self.header is None or self.header.lower() in headers

    def same_target(self, method: str, path: str) -> bool:
        return method == self.method and bool(re.search(self.path, urlsplit(path).path))


class FaultProxy:
    """The proxy: `start()` returns its URL; `add(rule)` arms a rule; `log` lists what passed."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rules: list[Rule] = []
        self.log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet: the log is kept above
                return

            def _any(self) -> None:
                proxy._handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        serve = self._server.serve_forever
        threading.Thread(target=serve, args=(0.02,), name="fault-proxy", daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the proxy first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        for rule in self.rules:
            rule.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- one request

    def _rule_for(self, method: str, path: str, headers: dict[str, str]) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.applied < rule.times and rule.matches(method, path, headers):
                    rule.applied += 1
                    return rule
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        method, path = handler.command, handler.path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        body = _read_body(handler, headers)
        rule = self._rule_for(method, path, headers)
        if rule is not None and rule.action == "hold":
            rule.reached.set()
            if not rule.released.wait(rule.hold_s):
                rule.timed_out = True
        elif rule is not None and rule.action == "delay":
            rule.reached.set()
            time.sleep(rule.seconds)
        elif rule is not None and rule.action == "fail":
            rule.reached.set()
            self._answer(handler, method, path, rule.status, {}, b"<Error><Code>InjectedFault</Code></Error>")
            return
        status, reply_headers, reply = self._forward(method, path, handler.headers.items(), body)
        if rule is not None and rule.action == "alter" and rule.alter is not None:
            rule.reached.set()
            reply = rule.alter(reply)
            reply_headers["content-length"] = str(len(reply))
        self._answer(handler, method, path, status, reply_headers, reply)
        # A held request of the same target goes on once this one (a later one) has been answered.
        with self._lock:
            waiting = [r for r in self.rules if r.action == "hold" and r.reached.is_set() and r is not rule]
        for held in waiting:
            if held.same_target(method, path):
                held.released.set()

    def _forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=120)
        try:
            sent = {k: v for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"}
            sent["Content-Length"] = str(len(body))
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            reply = response.read()
            reply_headers = {k.lower(): v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
            return response.status, reply_headers, reply
        finally:
            conn.close()

    def _answer(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        status: int,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        with self._lock:
            self.log.append((method, path, status))
        handler.send_response(status)
        for name, value in headers.items():
            if name not in ("content-length", "server", "date"):
                handler.send_header(name, value)
        # HEAD: the object's length, no body.
        handler.send_header("Content-Length", headers.get("content-length", str(len(body))))
        handler.end_headers()
        if method != "HEAD" and body:
            handler.wfile.write(body)


def _read_body(handler: BaseHTTPRequestHandler, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(headers.get("content-length", "0") or 0)
    return handler.rfile.read(length) if length else b""
