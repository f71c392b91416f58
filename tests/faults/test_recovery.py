"""Crashes, signals, lost stores and missing inputs, end to end through the real CLI.

Every case runs `paperpanels` in a subprocess against the session's real Prefect server (or its
own one, where the server's fate is the point), the real local store or the moto S3 server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import pytest

from tests.faults.conftest import Cli, published, statuses, wait_for_fault
from tests.fixture_conference import SLUG
from tests.sharing import HEAVY_E2E, migrated_prefect_db

pytestmark = [pytest.mark.slow]

ONE = ("--paper", "10-18653-v1-n18-3011")  # the shortest fixture paper (8 pages)


def _server_processes(prefect_home: Path) -> list[int]:
    """Pids of Prefect servers started with this PREFECT_HOME (each test has its own)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"uvicorn" in cmdline and f"PREFECT_HOME={prefect_home}".encode() in environ:
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize(
    ("point", "locks"),
    [("acquire", "file"), ("parse", "file"), ("parse", "redis"), ("comic", "file"), ("publish", "file")],
)
def test_kill_9_anywhere_then_a_rerun_finishes_normally(cli: Cli, point: str, locks: str) -> None:
    if locks == "redis":  # the stage locks in Redis: the killed run's keys expire, a rerun takes them over
        cli.env.update(_redis_locks())
    if point == "publish":  # a release to protect: it must stay readable through the crash
        assert cli.digest_here(*ONE).returncode == 0  # in this process: only the killed run is the CLI's
        before = published(cli)
        cli.env["PAPERPANELS_COMIC__WIDTH"] = "1024"  # a change: the next release differs
    killed = cli.digest(*ONE, "--force", fault=(point, "kill"))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    if point == "publish":
        assert published(cli) == before  # the pointer was never switched: the old release, whole
    if point == "parse":
        assert _held_locks(cli, locks), f"the killed run held no {locks} stage lock: nothing was tested"
    rerun = cli.digest(*ONE, timeout=60)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert rerun.seconds < 60
    assert set(statuses(published(cli)).values()) == {"done"}
    if point == "parse":
        assert "released: its holder, process" in rerun.stderr, rerun.stderr[-3000:]
    if point == "publish":
        # gc as its own process once (the command end to end), then in this process
        kept = cli.run("gc", SLUG)  # the killed publisher's release: young, so kept, and said why
        assert "younger than the grace period" in kept.stdout, kept.stdout
        garbage = cli.invoke("gc", SLUG, "--grace", "0")
        assert garbage.returncode == 0 and "orphan of a failed release" in garbage.stdout, garbage.stdout
        assert cli.invoke("gc", SLUG, "--apply", "--grace", "0").returncode == 0
        assert "nothing to remove" in cli.invoke("gc", SLUG, "--grace", "0").stdout
    assert "Traceback" not in rerun.stderr


def _redis_locks() -> dict[str, str]:
    from tests.ops.test_redis_locks import redis_answers

    if not redis_answers():
        pytest.skip("no Redis answers on 127.0.0.1:6379 (the compose stack and CI provide one)")
    # A database of its own: locks of other tests never meet these.
    db = uuid.uuid4().int % 15 + 1
    return {"PAPERPANELS_OPS__LOCKS": "redis", "PAPERPANELS_OPS__REDIS_URL": f"redis://127.0.0.1:6379/{db}"}


def _held_locks(cli: Cli, locks: str) -> list[str]:
    """The stage locks left behind; for Redis, each must have a TTL (it expires without its holder)."""
    if locks == "file":
        return [p.name for p in (Path(cli.env["PREFECT_HOME"]) / "paperpanels-locks").glob("*.lock")]
    import redis

    client = redis.Redis.from_url(cli.env["PAPERPANELS_OPS__REDIS_URL"])
    keys = [k.decode() for k in client.keys("lock:*")]
    assert all(client.pttl(k) > 0 for k in keys), {k: client.pttl(k) for k in keys}
    return keys


@HEAVY_E2E  # tests/sharing.py: it starts a Prefect server of its own
def test_a_killed_cli_takes_its_prefect_server_and_its_locks_with_it(
    cli: Cli, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = {k: v for k, v in cli.env.items() if k != "PREFECT_API_URL"}  # the CLI starts its own server
    # ... on a database of this machine's earlier runs (PREFECT_HOME's), as a second run finds it.
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_prefect_db(tmp_path_factory), Path(env["PREFECT_HOME"]) / "prefect.db")
    own = Cli(env=env, tmp=cli.tmp, store=cli.store)
    killed = own.digest(*ONE, fault=("parse", "kill"))
    assert killed.returncode == -signal.SIGKILL
    home = Path(env["PREFECT_HOME"])
    deadline = time.monotonic() + 10
    while _server_processes(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _server_processes(home) == [], "the CLI's Prefect server outlived it"
    locks = list((home / "paperpanels-locks").glob("*.lock"))
    assert locks, "the killed run held no stage lock: nothing was tested"
    rerun = cli.digest(*ONE, timeout=60)  # same PREFECT_HOME: the dead holder's locks are taken over
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert rerun.seconds < 60
    assert "released: its holder, process" in rerun.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_a_busy_run_within_seconds(cli: Cli, signum: signal.Signals) -> None:
    assert cli.digest_here(*ONE).returncode == 0  # the release to keep; the signalled run is the CLI
    before = published(cli)
    process = cli.start("digest", SLUG, *ONE, "--force", fault=("parse", "hang"))
    try:
        wait_for_fault(process)
        sent = time.monotonic()
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == (143 if signum == signal.SIGTERM else 130), stderr[-2000:]
    assert took < 10, f"took {took:.1f} s to stop"
    assert "the current release is unchanged" in stderr
    assert published(cli) == before


def test_a_deleted_store_is_rebuilt_not_failed(cli: Cli) -> None:
    assert cli.digest_here().returncode == 0
    assert cli.store is not None
    shutil.rmtree(cli.store)
    rerun = cli.digest_here()
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert set(statuses(published(cli)).values()) == {"done"}
    assert "no error recorded" not in rerun.stdout + rerun.stderr
    assert (cli.store / SLUG / "papers" / "10-18653-v1-n18-3011" / "parsed.json").is_file()  # recomputed


def test_without_the_papers_folder_finished_papers_stay_finished(cli: Cli) -> None:
    assert cli.digest_here().returncode == 0
    first = published(cli)
    env = {k: v for k, v in cli.env.items() if k != "PAPERPANELS_PAPERS_DIR"}
    plain = Cli(env={**env, "PAPERPANELS_HARVEST__DOWNLOAD": "true"}, tmp=cli.tmp, store=cli.store)
    again = plain.digest_here()  # no folder, and downloads fail (no network here)
    assert again.returncode == 0, again.stderr[-3000:]
    assert statuses(published(cli)) == statuses(first) == dict.fromkeys(statuses(first), "done")
    # --force means: redo everything from the sources. They are gone, and the digest says so.
    forced = plain.digest_here("--force")
    assert forced.returncode == 0, forced.stderr[-3000:]
    digest = published(cli)
    assert set(statuses(digest).values()) == {"unavailable"}
    notes = [n for r in digest["results"] for n in r["notices"]]
    assert notes and all("this --force run replaced it" in n for n in notes)


def test_a_paper_removed_from_the_award_list_leaves_with_a_notice(cli: Cli) -> None:
    assert cli.digest_here().returncode == 0
    manifest = Path(cli.env["PAPERPANELS_CONFERENCES_DIR"]) / f"{SLUG}.yaml"
    text = manifest.read_text()
    start = text.index('  - title: "PaperMage')
    end = text.index("  - title:", start + 5)
    manifest.write_text(text[:start] + text[end:])
    assert cli.digest_here().returncode == 0
    digest = published(cli)
    assert len(digest["results"]) == 3
    assert any("no longer in the award list" in n and "PaperMage" in n for n in digest["notices"])


# --------------------------------------------------------------------------- S3


def test_s3_recreated_bucket_and_another_endpoint(s3_cli: Cli, tmp_path: Path) -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    assert s3_cli.digest_here(*ONE).returncode == 0
    bucket = s3_cli.env["PAPERPANELS_STORE__URI"].removeprefix("s3://").split("/")[0]
    s3 = boto3.client(
        "s3", endpoint_url=s3_cli.env["PAPERPANELS_STORE__ENDPOINT_URL"], region_name="us-east-1"
    )
    # The bucket is emptied and recreated: every cached stage refers to objects that are gone.
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    rerun = s3_cli.digest_here(*ONE)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert set(statuses(published(s3_cli)).values()) == {"done"}

    # The same s3:// URI on another endpoint is another store: nothing is replayed from the first.
    other = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    other.start()
    try:
        host, port = other.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
        moved = Cli(env={**s3_cli.env, "PAPERPANELS_STORE__ENDPOINT_URL": endpoint}, tmp=tmp_path)
        run = moved.digest_here(*ONE)
        assert run.returncode == 0, run.stderr[-3000:]
        assert set(statuses(published(moved)).values()) == {"done"}
        other_s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        keys = {o["Key"] for o in other_s3.list_objects_v2(Bucket=bucket, Prefix="pp/").get("Contents", [])}
        assert "pp/fixtures-2020/papers/10-18653-v1-n18-3011/parsed.json" in keys  # computed here
    finally:
        other.stop()


def test_s3_kill_9_while_publishing_keeps_the_old_release(s3_cli: Cli) -> None:
    # The release before and the rerun after run in this process; the killed publisher is the CLI.
    assert s3_cli.digest_here(*ONE).returncode == 0
    before = published(s3_cli)
    s3_cli.env["PAPERPANELS_COMIC__WIDTH"] = "1024"  # a change: the next release differs
    killed = s3_cli.digest(*ONE, fault=("publish", "kill"))
    assert killed.returncode == -signal.SIGKILL
    assert published(s3_cli) == before
    listed = s3_cli.invoke("gc", SLUG, "--grace", "0")  # the killed publisher is gone: its lease is void
    assert "orphan of a failed release" in listed.stdout, listed.stdout
    rerun = s3_cli.digest_here(*ONE)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert published(s3_cli)["release"] != before["release"]


# --------------------------------------------------------------------------- bad input before Prefect


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"PAPERPANELS_CONCURRENCY": "-1"}, (), "PAPERPANELS_CONCURRENCY='-1'"),
        ({"PAPERPANELS_COMIC__RENDERER": "oil-paint"}, (), "PAPERPANELS_COMIC__RENDERER='oil-paint'"),
        ({"PAPERPANELS_PARSE__PARSER": "ocr"}, (), "PAPERPANELS_PARSE__PARSER='ocr'"),
        ({"PAPERPANELS_STORE__URI": "ftp://host/x"}, (), "unsupported store"),
        ({}, ("--store", ""), "the store is empty"),
        ({"PAPERPANELS_PARSE__MAX_PAGES": "0"}, (), "PAPERPANELS_PARSE__MAX_PAGES='0'"),
    ],
)
def test_bad_settings_fail_in_one_line_before_prefect_starts(
    cli: Cli, env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    started = {k: v for k, v in cli.env.items() if k != "PREFECT_API_URL"}  # would start a server
    run = Cli(env=started, tmp=cli.tmp).digest(*args, **env)
    assert run.returncode == 2, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert run.seconds < 5  # Prefect never started
    assert not (cli.tmp / "store").exists() and not Path(os.getcwd(), SLUG).exists()


def test_parse_max_pages_zero_is_refused(cli: Cli, fixture_pdfs: dict[str, Path]) -> None:
    run = cli.run("parse", str(fixture_pdfs["specter"]), "--max-pages", "0")
    assert run.returncode == 2 and "--max-pages" in run.stderr


def test_credentials_are_masked(cli: Cli) -> None:
    run = cli.run(
        "config",
        PAPERPANELS_STORE__ACCESS_KEY_ID="AKIAEXAMPLEKEYID",
        PAPERPANELS_STORE__SECRET_ACCESS_KEY="s3cr3t",
    )
    assert run.returncode == 0, run.stderr
    assert "AKIAEXAMPLEKEYID" not in run.stdout and "s3cr3t" not in run.stdout
    assert json.loads(run.stdout)["store"]["access_key_id"] == "**********"
