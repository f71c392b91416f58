"""Things a test run makes once for all its pytest-xdist workers."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

# The end-to-end tests that are several busy processes at once (a Prefect server, `serve` or the CLI,
# flow-run processes): one worker runs them one after another. Side by side on 2 cores each took about
# twice its time alone (measured: 36 s alone, 64-77 s with two more beside it); their cost (CPU
# seconds, what the suite's limit checks: tests/timing.py) is the same either way.
HEAVY_E2E = pytest.mark.xdist_group("heavy-e2e")


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
    its ~10 s start-up migrating; on a copy of this one it is healthy in ~4 s.

    Kept between test runs in the user's cache (as axe-core is), keyed by the installed Prefect's
    version and migration scripts: only the first run on a machine, or after an upgrade, migrates.
    Every server still gets a copy of its own."""
    from tests.ops.stack import migrate_prefect_db

    cached = cache_root() / f"prefect-db-{_prefect_migrations_key()}"

    def make(folder: Path) -> None:
        if not (cached / "prefect.db").is_file():
            built = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
            shutil.rmtree(built, ignore_errors=True)
            migrate_prefect_db(built)
            try:
                built.replace(cached)
            except OSError:  # another test run on this machine cached it first
                shutil.rmtree(built, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached / "prefect.db", folder / "prefect.db")

    return made_once(tmp_path_factory, "prefect-db", make) / "prefect.db"


def cache_root() -> Path:
    """What tests keep between runs on this machine (never committed): axe-core, a migrated database."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "paperpanels-tests"


def _prefect_migrations_key() -> str:
    """Prefect's version and a hash of its SQLite migration scripts (names and contents)."""
    import hashlib

    import prefect
    import prefect.server.database as database

    digest = hashlib.sha256()
    scripts = Path(database.__file__).parent / "_migrations" / "versions" / "sqlite"
    for script in sorted(scripts.glob("*.py")):
        digest.update(script.name.encode() + script.read_bytes())
    return f"{prefect.__version__}-{digest.hexdigest()[:16]}"
