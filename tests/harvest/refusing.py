"""Requests queued for a refusing host's rate-limit slot: they must all end with the first refusal."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

REFUSING = "127.0.0.1:9"  # nothing listens on the discard port here: every connection is refused
INTERVAL_S = 5.0  # the rate limit the requests queue for: four of them span 15 s of slots


def fail_together(request: Callable[[], object], error: type[Exception], requests: int = 4) -> None:
    """Send `request` from `requests` threads at once (each queues for a slot INTERVAL_S apart) and
    check that all fail within one interval, with one connection attempted."""
    errors: list[str] = []

    def one() -> None:
        try:
            request()
        except error as exc:
            errors.append(str(exc))

    started = time.monotonic()
    threads = [threading.Thread(target=one) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(errors) == requests and all("cannot connect" in e for e in errors), errors
    refused_earlier = sum("not retried within 5 minutes" in e for e in errors)
    assert refused_earlier == requests - 1, errors  # one request was made
    assert time.monotonic() - started < INTERVAL_S  # the last slot was 15 s away
