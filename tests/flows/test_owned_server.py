"""The CLI's temporary Prefect server skips registering block types once its database holds them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL, PREFECT_HOME, temporary_settings

from flows.cli.runtime import _blocks_registered, _note_blocks_registered


def _database(path: Path, block_types: int) -> None:
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE block_type (id TEXT)")
        db.executemany("INSERT INTO block_type VALUES (?)", [(str(i),) for i in range(block_types)])
    db.close()


def test_the_block_types_note_follows_the_database_and_the_installed_integrations(tmp_path: Path) -> None:
    db = tmp_path / "prefect.db"
    url = f"sqlite+aiosqlite:///{db}"
    with temporary_settings(updates={PREFECT_HOME: tmp_path, PREFECT_API_DATABASE_CONNECTION_URL: url}):
        assert not _blocks_registered()  # no database yet: a first start registers them
        _database(db, 0)
        _note_blocks_registered()  # a database without block types is never noted
        assert not _blocks_registered()
        _database(db, 55)
        _note_blocks_registered()  # healthy, with its block types: noted
        assert _blocks_registered()
        assert str(db) not in (tmp_path / "paperpanels-blocks-registered").read_text(encoding="utf-8")
        _database(db, 0)  # a new database in its place (the same inode, maybe): registered again
        assert not _blocks_registered()
        _database(db, 55)
    other = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    with temporary_settings(updates={PREFECT_HOME: tmp_path, PREFECT_API_DATABASE_CONNECTION_URL: other}):
        assert not _blocks_registered()  # another database: its own note
