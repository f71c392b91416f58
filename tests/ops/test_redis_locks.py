"""ops.locks = "redis": two processes racing for the same stage; one computes, the other reads its result.

Uses the Redis this kind of machine runs on 127.0.0.1:6379 (the compose stack has one too); skips,
saying so, where none answers.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from flows.runtime.redis_locks import (
    LeasedRedisLocks,  # imports Prefect, which sets up logging: before caplog
)
from tests.fixture_conference import CONFERENCES, SLUG, stage_papers

REDIS = ("127.0.0.1", 6379)
ROOT = Path(__file__).resolve().parents[2]
PAPER = "1708.05894"

# One racer: acquire and parse the same paper into the same store, after a barrier that both
# processes pass together, with the stage locks in Redis. Prints the state of each stage run.
RACER = """
import json, sys, time
from pathlib import Path
from prefect import flow
from config.settings import get_settings
from flows.paper import durable
from tasks.harvest.manifest import load_conference, select_entries
from tasks.backends import backends_for
from tasks.stages import PaperWork, acquire_pdf, parse_paper

me, barrier, conferences, papers, store, redis_url, slug, paper = sys.argv[1:9]
settings = get_settings().with_values(
    papers_dir=papers,
    conferences_dir=conferences,
    **{"store.uri": store, "ops.locks": "redis", "ops.redis_url": redis_url, "harvest.download": False},
)
entry = select_entries(load_conference(slug, Path(conferences)), [paper])[0]
acquire, parse = durable(acquire_pdf, settings.ops), durable(parse_paper, settings.ops)

@flow(name="racer")
def race() -> dict:
    gate = Path(barrier)
    (gate / me).touch()
    deadline = time.monotonic() + 60
    while len(list(gate.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    run, work = backends_for(settings), PaperWork(slug, entry)
    pdf = acquire(work, run, return_state=True)
    parsed = parse(work.with_outputs(pdf.result().outputs), run, return_state=True)
    return {"acquire": pdf.name, "parse": parsed.name, "sha": parsed.result().outputs["parsed.json"].sha256}

print(json.dumps(race()))
"""


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_two_processes_racing_for_a_stage_compute_it_once(
    prefect_api: str, fixtures_dir: Path, tmp_path: Path
) -> None:
    if not redis_answers():
        pytest.skip("no Redis answers on 127.0.0.1:6379 (the compose stack and CI provide one)")
    pytest.importorskip("prefect_redis", reason="prefect-redis is a dependency of the package")
    stage_papers(fixtures_dir, tmp_path / "papers", only={PAPER})
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "PREFECT_API_URL": prefect_api,
        # one result storage for both: the cache record the first writes is the one the second reads
        "PREFECT_HOME": str(tmp_path / "home"),
        "PREFECT_LOGGING_LEVEL": "ERROR",
    }
    # A database of its own per run: locks of other runs (or tests) never meet these.
    redis_url = f"redis://127.0.0.1:6379/{uuid.uuid4().int % 15 + 1}"
    args = [
        str(barrier),
        str(CONFERENCES),
        str(tmp_path / "papers"),
        str(tmp_path / "store"),
        redis_url,
        SLUG,
        PAPER,
    ]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, name, *args],
            env=env,
            cwd=ROOT,  # this source tree's modules first
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    results = []
    for racer in racers:
        out, err = racer.communicate(timeout=180)
        assert racer.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    for stage in ("acquire", "parse"):
        states = sorted(r[stage] for r in results)
        assert states == ["Cached", "Completed"], f"{stage}: {states}: both computed, or neither"
    assert results[0]["sha"] == results[1]["sha"]


# --------------------------------------------------------------------------- locks that die with their holder


def _redis(db: int) -> object:
    import redis

    return redis.Redis(host=REDIS[0], port=REDIS[1], db=db)


@pytest.fixture
def redis_db() -> int:
    if not redis_answers():
        pytest.skip("no Redis answers on 127.0.0.1:6379 (the compose stack and CI provide one)")
    return uuid.uuid4().int % 15 + 1


def test_a_redis_lock_has_a_ttl_renewed_while_its_holder_lives_and_dies_with_it(
    redis_db: int, caplog: pytest.LogCaptureFixture
) -> None:
    url, key = f"redis://127.0.0.1:6379/{redis_db}", f"test-{uuid.uuid4().hex}"
    code = (
        "import time; from flows.runtime.redis_locks import LeasedRedisLocks;"
        f"m = LeasedRedisLocks({url!r}, lease_s=1.5); assert m.acquire_lock({key!r}, 'child');"
        "print('held', flush=True); time.sleep(600)"
    )
    # cwd: this source tree's modules come first, whatever the installed package points at.
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        client = _redis(redis_db)
        assert 0 < client.pttl(f"lock:{key}") <= 1500  # type: ignore[attr-defined]
        outlived = time.monotonic() + 3  # two leases: still held all along, the holder renews it
        while time.monotonic() < outlived:
            assert client.exists(f"lock:{key}")  # type: ignore[attr-defined]
            time.sleep(0.1)
        locks = LeasedRedisLocks(url, lease_s=60)
        assert not locks.acquire_lock(key, "me", acquire_timeout=0.3)
        child.kill()
        child.wait()
        with caplog.at_level(logging.WARNING, logger="paperpanels.locks"):
            assert locks.acquire_lock(key, "me", acquire_timeout=5)
        # Taken over because the holder is known dead, not because its TTL ran out.
        assert any(f"its holder, process {child.pid}, is gone" in r.getMessage() for r in caplog.records)
        assert 0 < client.pttl(f"lock:{key}") <= 60_000  # type: ignore[attr-defined]
        locks.release_lock(key, "me")
        assert not locks.is_locked(key)
    finally:
        child.kill()


def test_a_redis_lock_of_another_host_ends_with_its_ttl_and_the_wait_says_so(
    redis_db: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, key = f"redis://127.0.0.1:6379/{redis_db}", f"test-{uuid.uuid4().hex}"
    client = _redis(redis_db)
    # A holder on another machine that stopped renewing (killed): its lock lives one more second.
    client.set(f"lock:{key}", "far", px=1200)  # type: ignore[attr-defined]
    owner = {"holder": "far", "host": "elsewhere", "pid": 7, "lease_until": time.time() + 1.2}
    client.set(f"lock:{key}:owner", json.dumps(owner), px=1200)  # type: ignore[attr-defined]
    locks = LeasedRedisLocks(url, lease_s=30)
    with caplog.at_level(logging.WARNING, logger="paperpanels.locks"):
        assert locks.acquire_lock(key, "me", acquire_timeout=10)  # once its TTL ran out
    waits = [r.getMessage() for r in caplog.records if "waiting for stage lock" in r.getMessage()]
    assert waits and "held by process 7 on elsewhere, lease 1 s left" in waits[0], waits
    locks.release_lock(key, "me")


def test_a_renewal_crossing_a_release_and_a_new_holding_keeps_the_new_one(
    redis_db: int, caplog: pytest.LogCaptureFixture
) -> None:
    # The renewal lists what it holds, then renews each. Between the two the lock was released and
    # taken again by another stage of this process: the stale entry must neither be reported lost
    # nor make the renewal forget the new holding (it would then expire under a working stage).
    url, key = f"redis://127.0.0.1:6379/{redis_db}", f"test-{uuid.uuid4().hex}"
    locks = LeasedRedisLocks(url, lease_s=30)
    assert locks.acquire_lock(key, "first")
    script = locks._renew
    crossed: list[str] = []

    def release_and_retake_first(keys: list[str], args: list[Any]) -> Any:
        if not crossed:
            crossed.append(args[0])
            locks.release_lock(key, "first")
            assert locks.acquire_lock(key, "second")
        return script(keys=keys, args=args)

    locks._renew = release_and_retake_first
    with caplog.at_level(logging.WARNING, logger="paperpanels.locks"):
        locks.renew()
        locks.renew()  # the new holding is renewed, not forgotten
    assert crossed == ["first"], "the renewal renewed nothing: nothing was tested"
    assert not [r.getMessage() for r in caplog.records if "was lost" in r.getMessage()]
    assert locks.is_lock_holder(key, "second")
    assert locks._held[locks._lock_name_for_key(key)][0] == "second"
    locks.release_lock(key, "second")
