"""Stage locks that a dead holder cannot keep: identical stage runs wait for each other, briefly.

Prefect holds a lock per cache key while a SERIALIZABLE task computes, so two runs of the same
stage compute it once. Prefect's file lock manager trusts an expiry time alone: a run killed with
`kill -9` kept its locks for `lock_hold_s` (30 minutes), and the next run waited silently. Here a
lock file names its holder (host, pid, the process's start time: tasks/holders.py) and carries a
short lease that a live holder renews in the background. A waiter breaks the lock as soon as the
holder is known dead (same host: the pid is gone or belongs to another process now) or its lease
ran out (another host, no renewal), and says whom it waits for and for how long at most while it
waits. A lock file that cannot be read (empty: a holder that crashed before its write reached the
disk; ours are written whole, then linked) is stale once it is a lease old. The same rules in
Redis: flows/runtime/redis_locks.py.

A process knows which locks it holds (one table for every manager in it, `_HELD`), so a lock file
that names this very process but is not in that table is a leftover, taken over at once: a live
process is otherwise never given up on. The renewal and the release of a lock take the table's
mutex, so a renewal cannot write back a file that a release has just removed (it once did: the
released lock stayed, naming a process that lived on, and the next identical stage waited for ever).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
import uuid
import weakref
from contextlib import suppress
from pathlib import Path
from typing import Any

from tasks.holders import HOST, describe, gone, me, process_start

log = logging.getLogger("paperpanels.locks")

POLL_S = 0.1
LOG_EVERY_S = 15.0

# The lock files this process holds (path -> holder, lease), for all its managers; changed, and
# renewed from, only under _MUTEX (module doc).
_HELD: dict[Path, tuple[str, float]] = {}
_MUTEX = threading.Lock()


def _forget_after_fork() -> None:
    # A forked child holds none of its parent's locks, and must not inherit a mutex taken mid-fork.
    global _MUTEX
    _MUTEX = threading.Lock()
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def drop_held() -> list[Path]:
    """Release every lock this process holds (for a check that none is left); the lock files."""
    with _MUTEX:
        left = list(_HELD)
        _HELD.clear()
    for path in left:
        path.unlink(missing_ok=True)
    return left


@functools.lru_cache(maxsize=4)
def _start_of(pid: int) -> str | None:
    return process_start(pid)  # a process's start never changes: read /proc once (waits poll 10x/s)


def _names_this_process(info: dict[str, Any]) -> bool:
    pid = os.getpid()  # read each time: a forked child is another process
    return info.get("host") == HOST and info.get("pid") == pid and info.get("started") == _start_of(pid)


class LeasedFileLocks:
    """Prefect LockManager over lock files with holder liveness and a renewed lease."""

    def __init__(self, directory: Path, lease_s: float = 30.0) -> None:
        self.directory = directory.expanduser().resolve()
        self.lease_s = lease_s
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        weakref.finalize(self, self._stop.set)

    def __reduce__(self) -> tuple[Any, tuple[str, float]]:
        # A stage task sent to a worker process carries its lock manager: there it is that
        # process's own manager of the same folder (its own holder id, mutex and renewer).
        return (shared_file_locks, (str(self.directory), self.lease_s))

    # -- files

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.lock"

    def _info(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            body = b""
        try:
            return dict(json.loads(body))
        except (ValueError, TypeError):
            # Unreadable since its last write: once a lease old, nobody holds it.
            try:
                written = path.stat().st_mtime
            except FileNotFoundError:
                return None
            return {"holder": "?", "host": "?", "pid": None, "unreadable": True, "since": written}

    def _write(self, key: str, holder: str, exclusive: bool, lease_s: float | None = None) -> bool:
        self.directory.mkdir(parents=True, exist_ok=True)
        body = json.dumps(me(lease_s or self.lease_s, holder=holder)).encode()
        tmp = self.directory / f".{key}.{uuid.uuid4().hex}.tmp"
        tmp.write_bytes(body)
        try:
            if exclusive:
                try:
                    os.link(tmp, self._path(key))  # atomic create-if-absent, complete content
                except FileExistsError:
                    return False
            else:
                os.replace(tmp, self._path(key))
        finally:
            tmp.unlink(missing_ok=True)
        return True

    def _dead_reason(self, key: str, info: dict[str, Any]) -> str | None:
        """Why the lock's holder no longer holds it, or None if it may still be working."""
        if info.get("unreadable"):
            age = time.time() - float(info["since"])
            if age < self.lease_s:
                return None
            return f"its lock file has been empty or unreadable for {age:.0f} s (a holder crashed writing it)"
        if _names_this_process(info):
            with _MUTEX:
                ours = _HELD.get(self._path(key), ("", 0.0))[0]
            if ours != info.get("holder"):
                return "it names this process, which does not hold it (a leftover)"
            return None
        return gone(info)

    def _break(self, key: str, info: dict[str, Any], why: str) -> None:
        # Rename first: of several waiters breaking the same lock, exactly one succeeds.
        tomb = self.directory / f".{key}.{uuid.uuid4().hex}.broken"
        try:
            os.rename(self._path(key), tomb)
        except FileNotFoundError:
            return
        now = self._info_of(tomb)
        same = not now if info.get("unreadable") else now.get("holder") == info.get("holder")
        if not same:
            # A new holder took it between our read and the rename: give it back.
            with suppress(FileExistsError):
                os.link(tomb, self._path(key))
        else:
            log.warning("stage lock %s released: %s", key[:24], why)
        tomb.unlink(missing_ok=True)

    @staticmethod
    def _info_of(path: Path) -> dict[str, Any]:
        try:
            return dict(json.loads(path.read_bytes()))
        except (OSError, ValueError, TypeError):
            return {}

    # -- renewal

    def _ensure_renewer(self) -> None:
        if self._renewer is not None and self._renewer.is_alive():
            return
        self._renewer = threading.Thread(target=self._renew_loop, name="paperpanels-lock-lease", daemon=True)
        self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            self.renew()

    def renew(self) -> None:
        """Extend the lease of every lock of this folder that this process holds."""
        # Under the mutex: a release between the read and the write would otherwise be undone.
        with _MUTEX:
            for path, (holder, lease_s) in list(_HELD.items()):
                if path.parent != self.directory:
                    continue
                key = path.name.removesuffix(".lock")
                info = self._info(key)
                if info and info.get("holder") == holder:
                    self._write(key, holder, exclusive=False, lease_s=lease_s)

    # -- the LockManager protocol

    def acquire_lock(
        self, key: str, holder: str, acquire_timeout: float | None = None, hold_timeout: float | None = None
    ) -> bool:
        deadline = None if acquire_timeout is None else time.monotonic() + acquire_timeout
        while True:
            with _MUTEX:  # written and entered together: nobody sees this file as a leftover
                taken = self._write(key, holder, exclusive=True)
                if taken:
                    _HELD[self._path(key)] = (holder, self.lease_s)
            if taken:
                self._ensure_renewer()
                return True
            info = self._info(key)
            if info is not None and info.get("holder") == holder:
                return True
            if info is not None and (why := self._dead_reason(key, info)):
                self._break(key, info, why)
                continue
            if not self.wait_for_lock(
                key, None if deadline is None else max(0.0, deadline - time.monotonic())
            ):
                return False

    async def aacquire_lock(
        self, key: str, holder: str, acquire_timeout: float | None = None, hold_timeout: float | None = None
    ) -> bool:
        import anyio

        return await anyio.to_thread.run_sync(self.acquire_lock, key, holder, acquire_timeout, hold_timeout)

    def release_lock(self, key: str, holder: str) -> None:
        with _MUTEX:  # not between a renewal's read and its write
            info = self._info(key)
            if info is None or info.get("holder") != holder:
                raise ValueError(f"No lock held by {holder} for transaction with key {key}")
            _HELD.pop(self._path(key), None)
            self._path(key).unlink(missing_ok=True)

    def is_locked(self, key: str, use_cache: bool = False) -> bool:
        info = self._info(key)
        if info is None:
            return False
        if why := self._dead_reason(key, info):
            self._break(key, info, why)
            return False
        return True

    def is_lock_holder(self, key: str, holder: str) -> bool:
        info = self._info(key)
        return info is not None and info.get("holder") == holder

    def _whom(self, key: str) -> str:
        info = self._info(key) or {}
        if info.get("unreadable"):
            left = self.lease_s - (time.time() - float(info["since"]))
            return f"nobody readable (an empty lock file, stale in {max(left, 0):.0f} s)"
        return describe(info)

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        return wait_logged(self.is_locked, self._whom, key, timeout)

    async def await_for_lock(self, key: str, timeout: float | None = None) -> bool:
        import anyio

        return await anyio.to_thread.run_sync(self.wait_for_lock, key, timeout)


@functools.cache
def release_after_a_failed_hit() -> None:
    """Mend Prefect's transactions, once per process: one that found its cached result and then raised
    (reading that result failed: S3 answered the second GET with an error, or the result was written by
    another version) kept its lock, because `Transaction.rollback` returns at once for a transaction
    in the COMMITTED state, before the release in its `finally`. The holder is this live process, so
    the stage's retry, and every later identical stage, waited for ever. Such a transaction now
    releases its lock on the way out (tests/ops/test_locks.py shows the leak without this)."""
    from prefect.transactions import IsolationLevel, Transaction, TransactionState

    prefect_exit = Transaction.__exit__

    def __exit__(self: Transaction, *exc_info: Any) -> None:
        try:
            prefect_exit(self, *exc_info)
        finally:
            store, key = self.store, self.key
            if (
                exc_info[0] is not None
                and self.state == TransactionState.COMMITTED
                and self.isolation_level == IsolationLevel.SERIALIZABLE
                and store is not None
                and key
                and store.is_lock_holder(key, self._holder)
            ):
                store.release_lock(key, holder=self._holder)

    Transaction.__exit__ = __exit__  # type: ignore[method-assign]


def wait_logged(
    is_locked: Any, whom: Any, key: str, timeout: float | None, log_every_s: float = LOG_EVERY_S
) -> bool:
    """Poll until the lock is free (True) or timeout (False), naming its holder every log_every_s."""
    started = time.monotonic()
    logged = -log_every_s
    while is_locked(key):
        waited = time.monotonic() - started
        if timeout is not None and waited >= timeout:
            return False
        if waited - logged >= log_every_s:
            log.warning("waiting for stage lock %s held by %s (%.0f s so far)", key[:24], whom(key), waited)
            logged = waited
        time.sleep(POLL_S)
    return True


@functools.lru_cache(maxsize=8)
def shared_file_locks(directory: str, lease_s: float) -> LeasedFileLocks:
    """This process's one manager of the lock files in `directory`."""
    return LeasedFileLocks(Path(directory), lease_s=lease_s)
