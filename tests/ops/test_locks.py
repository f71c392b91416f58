"""Stage locks: a dead holder releases its lock at once, a live one renews it, waits say who holds it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from flows.runtime.locks import LeasedFileLocks
from tasks.holders import me

KEY = "paperpanels-parse-abc123"
ROOT = Path(__file__).resolve().parents[2]


def _hold_in_child(directory: Path, lease_s: float) -> subprocess.Popen[str]:
    """Another process takes the lock and keeps it (renewing it) until it is killed."""
    code = (
        "import sys, time; from pathlib import Path; from flows.runtime.locks import LeasedFileLocks;"
        f"m = LeasedFileLocks(Path({str(directory)!r}), lease_s={lease_s});"
        f"assert m.acquire_lock({KEY!r}, 'child'); print('held', flush=True); time.sleep(600)"
    )
    # cwd: this source tree's modules come first, whatever the installed package points at.
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def test_a_killed_holder_releases_its_lock_at_once(tmp_path: Path) -> None:
    child = _hold_in_child(tmp_path, lease_s=600)
    locks = LeasedFileLocks(tmp_path, lease_s=600)
    assert locks.is_locked(KEY)
    assert not locks.acquire_lock(KEY, "me", acquire_timeout=0.5)  # alive: it waits
    child.kill()
    child.wait()
    started = time.monotonic()
    assert locks.acquire_lock(KEY, "me", acquire_timeout=5)
    assert time.monotonic() - started < 1  # not the 600 s lease
    assert locks.is_lock_holder(KEY, "me")
    locks.release_lock(KEY, "me")
    assert not locks.is_locked(KEY)


def test_a_live_holder_renews_its_lease(tmp_path: Path) -> None:
    child = _hold_in_child(tmp_path, lease_s=1.5)
    try:
        time.sleep(3)  # two leases: still held, because the holder renews it
        assert LeasedFileLocks(tmp_path, lease_s=1.5).is_locked(KEY)
    finally:
        child.kill()
        child.wait()


def test_a_lease_from_another_machine_runs_out(tmp_path: Path) -> None:
    lock = tmp_path / f"{KEY}.lock"
    lock.write_text(
        json.dumps({"holder": "far", "host": "other-host", "pid": 1, "lease_until": time.time() - 1})
    )
    locks = LeasedFileLocks(tmp_path)
    assert not locks.is_locked(KEY)
    assert locks.acquire_lock(KEY, "me", acquire_timeout=1)
    locks.release_lock(KEY, "me")


def test_a_wait_names_the_holder(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = LeasedFileLocks(tmp_path)
    assert first.acquire_lock(KEY, "first")
    second = LeasedFileLocks(tmp_path)
    releaser = threading.Timer(0.5, first.release_lock, args=(KEY, "first"))
    releaser.start()
    with caplog.at_level(logging.WARNING, logger="paperpanels.locks"):
        assert second.acquire_lock(KEY, "second", acquire_timeout=5)
    assert any("held by process" in r.getMessage() and "s left" in r.getMessage() for r in caplog.records)
    with pytest.raises(ValueError):
        second.release_lock(KEY, "first")
    second.release_lock(KEY, "second")


def test_an_empty_lock_file_is_stale_after_one_lease(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A holder that crashed before its lock file reached the disk: an empty file, no holder named.
    lock = tmp_path / f"{KEY}.lock"
    lock.write_bytes(b"")
    locks = LeasedFileLocks(tmp_path, lease_s=1.0)
    assert locks.is_locked(KEY)  # fresh: it may be being written right now
    with caplog.at_level(logging.WARNING, logger="paperpanels.locks"):
        assert locks.acquire_lock(KEY, "me", acquire_timeout=10)  # one lease, not for ever
    messages = [r.getMessage() for r in caplog.records]
    assert any("empty lock file, stale in" in m for m in messages), messages
    assert any("released: its lock file has been empty or unreadable" in m for m in messages), messages
    locks.release_lock(KEY, "me")


def test_an_old_empty_lock_file_is_taken_at_once(tmp_path: Path) -> None:
    lock = tmp_path / f"{KEY}.lock"
    lock.write_bytes(b"")
    old = time.time() - 3600
    os.utime(lock, (old, old))
    locks = LeasedFileLocks(tmp_path, lease_s=30)
    assert locks.acquire_lock(KEY, "me", acquire_timeout=0.5)
    locks.release_lock(KEY, "me")


def test_a_renewal_never_brings_back_a_lock_released_beside_it(tmp_path: Path) -> None:
    # The renewal reads the lock file, then writes it again. A release landing between the two once
    # had its file written back: a lock naming a live process, that nothing would ever release.
    locks = LeasedFileLocks(tmp_path, lease_s=600)
    assert locks.acquire_lock(KEY, "stage")
    released = threading.Event()

    def release() -> None:
        locks.release_lock(KEY, "stage")
        released.set()

    releaser = threading.Thread(target=release)
    read = locks._info
    calls: list[str] = []

    def read_then_let_the_release_in(key: str) -> dict[str, Any] | None:
        info = read(key)
        if threading.current_thread() is threading.main_thread() and not calls:
            calls.append(key)
            releaser.start()
            released.wait(1)  # it cannot finish while a renewal is under way
        return info

    locks._info = read_then_let_the_release_in  # type: ignore[method-assign]
    locks.renew()
    releaser.join(10)
    assert calls == [KEY], "the renewal did not read the lock: nothing was tested"
    assert released.is_set()
    assert not (tmp_path / f"{KEY}.lock").exists()
    after = LeasedFileLocks(tmp_path)
    assert after.acquire_lock(KEY, "next", acquire_timeout=0.5)
    after.release_lock(KEY, "next")


def test_a_lock_file_naming_this_process_that_it_does_not_hold_is_a_leftover(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # This process is alive, but it knows what it holds: a lock file naming it, not in its table,
    # is taken over at once instead of being waited for as long as the process lives.
    (tmp_path / f"{KEY}.lock").write_text(json.dumps(me(600, holder="a finished stage")))
    locks = LeasedFileLocks(tmp_path, lease_s=600)
    with caplog.at_level(logging.WARNING, logger="paperpanels.locks"):
        assert locks.acquire_lock(KEY, "next", acquire_timeout=0.5)
    assert any("names this process, which does not hold it" in r.getMessage() for r in caplog.records)
    # What it does hold stays held, for another manager of the folder in this process too.
    assert LeasedFileLocks(tmp_path, lease_s=600).is_locked(KEY)
    assert not LeasedFileLocks(tmp_path).acquire_lock(KEY, "other", acquire_timeout=0.3)
    locks.release_lock(KEY, "next")


def test_a_transaction_that_found_the_cache_and_then_raised_frees_its_lock(tmp_path: Path) -> None:
    """A stage's transaction that finds its cached result, then raises (reading that result failed:
    S3 answering the second GET with an error, a result written by another version) is rolled back,
    and Prefect's rollback skips a transaction that found the cache: its lock was never released. The
    holder, this very process, lives on, so the retry of the stage waited for it for ever."""
    from prefect.results import ResultStore
    from prefect.transactions import IsolationLevel, transaction

    from flows.paper import lock_manager

    locks = lock_manager("file", lease_s=30)  # as a digest's stages get it
    store = ResultStore(lock_manager=locks, result_storage=_local_storage(tmp_path / "results"))
    serializable = {"store": store, "isolation_level": IsolationLevel.SERIALIZABLE}
    key = f"stage-{tmp_path.name}"
    with transaction(key=key, **serializable) as first:
        first.stage(42)
    assert store.exists(key) and not locks.is_locked(key)
    with pytest.raises(OSError, match="second GET"), transaction(key=key, **serializable) as hit:
        assert hit.is_committed()  # the cached result was found ...
        raise OSError("the second GET failed")  # ... and reading it failed
    assert not locks.is_locked(key), "the lock outlived its transaction"
    with transaction(key=key, **serializable) as retry:  # took for ever before
        assert retry.is_committed() and retry.read() is not None


def _local_storage(path: Path) -> Any:
    from prefect.filesystems import LocalFileSystem

    return LocalFileSystem(basepath=str(path))
