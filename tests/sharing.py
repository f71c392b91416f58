"""Things a test run makes once for all its pytest-xdist workers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], object]) -> Path:
    """A folder made once per test run and shared by every pytest-xdist worker: `make(folder)` runs in
    the first worker to get here, under a file lock; the others wait for it and reuse it."""
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    folder = shared / f"made-once-{name}"
    with FileLock(str(shared / f"made-once-{name}.lock")):
        if not (folder / ".done").is_file():
            make(folder)
            (folder / ".done").touch()
    return folder


def migrated_prefect_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Prefect database with every migration applied: a server on a fresh SQLite file spends ~6 of
    its ~10 s start-up migrating; on a copy of this one it is healthy in ~4 s."""
    from tests.ops.stack import migrate_prefect_db

    return made_once(tmp_path_factory, "prefect-db", migrate_prefect_db) / "prefect.db"
