"""Safe downloads: private addresses refused (redirects re-checked), size caps, HTML error pages."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tasks.harvest.errors import PdfUnavailable
from tasks.harvest.pdf import PdfSource, check_host, download_pdf

TWO_GB = 2 * 1024**3
CAP = 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    pdf = b""

    def log_message(self, *args: object) -> None:
        pass

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        redirects = {
            "/to-private": "http://10.0.0.1/paper.pdf",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/to-localhost": "http://localhost/paper.pdf",
            "/loop": "/loop",
            "/hop": "/paper.pdf",
        }
        if self.path in redirects:
            self._redirect(redirects[self.path])
            return
        self.send_response(200)
        if self.path == "/huge.pdf":  # declares 2 GB, sends a few bytes
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(TWO_GB))
            self.end_headers()
            self.wfile.write(b"%PDF-1.7\n")
        elif self.path == "/endless.pdf":  # no Content-Length: only the streaming cap stops it
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()
            self.wfile.write(b"%PDF-1.7\n" + b"0" * (3 * CAP))
        elif self.path == "/error.pdf":
            body = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(self.pdf)))
            self.end_headers()
            self.wfile.write(self.pdf)


@pytest.fixture
def server(fixture_pdfs: dict[str, Path]) -> Iterator[str]:
    handler = type("H", (_Handler,), {"pdf": fixture_pdfs["futoma2017"].read_bytes()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _dl(url: str, max_bytes: int = 20 * CAP, allowed: tuple[str, ...] = ("127.0.0.1",)) -> bytes:
    return download_pdf(
        url, timeout_s=5.0, max_bytes=max_bytes, user_agent="t", allowed_hosts=allowed, allow_private=False
    )


def test_allowed_host_with_a_checked_redirect(server: str, fixture_pdfs: dict[str, Path]) -> None:
    data = _dl(f"{server}/hop")
    assert data == fixture_pdfs["futoma2017"].read_bytes()
    assert PdfSource(data, "x").sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/paper.pdf",
        "http://localhost/paper.pdf",
        "http://[::1]/paper.pdf",
        "http://metadata.google.internal/computeMetadata/v1/",
        "ftp://example.org/paper.pdf",
    ],
)
def test_private_loopback_link_local_and_metadata_are_refused(url: str) -> None:
    with pytest.raises(PdfUnavailable, match="refused|only http"):
        check_host(url, allowed_hosts=[], allow_private=False)


def test_loopback_is_refused_unless_allowed(server: str) -> None:
    with pytest.raises(PdfUnavailable, match="non-public address 127.0.0.1"):
        _dl(f"{server}/paper.pdf", allowed=())


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata", "/to-localhost"])
def test_a_redirect_to_a_private_address_is_refused(server: str, path: str) -> None:
    with pytest.raises(PdfUnavailable, match="refused"):
        _dl(f"{server}{path}")


def test_a_redirect_loop_stops_after_five(server: str) -> None:
    with pytest.raises(PdfUnavailable, match="more than 5 redirects"):
        _dl(f"{server}/loop")


def test_a_2gb_pdf_is_refused_by_length_and_by_streaming(server: str) -> None:
    with pytest.raises(PdfUnavailable, match=f"{TWO_GB} bytes is over"):
        _dl(f"{server}/huge.pdf")
    with pytest.raises(PdfUnavailable, match="more than 1048576 bytes"):
        _dl(f"{server}/endless.pdf", max_bytes=CAP)


def test_an_html_error_page_is_not_a_pdf(server: str) -> None:
    with pytest.raises(PdfUnavailable, match="'text/html', not a PDF"):
        _dl(f"{server}/error.pdf")


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("http://[64:ff9b::a9fe:a9fe]/", "link-local 169.254.169.254"),  # NAT64 well-known prefix
        ("http://[2002:a9fe:a9fe::]/", "link-local 169.254.169.254"),  # 6to4
        ("http://[::ffff:169.254.169.254]/", "link-local 169.254.169.254"),  # IPv4-mapped
        ("http://[::ffff:0:a9fe:a9fe]/", "link-local 169.254.169.254"),  # IPv4-translated
        ("http://[::169.254.169.254]/", "link-local 169.254.169.254"),  # IPv4-compatible
        ("http://[2001:0:4136:e378:8000:63bf:5601:5601]/", "link-local 169.254.169.254"),  # Teredo client
        ("http://[2001:0:a00:1:8000:63bf:3fff:fdd2]/", "private 10.0.0.1"),  # Teredo server
        ("http://[64:ff9b:1::a9fe:a9fe]/", "local-use NAT64 prefix"),
        ("http://[2002:7f00:1::]/", "loopback 127.0.0.1"),
        ("http://0x7f000001/", "loopback"),
        ("http://2130706433/", "loopback"),
        ("http://127.1/", "loopback"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://0.0.0.0/", "unspecified"),
    ],
)
def test_addresses_are_judged_not_their_spelling(url: str, inside: str) -> None:
    with pytest.raises(PdfUnavailable, match="refused") as info:
        check_host(url, allowed_hosts=[], allow_private=False)
    assert inside in str(info.value)


@pytest.mark.parametrize(
    "url",
    ["http://[2002:808:808::]/", "http://[64:ff9b::808:808]/", "http://[::ffff:8.8.8.8]/", "http://8.8.8.8/"],
)
def test_public_addresses_inside_ipv6_forms_pass(url: str) -> None:
    check_host(url, allowed_hosts=[], allow_private=False)  # 8.8.8.8 inside: no exception
