"""A TCP server on 127.0.0.1 that misbehaves on purpose: it drips, never ends, or inflates.

Each read it allows is well within any per-read timeout; only a deadline on the whole request, or
a cap on the bytes read, stops a client.
"""

from __future__ import annotations

import gzip
import socket
import threading
from contextlib import suppress

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
                # An awards page that names the year (so a reader reads it), then 64 MB of markup.
                years = " ".join(str(y) for y in range(2020, 2031))
                conn.sendall(f"<html><body><h1>Best Paper Awards</h1><p>{years}</p>".encode())
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
