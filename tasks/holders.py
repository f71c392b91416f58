"""Who holds something (a stage lock, a release being written), and whether that holder still lives.

A holder is named by its host, its pid and the start time of that process (from /proc), so a pid
reused by a new process is not mistaken for the old holder. On the same host a dead holder is
known at once; on another host only its lease (a time it promised to renew by) can say so.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any


def process_start(pid: int) -> str | None:
    """The start time of a process (clock ticks since boot, from /proc), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return "unknown"
    # Field 22, counted after the command name, which may itself contain spaces and parentheses.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else "unknown"


def alive(pid: int, started: str | None) -> bool:
    """True while the process `pid` that started at `started` runs (unknown start: the pid alone)."""
    now = process_start(pid)
    if now is None:
        return False
    return started in (None, "unknown") or now in ("unknown", started)


HOST = socket.gethostname()


def me(lease_s: float, **extra: Any) -> dict[str, Any]:
    """This process as a holder: host, pid, its start time, since when, and its lease."""
    pid = os.getpid()  # read each time: a forked worker is a holder of its own
    now = time.time()
    return {
        "host": HOST,
        "pid": pid,
        "started": process_start(pid),
        "since": now,
        "lease_until": now + lease_s,
        **extra,
    }


def gone(info: dict[str, Any], now: float | None = None) -> str | None:
    """Why the holder `info` (as `me` wrote it) no longer holds anything, None if it may still.

    Same host: its process is gone. Another host: its lease ran out (it stopped renewing).
    """
    now = time.time() if now is None else now
    pid = info.get("pid")
    if info.get("host") == HOST and isinstance(pid, int) and pid > 0:
        if not alive(pid, info.get("started")):
            return f"its holder, process {pid}, is gone"
        return None
    if float(info.get("lease_until", 0)) < now:
        return f"its lease from {info.get('host')} ran out (the holder stopped renewing it)"
    return None


def describe(info: dict[str, Any], now: float | None = None) -> str:
    """`process 123 on host-a, lease 12 s left`: whom a waiter waits for, and how long at most."""
    now = time.time() if now is None else now
    left = float(info.get("lease_until", now)) - now
    return f"process {info.get('pid')} on {info.get('host')}, lease {max(left, 0.0):.0f} s left"
