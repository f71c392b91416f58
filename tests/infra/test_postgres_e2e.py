"""The digest flow on a Prefect server backed by a real Postgres (in `make test`; `make test-postgres`).

Uses PAPERPANELS_TEST_POSTGRES_URL (postgresql+asyncpg://USER@HOST:PORT/DB) when set, else a scratch
database on the Postgres that answers on 127.0.0.1:5432 (this machine's, CI's, the compose stack's);
skips with the reason when none answers. The server and the flow each run in their own process with their own
Prefect settings, so this never touches the session-wide `prefect_harness`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixture_conference import CONFERENCES, stage_papers
from tests.sharing import HEAVY_E2E

pytestmark = [pytest.mark.postgres, pytest.mark.slow, HEAVY_E2E]  # tests/sharing.py

ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "PAPERPANELS_TEST_POSTGRES_URL"


def _dsn(url: str) -> str:
    """SQLAlchemy URL -> libpq DSN for asyncpg (drops the `+asyncpg` driver part)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith("postgresql"):
        raise ValueError(f"{ENV_VAR} must be a postgresql+asyncpg:// URL, got {url!r}")
    return f"postgresql://{rest}"


async def _query(url: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    import asyncpg

    conn = await asyncpg.connect(_dsn(url), timeout=5)
    try:
        return [tuple(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


def query(url: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    return asyncio.run(_query(url, sql, *args))


# The Postgres this kind of machine (and CI, and the compose stack) runs: trust auth on 127.0.0.1;
# its maintenance database `postgres` is only used to create and drop the scratch database.
MACHINE_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """PAPERPANELS_TEST_POSTGRES_URL as given, else a scratch database on the machine's Postgres.

    The scratch database is created for this module and dropped after it, so the machine's
    database never holds Prefect's tables.
    """
    url = os.environ.get(ENV_VAR)
    if url:
        try:
            query(url, "SELECT 1")
        except Exception as exc:  # refused, unknown database, auth: all mean "no Postgres for us"
            pytest.skip(f"Postgres at {url} ({ENV_VAR}) does not answer: {type(exc).__name__}: {exc}")
        yield url
        return
    try:
        query(MACHINE_POSTGRES, "SELECT 1")
    except Exception as exc:
        pytest.skip(
            f"no Postgres answers at {MACHINE_POSTGRES} ({type(exc).__name__}: {exc}); set {ENV_VAR} "
            "or run `make test-postgres`, which starts one"
        )
    name = f"paperpanels_test_{uuid.uuid4().hex[:12]}"
    query(MACHINE_POSTGRES, f'CREATE DATABASE "{name}"')
    try:
        yield MACHINE_POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        query(MACHINE_POSTGRES, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PAPERPANELS_"))}
    env.update(
        PREFECT_HOME=str(tmp / "prefect-home"),
        PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(tmp / "prefect-results"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        DO_NOT_TRACK="1",
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture(scope="module")
def postgres_server(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`prefect server start` on a port the OS chooses, its database in Postgres; yields the API URL."""
    from tests.ops.stack import start_prefect_server, stop

    tmp = tmp_path_factory.mktemp("pg-server")
    try:
        proc, api = start_prefect_server(tmp, PREFECT_API_DATABASE_CONNECTION_URL=postgres_url)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield api
    finally:
        stop(proc)


def test_digest_flow_runs_are_stored_in_postgres(
    postgres_url: str, postgres_server: str, fixtures_dir: Path, tmp_path: Path
) -> None:
    # The server migrated the schema into *this* database.
    tables = "SELECT to_regclass('flow_run') IS NOT NULL, to_regclass('task_run') IS NOT NULL"
    assert query(postgres_url, tables) == [(True, True)]
    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    stage_papers(fixtures_dir, tmp_path / "papers")
    env = _base_env(tmp_path) | {
        "PREFECT_API_URL": postgres_server,
        "PAPERPANELS_CONFERENCES_DIR": str(conferences),
        "PAPERPANELS_PAPERS_DIR": str(tmp_path / "papers"),
        "PAPERPANELS_STORE__URI": str(tmp_path / "artifacts"),
        "PAPERPANELS_HARVEST__DOWNLOAD": "false",
        "PAPERPANELS_COMIC__RENDERER": "sketch",
        "PAPERPANELS_COMIC__WIDTH": "1024",
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("postgres_e2e_run.py"))],
        env=env, cwd=tmp_path, capture_output=True, timeout=480,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    outcome = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert outcome["state"] == "COMPLETED"
    assert len(outcome["papers"]) == 4 and set(outcome["papers"].values()) == {"done"}, outcome
    assert (tmp_path / "artifacts" / "fixtures-2020" / "current" / "manifest.json").is_file()

    # The run and its task runs are rows in Postgres, not in some SQLite file.
    run_id = uuid.UUID(outcome["flow_run_id"])
    rows = query(postgres_url, "SELECT state_type::text, name FROM flow_run WHERE id = $1", run_id)
    assert rows and rows[0][0] == "COMPLETED", rows
    (tree_tasks,) = query(
        postgres_url,
        """
        WITH RECURSIVE runs(id) AS (
            SELECT id FROM flow_run WHERE id = $1
            UNION
            SELECT f.id FROM flow_run f JOIN task_run t ON f.parent_task_run_id = t.id
            JOIN runs r ON t.flow_run_id = r.id
        )
        SELECT count(*), count(*) FILTER (WHERE state_type::text = 'COMPLETED')
        FROM task_run WHERE flow_run_id IN (SELECT id FROM runs)
        """,
        run_id,
    )
    total, completed = tree_tasks
    assert isinstance(total, int) and total >= 4 and completed == total, tree_tasks
    # The Prefect API serves the same run from that database.
    api_run = httpx.get(f"{postgres_server}/flow_runs/{run_id}", timeout=10).json()
    assert api_run["state_type"] == "COMPLETED" and api_run["name"] == rows[0][1]
