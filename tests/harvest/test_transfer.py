"""Requests bounded as a whole: a server that drips, an endless or inflating body, through the real clients.

The servers are real sockets on 127.0.0.1 that misbehave on purpose: headers or body one byte at a
time (each read well within the per-read timeout), a body past the cap, a gzip body that inflates.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import suppress

import pytest

from config.settings import HarvestSettings
from tasks.harvest.errors import PdfUnavailable
from tasks.harvest.http import ServiceClient, ServiceError
from tasks.harvest.pdf import download_pdf

DRIP_S = 0.2  # one byte this often: far inside any per-read timeout


class Misbehaving:
    """A TCP server on 127.0.0.1 answering every connection with one of the `mode`s below."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/page"
        self.closed = threading.Event()
        self.served = 0

    def __enter__(self) -> Misbehaving:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()
        self.sock.close()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        self.served += 1
        with suppress(OSError), conn:
            conn.recv(65536)
            if self.mode == "drip-headers":
                self._drip(
                    conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"X-Pad: " + b"a" * 10_000
                )
            elif self.mode == "drip-body":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n"
                )
                self._drip(conn, b"%PDF-1.4\n" + b"0" * 100_000)
            elif self.mode == "huge":  # no Content-Length: only counting stops it
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
                for _ in range(64):
                    conn.sendall(b"<p></p>" * 150_000)  # ~1 MB a time
            elif self.mode == "gzip":  # 3.5 MB of markup in a few KB
                body = gzip.compress(b"<p></p>" * 500_000, 9)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
                conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        for i in range(len(data)):
            if self.closed.wait(DRIP_S):
                return
            conn.sendall(data[i : i + 1])


@pytest.fixture
def client() -> Iterator[ServiceClient]:
    settings = HarvestSettings(timeout_s=1.0, max_page_mb=1.0)
    with ServiceClient("announcements", settings, retries=0) as c:
        yield c


@pytest.mark.parametrize("mode", ["drip-headers", "drip-body"])
def test_a_dripping_source_is_cut_at_the_request_deadline(client: ServiceClient, mode: str) -> None:
    with Misbehaving(mode) as server:
        started = time.monotonic()
        with pytest.raises(ServiceError) as info:
            client.get_conditional(server.url)
        took = time.monotonic() - started
    assert "no complete answer within 1 s" in str(info.value)
    assert "PAPERPANELS_HARVEST__TIMEOUT_S" in str(info.value)
    assert took < 10 * 1.0, (
        f"held for {took:.1f} s"
    )  # the deadline, not the drip, ends it (it drips for minutes)


def test_a_shorter_deadline_given_by_the_poll_wins(client: ServiceClient) -> None:
    with Misbehaving("drip-body") as server, pytest.raises(ServiceError, match="within 0.3 s"):
        client.get_conditional(server.url, deadline_s=0.3)


@pytest.mark.parametrize("mode", ["huge", "gzip"])
def test_a_page_past_the_byte_cap_is_not_read(client: ServiceClient, mode: str) -> None:
    with Misbehaving(mode) as server, pytest.raises(ServiceError) as info:
        client.get_conditional(server.url)
    assert "over the cap of 1,048,576 bytes" in str(info.value)
    assert "PAPERPANELS_HARVEST__MAX_PAGE_MB" in str(info.value)


def test_a_pdf_download_that_drips_is_cut_at_its_deadline() -> None:
    with (
        Misbehaving("drip-body") as server,
        pytest.raises(PdfUnavailable, match="no complete answer within 2 s"),
    ):
        download_pdf(
            server.url, timeout_s=0.2, max_bytes=1 << 20, user_agent="t", allowed_hosts=("127.0.0.1",)
        )
