"""Being polite to hosts, per process: one request per interval to a rate-limited host (arXiv asks
one every 3 s), and no request for a while to a host that refused a connection (offline, or down).

Both are shared by every thread of the process; downloads (tasks/harvest/pdf.py) and API lookups
(tasks/harvest/http.py) use them. A request waiting for its host's slot stops waiting when the host
refuses another request meanwhile: an offline run's papers fail together, not one slot apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlparse


class HostRateLimiter:
    """At most one request per `interval` seconds per host, shared by every thread of the process."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._next_slot: dict[str, float] = {}

    def wait(self, host: str, interval: float, gone: Callable[[], str | None] = lambda: None) -> str | None:
        """Wait for the host's next slot; or, as soon as `gone` gives a reason (the host refused a
        connection meanwhile: wake() was called), stop waiting and return that reason."""
        with self._changed:
            slot = max(time.monotonic(), self._next_slot.get(host, 0.0))
            self._next_slot[host] = slot + interval
            while (left := slot - time.monotonic()) > 0 and gone() is None:
                self._changed.wait(left)
        return gone()

    def forget(self) -> None:
        with self._changed:
            self._next_slot.clear()

    def wake(self) -> None:
        """Tell the waiting requests to look again whether their host is still worth a request."""
        with self._changed:
            self._changed.notify_all()


RATE_LIMITER = HostRateLimiter()


class UnreachableHosts:
    """Hosts that refused a connection recently: offline runs fail fast instead of queueing (the
    requests already waiting for the host's rate-limit slot stop waiting too)."""

    def __init__(self, ttl_s: float = 300.0) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, str]] = {}

    def mark(self, host: str, reason: str) -> None:
        with self._lock:
            self._seen[host] = (time.monotonic(), reason)
        RATE_LIMITER.wake()

    def forget(self) -> None:
        with self._lock:
            self._seen.clear()

    def reason(self, host: str) -> str | None:
        with self._lock:
            seen = self._seen.get(host)
            if seen is None or time.monotonic() - seen[0] > self.ttl_s:
                return None
            return seen[1]


UNREACHABLE = UnreachableHosts()


def take_turn(url: str, interval_s: float) -> str | None:
    """Wait for the turn of `url`'s host (one request per `interval_s`; 0: no wait). Why the request
    must not be made after all, or None: its host refused a connection recently, before the wait or
    during it (the wait then ends at once)."""
    if (why := refused_recently(url)) is not None or interval_s <= 0:
        return why
    return RATE_LIMITER.wait(urlparse(url).hostname or "", interval_s, lambda: refused_recently(url))


def refused_recently(url: str) -> str | None:
    """ "cannot connect (<the refusal>; not retried within 5 minutes)" if `url`'s host refused a
    connection within UNREACHABLE's memory, else None."""
    reason = UNREACHABLE.reason(urlparse(url).netloc)
    if reason is None:
        return None
    return f"cannot connect ({reason}; not retried within {UNREACHABLE.ttl_s / 60:g} minutes)"


def refused(url: str, error: Exception) -> None:
    """Remember that `url`'s host refused a connection (and wake the requests waiting for it)."""
    UNREACHABLE.mark(urlparse(url).netloc, str(error))
