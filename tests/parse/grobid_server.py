"""A small local server speaking GROBID's REST protocol, answering with real recorded TEI."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Which recorded TEI answers which fixture PDF (../shared/fixtures/README.md).
RECORDED = {
    "specter_2020.acl-main.207.pdf": "specter_2020.acl-main.207.grobid-0.6.1.tei.xml",
    "literature_graph_N18-3011.pdf": "literature_graph_N18-3011.grobid-0.6.1.tei.xml",
}
BAD_INPUT = "[BAD_INPUT_DATA] PDF to XML conversion failed"


@dataclass
class GrobidStub:
    """Behaviour and records of the fake server; tests change the fields between calls."""

    tei_by_sha: dict[str, str] = field(default_factory=dict)
    answers_by_sha: dict[str, tuple[int, str]] = field(default_factory=dict)  # forced (status, body)
    unknown: tuple[int, str] = (500, "[NO_BLOCKS] PDF has no text blocks")
    busy: int = 0  # answer 503 this many times first; -1: forever
    delay_s: float = 0.0
    version: str = "0.6.1"
    calls: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def load_recorded(self, fixtures: Path) -> None:
        """Answer the fixture PDFs named in RECORDED with their recorded TEI."""
        for pdf, tei in RECORDED.items():
            sha = hashlib.sha256((fixtures / "pdfs" / pdf).read_bytes()).hexdigest()
            self.tei_by_sha[sha] = (fixtures / "grobid_tei" / tei).read_text(encoding="utf-8")

    def answer(self, sha: str) -> tuple[int, str]:
        with self.lock:
            if self.busy:
                self.busy -= 1 if self.busy > 0 else 0
                return 503, ""
        if sha in self.answers_by_sha:
            return self.answers_by_sha[sha]
        if sha in self.tei_by_sha:
            return 200, self.tei_by_sha[sha]
        return self.unknown


def _handler(stub: GrobidStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # tests stay quiet
            pass

        def _send(self, status: int, body: str, ctype: str = "text/plain") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if status != 204:
                self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/api/isalive":
                self._send(200, "true")
            elif self.path == "/api/version":
                self._send(200, stub.version)
            else:
                self._send(404, "not found")

        def do_POST(self) -> None:
            if self.path != "/api/processFulltextDocument":
                self._send(404, "not found")
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
            message = BytesParser(policy=HTTP).parsebytes(head + body)
            params: dict[str, list[str]] = {}
            pdf = b""
            filename = None
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                payload = payload if isinstance(payload, bytes) else b""
                if name == "input":
                    pdf, filename = payload, part.get_filename()
                else:
                    params.setdefault(str(name), []).append(payload.decode())
            sha = hashlib.sha256(pdf).hexdigest()
            with stub.lock:
                stub.calls.append({"params": params, "sha256": sha, "filename": filename})
                stub.in_flight += 1
                stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
            try:
                if stub.delay_s:
                    time.sleep(stub.delay_s)
                status, text = stub.answer(sha)
            finally:
                with stub.lock:
                    stub.in_flight -= 1
            # The client may have given up already (the timeout test).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(status, text, "application/xml" if status == 200 else "text/plain")

    return Handler


class GrobidServer:
    """A ThreadingHTTPServer on 127.0.0.1 with a GrobidStub; use as a context manager."""

    def __init__(self, stub: GrobidStub | None = None, port: int = 0) -> None:
        self.stub = stub or GrobidStub()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.stub))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.stub.url = self.url
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> GrobidServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
