"""One HTTP GET under an overall deadline and a byte cap: a slow drip or an endless body holds nothing.

httpx's timeouts bound each socket operation, not the request: a server that sends one byte every
half second never trips a 5 s read timeout and can hold a worker for hours, headers included. Here
a watchdog shuts the request's socket down when the deadline passes, wherever the request is (the
socket is caught as httpx opens it, through httpcore's trace hook; keep-alive is off on the clients
that use this, so every request opens its own), and the body is counted as it arrives and dropped
past the cap. Both end with an error that says which limit, and its setting.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

# The connection's network stream, as httpcore reports it once it is open (plain, then TLS).
_OPENED = ("connection.connect_tcp.complete", "connection.start_tls.complete")


class DeadlineExceeded(Exception):
    """The request took longer than its overall deadline and was cut off."""

    def __init__(self, url: str, deadline_s: float) -> None:
        super().__init__(f"{url}: no complete answer within {deadline_s:g} s (the request's deadline)")
        self.deadline_s = deadline_s


class BodyTooLarge(Exception):
    """The body passed the byte cap; reading stopped there."""

    def __init__(self, url: str, cap: int, declared: int | None = None) -> None:
        said = f"declares {declared:,} bytes" if declared is not None else f"sent more than {cap:,} bytes"
        super().__init__(f"{url}: {said}, over the cap of {cap:,} bytes: not read")
        self.cap = cap


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: httpx.Headers
    body: bytes
    url: str  # the final URL (after redirects httpx followed)


class Watchdog:
    """Shuts the sockets of one request down when its deadline passes."""

    def __init__(self, deadline_s: float) -> None:
        self.deadline_s = deadline_s
        self.fired = False
        self._lock = threading.Lock()
        self._streams: list[Any] = []
        self._timer = threading.Timer(deadline_s, self.fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self.started = time.monotonic()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's trace hook: remember each stream the request opens."""
        if event not in _OPENED or info.get("return_value") is None:
            return
        with self._lock:
            self._streams.append(info["return_value"])
            if self.fired:
                _shut(info["return_value"])

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            for stream in self._streams:
                _shut(stream)

    def expired(self) -> bool:
        return self.fired or time.monotonic() - self.started > self.deadline_s


def _shut(stream: Any) -> None:
    sock = stream.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def bounded_get(
    client: httpx.Client,
    url: str,
    *,
    deadline_s: float,
    max_bytes: int,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """GET url: the whole exchange within deadline_s, at most max_bytes of (decoded) body.

    Raises DeadlineExceeded or BodyTooLarge, and httpx's own errors for everything else.
    """
    with Watchdog(deadline_s) as watchdog:
        try:
            with client.stream(
                "GET", url, params=params, headers=headers, extensions={"trace": watchdog.trace}
            ) as response:
                declared = int(response.headers.get("content-length") or 0)
                if declared > max_bytes and "content-encoding" not in response.headers:
                    raise BodyTooLarge(url, max_bytes, declared)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise BodyTooLarge(url, max_bytes)
                    if watchdog.expired():
                        raise DeadlineExceeded(url, deadline_s)
                    chunks.append(chunk)
                return Fetched(response.status_code, response.headers, b"".join(chunks), str(response.url))
        except httpx.HTTPError as exc:
            if watchdog.fired:  # the watchdog's shutdown is what broke the connection
                raise DeadlineExceeded(url, deadline_s) from exc
            raise
