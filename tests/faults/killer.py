"""Run the real `paperpanels` CLI with a fault injected at one point: `kill -9` of itself, a hang, a pause.

    python -m tests.faults.killer POINT ACTION -- digest fixtures-2020 --papers-dir ...

POINT is where (acquire, parse, summarize, comic, publish-begin: the release is planned from the
stage outcomes and nothing of it is written yet, publish: its objects and manifest are written, the
pointer not yet); ACTION is `kill` (SIGKILL this process the first time the point is reached, as a
crash or the OOM killer would), `hang` (block there, so that a test can send SIGTERM / SIGINT to a
run that is busy) or `pause` (block there until the file named by $FAULT_RESUME_FILE exists: a
second actor does its part meanwhile, deterministically). Only the function at the point is
wrapped; everything else is the real CLI, the real Prefect engine and the real store.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

POINTS: dict[str, tuple[str, str]] = {
    "acquire": ("tasks.harvest.pdf", "read_local_pdf"),
    "parse": ("tasks.parse.choice", "parse_with"),
    "summarize": ("tasks.summarize.extractive", "summarize_extractive"),
    "comic": ("tasks.comic.draw", "draw"),
    "publish-begin": ("tasks.publish.publisher", "publish_release"),
    "publish": ("tasks.publish.release", "publish_release"),  # see install(): before the pointer
}
ACTIONS = {"kill", "hang", "pause"}
_fired = threading.Event()


def _fault(action: str, point: str) -> None:
    if _fired.is_set():
        return
    _fired.set()
    sys.stderr.write(f"FAULT: {action} at {point} (pid {os.getpid()})\n")
    sys.stderr.flush()
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "pause":
        resume = os.environ["FAULT_RESUME_FILE"]
        while not os.path.exists(resume):
            time.sleep(0.05)
        return
    # hang: a stage that is busy when the signal comes, and that finishes once told to stop (as a
    # real stage finishes its page or its call); a second signal or the grace period ends it anyway.
    from flows.paper import STOP

    while not STOP.is_set():
        time.sleep(0.05)
    time.sleep(0.5)


def _wrap(point: str, action: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        _fault(action, point)
        return original(*args, **kwargs)

    return wrapped


def _before_pointer(point: str, action: str, swap: Callable[..., bool]) -> Callable[..., bool]:
    def patched(self: Any, key: str, data: bytes, expected: str | None) -> bool:
        if key.endswith("current.json"):
            _fault(action, point)
        return swap(self, key, data, expected)

    return patched


def install(point: str, action: str) -> None:
    import importlib

    if point == "publish":
        # Between the release's objects and the pointer: the moment a half-published digest
        # would be visible if the pointer were not written last.
        from tasks.store.local import LocalStore
        from tasks.store.s3 import S3Store

        for store_class in (LocalStore, S3Store):
            store_class.swap = _before_pointer(point, action, store_class.swap)  # type: ignore[method-assign]
        return
    # The module attribute, and every module that already imported the function by name; those
    # imported later bind the wrapped one.
    module_name, name = POINTS[point]
    original = getattr(importlib.import_module(module_name), name)
    wrapped = _wrap(point, action, original)
    for module in list(sys.modules.values()):
        if module is not None and getattr(module, name, None) is original:
            setattr(module, name, wrapped)


def main(argv: list[str]) -> None:
    point, action, separator, *cli = argv
    if separator != "--" or point not in POINTS or action not in ACTIONS:
        raise SystemExit(f"usage: killer POINT {sorted(ACTIONS)} -- CLI ARGS; points: {sorted(POINTS)}")
    install(point, action)
    from flows.cli import app

    sys.argv = ["paperpanels", *cli]
    app()


if __name__ == "__main__":
    main(sys.argv[1:])
