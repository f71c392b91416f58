"""A store method wrapped to show its calls overlap: how many ran at once, and the first two meet at a
barrier (called one at a time, the first waits for the second until the barrier breaks: the test fails
with BrokenBarrierError instead of passing slowly)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class InFlight:
    def __init__(self, call: Callable[..., Any], timeout: float = 30.0) -> None:
        self.call = call
        self.meet = threading.Barrier(2, timeout=timeout)
        self.lock = threading.Lock()
        self.now = self.most = self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.now += 1
            self.calls += 1
            self.most = max(self.most, self.now)
            first_two = self.calls <= 2
        try:
            if first_two:
                self.meet.wait()
            return self.call(*args, **kwargs)
        finally:
            with self.lock:
                self.now -= 1
