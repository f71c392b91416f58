"""End to end on a real Prefect server: `serve` the deployments, trigger runs over the REST API.

The server (SQLite in a temporary PREFECT_HOME) and moto S3 are real processes on 127.0.0.1;
`paperpanels serve` runs in a subprocess that one test kills in the middle of a run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixture_conference import CONFERENCES, SLUG, stage_papers

pytestmark = [pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
APP = "import typer; from flows.cli.ops import register; app = typer.Typer(); register(app); app()"
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
PAPER_FILES = {  # the working area of a paper: what its stages store
    "paper.pdf",
    "parsed.json",
    "summary.json",
    "comic.png",
    "comic.webp",
    "comic.json",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`prefect server start` on a free port; yields the API URL."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PAPERPANELS_"))}
    env.update(PREFECT_HOME=str(home), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    log = (home / "server.log").open("wb")
    command = [str(Path(sys.executable).parent / "prefect"), "server", "start", "--analytics-off"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            pytest.fail(f"prefect server exited: {(home / 'server.log').read_text()[-2000:]}")
        time.sleep(0.5)
    else:
        _stop(proc)
        pytest.fail("prefect server did not become healthy in 90 s")
    yield api
    _stop(proc)


@pytest.fixture
def ops_env(
    prefect_server: str, moto_endpoint: str, s3_env: str, fixtures_dir: Path, tmp_path: Path
) -> dict[str, str]:
    """Environment of the operator's processes: this server, a fresh S3 bucket, the fixture conference."""
    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    stage_papers(fixtures_dir, tmp_path / "papers")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PAPERPANELS_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        PREFECT_API_URL=prefect_server,
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(tmp_path / "local-results"),
        PREFECT_LOGGING_LEVEL="INFO",
        DO_NOT_TRACK="1",
        PAPERPANELS_CONFERENCES_DIR=str(conferences),
        PAPERPANELS_PAPERS_DIR=str(tmp_path / "papers"),
        PAPERPANELS_HARVEST__DOWNLOAD="false",
        PAPERPANELS_STORE__URI=f"s3://{s3_env}/pp",
        PAPERPANELS_STORE__ENDPOINT_URL=moto_endpoint,
        PAPERPANELS_STORE__REGION="us-east-1",
        PAPERPANELS_STORE__ACCESS_KEY_ID="testing",
        PAPERPANELS_STORE__SECRET_ACCESS_KEY="testing",
        PAPERPANELS_COMIC__RENDERER="sketch",
        PAPERPANELS_COMIC__WIDTH="1024",
        PAPERPANELS_OPS__RESULT_BLOCK=f"results-{s3_env}",
        PAPERPANELS_OPS__LOCK_LEASE_S="10",
        # With one slot, the slot of the task killed mid-run comes back only when its lease expires
        # (~80 s measured); more slots keep the test short. Sketch comics need no GPU anyway.
        PAPERPANELS_OPS__GPU_SLOTS="8",
    )
    done = subprocess.run(
        [sys.executable, "-c", APP, "bootstrap"], env=env, cwd=ROOT, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert b"result storage: s3-bucket/results-" in done.stdout
    return env


class Operator:
    """The UI's side of things: the REST API, and the `paperpanels serve` process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.api = httpx.Client(base_url=env["PREFECT_API_URL"], timeout=30)
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def serve(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", APP, "serve", "--limit", "3"],
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            _stop(self.proc, sig)

    def deployment_id(self, name: str) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = self.api.get(f"/deployments/name/{name}")
            if r.status_code == 200:
                return str(r.json()["id"])
            time.sleep(0.5)
        raise AssertionError(f"deployment {name} never appeared: {self.log.read_text()[-3000:]}")

    def create_run(self, deployment: str, parameters: dict[str, Any]) -> httpx.Response:
        """What the UI's "Run > Custom run" form posts."""
        dep = self.deployment_id(deployment)
        for _ in range(10):  # SQLite answers 503 when busy; the UI and Prefect's client retry too
            r = self.api.post(f"/deployments/{dep}/create_flow_run", json={"parameters": parameters})
            if r.status_code != 503:
                break
            time.sleep(0.5)
        return r

    def wait(self, run_id: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.api.get(f"/flow_runs/{run_id}")
            run: dict[str, Any] = r.json() if r.status_code == 200 else {"state": None}
            if run["state"] and run["state"]["type"] in FINAL:
                return run
            time.sleep(0.5)
        raise AssertionError(f"run {run_id} not finished in {timeout} s: {self.log.read_text()[-3000:]}")

    def runs_of(self, deployment: str) -> list[dict[str, Any]]:
        dep = self.deployment_id(deployment)
        body = {"flow_runs": {"deployment_id": {"any_": [dep]}}}
        runs: list[dict[str, Any]] = self.api.post("/flow_runs/filter", json=body).json()
        return runs

    def artifacts(self, run_id: str) -> list[dict[str, Any]]:
        body = {"artifacts": {"flow_run_id": {"any_": [run_id]}}}
        found: list[dict[str, Any]] = self.api.post("/artifacts/filter", json=body).json()
        return found


@pytest.fixture
def operator(ops_env: dict[str, str], tmp_path: Path) -> Iterator[Operator]:
    op = Operator(ops_env, tmp_path / "serve.log")
    op.serve()
    yield op
    op.stop()


def _bucket(env: dict[str, str]) -> dict[str, tuple[bytes, str | None]]:
    """Every object of the store: key (without the prefix) -> (content, sha256 metadata)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=env["PAPERPANELS_STORE__ENDPOINT_URL"], region_name="us-east-1")
    bucket = env["PAPERPANELS_STORE__URI"].removeprefix("s3://").split("/")[0]
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="pp/"):
        for item in page.get("Contents", []):
            obj = s3.get_object(Bucket=bucket, Key=item["Key"])
            objects[item["Key"].removeprefix("pp/")] = (obj["Body"].read(), obj["Metadata"].get("sha256"))
    return objects


def _check_published(env: dict[str, str]) -> dict[str, Any]:
    """Published files complete and consistent: each checksum right, nothing partial or extra."""
    import json

    objects = _bucket(env)
    for key, (body, sha) in objects.items():
        if key.startswith("prefect-results/"):  # Prefect's task results and cache records
            continue
        assert sha == hashlib.sha256(body).hexdigest(), f"{key} is partial or corrupt"
    # A reader finds the current release through the pointer, and trusts what its manifest lists.
    pointer = json.loads(objects[f"{SLUG}/current.json"][0])
    release = f"{SLUG}/releases/{pointer['release']}"
    manifest = json.loads(objects[pointer["manifest"]][0])
    assert hashlib.sha256(objects[pointer["manifest"]][0]).hexdigest() == pointer["manifest_sha256"]
    for key, obj in manifest["objects"].items():
        assert key.startswith(release + "/"), key
        assert hashlib.sha256(objects[key][0]).hexdigest() == obj["sha256"], key
    papers = {k for k in objects if k.startswith(f"{SLUG}/papers/")}
    for key in papers:
        assert key.rsplit("/", 1)[-1] in PAPER_FILES, f"unexpected object {key}"
    assert len({k.split("/")[2] for k in papers}) == 4
    assert len(papers) == 4 * len(PAPER_FILES)  # one of each file per paper: nothing duplicated
    released = {k for k in manifest["objects"] if "/papers/" in k}
    # The release holds its own copy of each, and each paper's review.md, rendered at publish time.
    assert len(released) == 4 * (len(PAPER_FILES) + 1)
    digest: dict[str, Any] = json.loads(objects[f"{release}/digest.json"][0])
    return digest


def _stage_states(operator: Operator) -> list[str]:
    """Stage states of the latest run, from its stage table artifact (as the UI shows it)."""
    import json

    table = operator.api.get(f"/artifacts/{SLUG}-papers/latest").json()
    rows = json.loads(table["data"]) if isinstance(table["data"], str) else table["data"]
    return [row[stage] for row in rows for stage in ("acquire", "parse", "summarize", "comic")]


def test_ui_runs_watch_triggers_and_bad_input(operator: Operator) -> None:
    # Bad input from the UI form: rejected by the parameter schema, no run created.
    bad = operator.create_run("award-digest-form/award-digest", {"conference": "neurips-1999"})
    assert bad.status_code in (409, 422), bad.text
    assert "neurips-1999" in bad.text and "is not one of" in bad.text

    # Two watcher runs at once (a second server-side trigger): one digest run is started.
    watch = [operator.create_run("watch-awards/watch-awards", {}) for _ in range(2)]
    assert all(w.status_code == 201 for w in watch), [(w.status_code, w.text[:300]) for w in watch]
    for run_id in (w.json()["id"] for w in watch):
        assert operator.wait(run_id)["state"]["type"] == "COMPLETED"
    (started,) = operator.runs_of("award-digest-form/award-digest")
    assert operator.wait(started["id"])["state"]["type"] == "COMPLETED"
    first = _check_published(operator.env)
    assert all(r["status"] == "done" for r in first["results"])

    # A run from the form: everything comes from the cache (results in S3) and the UI tells the story.
    created = operator.create_run(
        "award-digest-form/award-digest", {"conference": SLUG, "renderer": "sketch", "force": False}
    )
    assert created.status_code == 201, created.text
    run = operator.wait(created.json()["id"])
    assert run["state"]["type"] == "COMPLETED" and run["name"] == f"{SLUG} digest (form)"
    _check_published(operator.env)
    assert set(_stage_states(operator)) == {"cached"}
    runs = operator.api.post(
        "/flow_runs/filter", json={"flow_runs": {"parent_task_run_id": {"is_null_": False}}}
    )
    assert f"{SLUG} digest" in {r["name"] for r in runs.json()}
    artifacts: list[dict[str, Any]] = []
    for r in runs.json():
        artifacts += operator.artifacts(r["id"])
    keys = {a["key"] for a in artifacts}
    assert {f"{SLUG}-digest", f"{SLUG}-papers"} <= keys, keys
    assert any(a["type"] == "progress" and a["data"] == 100.0 for a in artifacts)
    link = next(a for a in artifacts if a["key"] == f"{SLUG}-digest-html")
    url = link["data"].split("](", 1)[1].rstrip(")")  # a link artifact is stored as markdown
    assert "Signature" in url  # pre-signed: the bucket is private
    assert b"<html" in httpx.get(url, timeout=10).content.lower()


def test_killed_server_process_resumes_from_cache(operator: Operator) -> None:
    created = operator.create_run("award-digest-form/award-digest", {"conference": SLUG})
    assert created.status_code == 201, created.text
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # kill once some stage has stored its output
        keys = set(_bucket(operator.env))
        if any(k.endswith("summary.json") for k in keys):
            break
        time.sleep(0.2)
    operator.stop(signal.SIGKILL)
    assert f"{SLUG}/current.json" not in keys, "the run finished before it could be killed"

    operator.serve()
    again = operator.create_run("award-digest-form/award-digest", {"conference": SLUG})
    assert operator.wait(again.json()["id"])["state"]["type"] == "COMPLETED"
    digest = _check_published(operator.env)
    states = _stage_states(operator)
    assert "cached" in states and set(states) <= {"cached", "done"}, states
    assert all(r["status"] == "done" for r in digest["results"])


def test_deploy_registers_every_deployment_on_its_pool(ops_env: dict[str, str]) -> None:
    env = {**ops_env, "PAPERPANELS_OPS__WATCH_CRON": "*/30 * * * *"}
    done = subprocess.run(
        [sys.executable, "-c", APP, "deploy"], env=env, cwd=ROOT, capture_output=True, timeout=180
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()[-1500:]
    api = httpx.Client(base_url=env["PREFECT_API_URL"], timeout=30)
    pools = {}
    for name in ("award-digest-form/award-digest", "watch-awards/watch-awards", "backfill/backfill"):
        pools[name] = api.get(f"/deployments/name/{name}").json()["work_pool_name"]
    comics = api.get("/deployments/name/draw-comics/draw-comics").json()
    assert set(pools.values()) == {"paperpanels-process"} and comics["work_pool_name"] == "paperpanels-gpu"
    watch = api.get("/deployments/name/watch-awards/watch-awards").json()
    assert [s["schedule"]["cron"] for s in watch["schedules"]] == ["*/30 * * * *"]
