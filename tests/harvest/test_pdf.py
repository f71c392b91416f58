"""PDF acquisition: local folder lookup and real HTTP downloads from a server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tasks.harvest.errors import PdfUnavailable, TransientDownloadError
from tasks.harvest.hosts import HostRateLimiter
from tasks.harvest.pdf import PdfSource, acquire_pdf_bytes, download_pdf, find_local_pdf
from tasks.models import AwardEntry
from tasks.parse.errors import ParseError
from tests.harvest.refusing import INTERVAL_S, REFUSING, fail_together

HTML = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>captcha</body></html>"


class _Handler(BaseHTTPRequestHandler):
    pdf: bytes = b""
    hits: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        # The client may have given up already (timeout and size-cap tests): that is the point.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        self.hits.append(self.path)
        routes = {
            "/paper.pdf": (200, self.pdf, "application/pdf"),
            "/octet": (200, self.pdf, "application/octet-stream"),
            "/page.pdf": (200, HTML, "text/html; charset=utf-8"),
            "/lying.pdf": (200, HTML, "application/pdf"),
            "/missing": (404, b"not found", "text/plain"),
            "/busy": (503, b"busy", "text/plain"),
            "/limited": (429, b"slow down", "text/plain"),
        }
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/paper.pdf")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/huge":
            self._send(200, b"%PDF-1.7\n", "application/pdf", length=10**10)
        elif self.path == "/slow":
            time.sleep(2)
            self._send(200, self.pdf, "application/pdf")
        elif self.path in routes:
            self._send(*routes[self.path])
        else:
            self._send(404, b"", "text/plain")


@pytest.fixture
def pdf_server(fixture_pdfs: dict[str, Path]) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"pdf": fixture_pdfs["specter"].read_bytes(), "hits": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _dl(url: str, **kw: object) -> bytes:
    # These tests download from 127.0.0.1, which downloads refuse unless it is allowed.
    opts: dict = {
        "timeout_s": 5.0,
        "max_bytes": 20 * 1024 * 1024,
        "user_agent": "paperpanels-tests",
        "allowed_hosts": ("127.0.0.1",),
    }
    opts.update(kw)
    return download_pdf(url, **opts)


def test_download_a_real_pdf(pdf_server: str, fixture_pdfs: dict[str, Path]) -> None:
    assert _dl(f"{pdf_server}/paper.pdf") == fixture_pdfs["specter"].read_bytes()
    assert _dl(f"{pdf_server}/octet").startswith(b"%PDF-")
    assert _dl(f"{pdf_server}/redirect").startswith(b"%PDF-")


def test_html_instead_of_a_pdf_is_a_clear_error(pdf_server: str) -> None:
    with pytest.raises(PdfUnavailable, match=r"text/html.*not a PDF"):
        _dl(f"{pdf_server}/page.pdf")
    # A server that lies about the content type is caught by the magic bytes.
    with pytest.raises(PdfUnavailable, match="lying.pdf"):
        _dl(f"{pdf_server}/lying.pdf")


def test_status_codes_map_to_retry_or_not(pdf_server: str) -> None:
    with pytest.raises(PdfUnavailable, match="HTTP 404"):
        _dl(f"{pdf_server}/missing")
    with pytest.raises(TransientDownloadError, match="HTTP 503"):
        _dl(f"{pdf_server}/busy")
    with pytest.raises(TransientDownloadError, match="HTTP 429"):
        _dl(f"{pdf_server}/limited")


def test_size_cap_and_timeout(pdf_server: str) -> None:
    with pytest.raises(PdfUnavailable, match="over the"):
        _dl(f"{pdf_server}/huge")
    with pytest.raises(PdfUnavailable, match="over the"):
        _dl(f"{pdf_server}/paper.pdf", max_bytes=1000)
    with pytest.raises(TransientDownloadError, match="timed out"):
        _dl(f"{pdf_server}/slow", timeout_s=0.5)


def test_only_http_urls() -> None:
    with pytest.raises(PdfUnavailable, match="only http"):
        _dl("file:///etc/passwd")


def test_unreachable_host_is_unavailable_not_retried() -> None:
    with pytest.raises(PdfUnavailable, match="cannot connect"):
        _dl("http://127.0.0.1:9/paper.pdf")


def test_requests_waiting_for_a_host_that_refuses_stop_waiting() -> None:
    """Offline, a conference's downloads queued for arxiv.org's rate-limit slot (one every 3 s) fail
    together with the first refusal, not one slot after another (8 papers: 20 s of waiting before)."""
    fail_together(lambda: _dl(f"http://{REFUSING}/paper.pdf", min_interval_s=INTERVAL_S), PdfUnavailable)


def test_rate_limiter_spaces_requests_per_host() -> None:
    limiter = HostRateLimiter()
    start = time.monotonic()
    for _ in range(3):
        limiter.wait("arxiv.org", 0.2)
    limiter.wait("other.org", 0.2)
    assert 0.35 <= time.monotonic() - start < 1.5


def _entry() -> AwardEntry:
    return AwardEntry(title="SPECTER", award="best paper", ids={"arxiv": "2004.07180"})


def _acquire(entry: AwardEntry, **kw: object) -> PdfSource:
    opts: dict = {
        "papers_dir": None,
        "download": False,
        "timeout_s": 5.0,
        "max_bytes": 20 * 1024 * 1024,
        "user_agent": "t",
        "arxiv_interval_s": 0.0,
        "allowed_hosts": ("127.0.0.1",),
    }
    opts.update(kw)
    return acquire_pdf_bytes(entry, **opts)


def test_local_folder_by_arxiv_id_with_or_without_version(
    tmp_path: Path, fixture_pdfs: dict[str, Path]
) -> None:
    data = fixture_pdfs["specter"].read_bytes()
    (tmp_path / "2004.07180v2.pdf").write_bytes(data)
    assert find_local_pdf(_entry(), tmp_path) == tmp_path / "2004.07180v2.pdf"
    (tmp_path / "2004.07180.pdf").write_bytes(data)
    got = _acquire(_entry(), papers_dir=tmp_path)
    # Named as a file of the papers folder: the reason may be published, the local path never is.
    assert got.data == data and got.source == "2004.07180.pdf (in the papers folder)"


def test_bad_local_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "2004.07180.pdf").write_bytes(HTML)
    with pytest.raises(ParseError, match=r"2004\.07180\.pdf"):
        _acquire(_entry(), papers_dir=tmp_path)


def test_unavailable_lists_every_reason(tmp_path: Path) -> None:
    with pytest.raises(PdfUnavailable) as info:
        _acquire(_entry(), papers_dir=tmp_path)
    assert "2004.07180.pdf" in str(info.value) and "downloads are off" in str(info.value)


def test_download_fallback_order(pdf_server: str) -> None:
    entry = AwardEntry(title="t", award="best paper", links={"paper": f"{pdf_server}/paper.pdf"})
    got = _acquire(entry, download=True)
    assert got.source.endswith("/paper.pdf") and got.data.startswith(b"%PDF-")


def test_an_unreachable_host_fails_fast_afterwards() -> None:
    with pytest.raises(PdfUnavailable, match="cannot connect"):
        _dl("http://127.0.0.1:9/a.pdf")
    start = time.monotonic()
    with pytest.raises(PdfUnavailable, match="not retried within 5 minutes"):
        _dl("http://127.0.0.1:9/b.pdf", min_interval_s=5.0)  # no rate-limit wait either
    assert time.monotonic() - start < 1.0
