"""The operator's stack as real processes: a Prefect server, `paperpanels` commands, the REST API.

Shared by the end-to-end tests (tests/ops/test_server_e2e.py) and bench/time_to_publish.py.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from flows.cli.runtime import SKIP_BLOCK_REGISTRATION

ROOT = Path(__file__).resolve().parents[2]
APP = "import typer; from flows.cli.ops import register; app = typer.Typer(); register(app); app()"
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# The test server's services: the scheduler visits recently changed deployments every 3 s (an
# interval watch is scheduled within seconds; Prefect's default is 5; every 1 s cost an idle server
# ~0.4 CPU-s a minute: 1.40 against 1.77 measured with 5 s).
SERVER_SETTINGS = {
    "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "3",
    # The block types are in the database already (migrate_prefect_db registered them): registering
    # them again at start-up imports every installed Prefect integration first (~4.5 CPU-s a start).
    **SKIP_BLOCK_REGISTRATION,
    # A request answered 503 (SQLite's "database is locked" when two writers upgrade at once: no busy
    # wait applies) is logged in server.log, so a test that sees one can show why.
    "PREFECT_API_LOG_RETRYABLE_ERRORS": "true",
    # Every task run's state changes arrive as events; storing them (the UI's event feed) and matching
    # them against automations is a fifth of the server's CPU under a digest (measured: 10.5 -> 8.2
    # CPU-s for 200 task runs). Nothing here reads stored events or sets an automation; task runs are
    # still recorded from the events (task_run_recorder stays on).
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    # Loops that act on nothing a test makes: marking scheduled runs late (serve starts them either
    # way), marking workers offline (no test runs a worker), expiring paused runs (the review test
    # resumes its own). A small saving (idle server 1.77 -> 1.63 CPU-s a minute, one measurement of 60 s,
    # noise about 0.1); with the recent-deployments loop (above) the test servers cost 202-231 CPU-s in
    # four fresh clones' `make test` against 232 before: within the noise of one run to the next.
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
}


def _server_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PAPERPANELS_"))}
    env.update(PREFECT_HOME=str(home), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    return env


def migrate_prefect_db(home: Path) -> Path:
    """`prefect server database upgrade`: a SQLite database in `home` with every migration applied."""
    home.mkdir(parents=True, exist_ok=True)
    command = [str(Path(sys.executable).parent / "prefect"), "server", "database", "upgrade", "-y"]
    done = subprocess.run(command, env=_server_env(home), capture_output=True, timeout=180)
    if done.returncode != 0:
        raise RuntimeError(f"prefect server database upgrade failed: {done.stderr.decode()[-2000:]}")
    # One start registers the block types of Prefect and its installed integrations, as any server's
    # first start does: servers on a copy of this database need not do it again (SERVER_SETTINGS).
    proc, _ = start_prefect_server(home)
    stop(proc)
    with closing(sqlite3.connect(home / "prefect.db")) as db:  # its write-ahead log into the file
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return home / "prefect.db"


def listening_port(pid: int) -> int | None:
    """The TCP port a process listens on (the OS chose it: the process bound port 0), once it does."""
    import psutil

    try:
        found = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return None
    ports = [c.laddr.port for c in found if c.status == psutil.CONN_LISTEN]
    return ports[0] if ports else None


def start_prefect_server(home: Path, **env_extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """`prefect server start` on a port the OS chooses, PREFECT_HOME=home; returns the process and API URL.

    The server binds port 0 itself (no port picked here that another process could take first) and
    the port is read off its listening socket. The UI asks for the API at a path on its own origin.
    """
    env = _server_env(home, PREFECT_UI_API_URL="/api", **env_extra)
    log = (home / "server.log").open("wb")
    command = [str(Path(sys.executable).parent / "prefect"), "server", "start", "--analytics-off"]
    command += ["--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    api = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited: {(home / 'server.log').read_text()[-2000:]}")
        port = listening_port(proc.pid) if api is None else None
        if port is not None:
            api = f"http://127.0.0.1:{port}/api"
        if api is not None:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    return proc, api
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError("prefect server did not become healthy in 90 s")


def epoch(stamp: str | None) -> float:
    """An ISO time from the API (or Operator.started) as seconds since the epoch; 0.0 for none."""
    return datetime.fromisoformat(stamp).timestamp() if stamp else 0.0


def review_form_saved(api: httpx.Client, run_id: str) -> bool:
    """True once a paused run's input form (its schema) is on the server: a resume is accepted only
    then, and it is saved just after the Paused state. The state names the key it is saved under."""
    run = api.get(f"/flow_runs/{run_id}").json()
    state = run.get("state") or {}
    keyset = (state.get("state_details") or {}).get("run_input_keyset") or {}
    if state.get("type") != "PAUSED" or "schema" not in keyset:
        return False
    return bool(api.get(f"/flow_runs/{run_id}/input/{keyset['schema']}").status_code == 200)


def wait_review_form(api_url: str, run_id: str, timeout: float = 60) -> None:
    """Block until review_form_saved (the state that matters, not a fixed pause)."""
    with httpx.Client(base_url=api_url, timeout=30, transport=RetryBusy()) as api:
        deadline = time.monotonic() + timeout
        while not review_form_saved(api, run_id):
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id}: its review form was not saved within {timeout} s")
            time.sleep(0.1)


UNFINISHED = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"]


def clear_prefect_state(api: str) -> None:
    """What one test leaves on a shared Prefect server that could act in the next one: deployment
    schedules (they keep making runs), flow runs not yet final (a later `serve` of the same
    deployment would execute them) and deployments on work pools (`serve` refuses to share them).
    Schedules and pooled deployments go, such runs are cancelled; history stays."""
    with httpx.Client(base_url=api, timeout=30, transport=RetryBusy()) as client:
        deployments = client.post("/deployments/filter", json={"limit": 200}).json()
        for deployment in deployments:
            if deployment.get("work_pool_name"):
                client.delete(f"/deployments/{deployment['id']}")
                continue
            for schedule in deployment.get("schedules") or []:
                client.delete(f"/deployments/{deployment['id']}/schedules/{schedule['id']}")
        body = {"flow_runs": {"state": {"type": {"any_": UNFINISHED}}}, "limit": 200}
        for run in client.post("/flow_runs/filter", json=body).json():
            state = {"type": "CANCELLED", "name": "Cancelled", "message": "left by a finished test"}
            client.post(f"/flow_runs/{run['id']}/set_state", json={"state": state, "force": True})


def ops_environment(
    api: str, s3_endpoint: str, bucket: str, work: Path, conferences: Path, papers: Path
) -> dict[str, str]:
    """Environment of the operator's processes: this server, an S3 bucket, these manifests and PDFs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PAPERPANELS_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        PREFECT_API_URL=api,
        PREFECT_HOME=str(work / "prefect-home"),
        PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(work / "local-results"),
        PREFECT_LOGGING_LEVEL="INFO",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        DO_NOT_TRACK="1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        PAPERPANELS_CONFERENCES_DIR=str(conferences),
        PAPERPANELS_PAPERS_DIR=str(papers),
        PAPERPANELS_HARVEST__DOWNLOAD="false",
        PAPERPANELS_STORE__URI=f"s3://{bucket}/pp",
        PAPERPANELS_STORE__ENDPOINT_URL=s3_endpoint,
        PAPERPANELS_STORE__REGION="us-east-1",
        PAPERPANELS_STORE__ACCESS_KEY_ID="testing",
        PAPERPANELS_STORE__SECRET_ACCESS_KEY="testing",
        PAPERPANELS_COMIC__RENDERER="sketch",
        PAPERPANELS_COMIC__WIDTH="768",  # a small page: less to draw and encode in every run
        PAPERPANELS_OPS__RESULT_BLOCK=f"results-{bucket}",
        PAPERPANELS_OPS__LOCK_LEASE_S="10",
        # With one slot, the slot of the task killed mid-run comes back only when its lease expires
        # (~80 s measured); more slots keep the test short. Sketch comics need no GPU anyway.
        PAPERPANELS_OPS__GPU_SLOTS="8",
    )
    return env


def run_app(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[bytes]:
    """One `paperpanels` operator command (bootstrap, deploy, watch, ...) in a subprocess."""
    return subprocess.run(
        [sys.executable, "-c", APP, *args], env=env, cwd=ROOT, capture_output=True, timeout=timeout
    )


class RetryBusy(httpx.HTTPTransport):
    """Sends a request again when the server answers 503: Prefect's server on SQLite says so when
    the database is busy (seen under load), and the UI and Prefect's own client retry it too."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(9):
            response = super().handle_request(request)
            if response.status_code != 503:
                return response
            response.close()
            time.sleep(0.5)
        return super().handle_request(request)


class Operator:
    """The UI's side of things: the REST API, and the `paperpanels serve` process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.api = httpx.Client(base_url=env["PREFECT_API_URL"], timeout=30, transport=RetryBusy())
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = datetime.now(UTC).isoformat()  # runs expected after this are this test's
        self.served_at: datetime | None = None

    def serve(self) -> None:
        self.served_at = datetime.now(UTC)
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
            stop(self.proc, sig)

    def deployment_id(self, name: str) -> str:
        """The deployment's id, once this operator's `serve` has registered it: the worker's server is
        shared, so an earlier test's deployment of the same name (and its older parameter schema) may
        be there already."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = self.api.get(f"/deployments/name/{name}")
            if r.status_code == 200 and self._registered_since_serve(r.json()):
                return str(r.json()["id"])
            time.sleep(0.5)
        raise AssertionError(f"deployment {name} never appeared: {self.log.read_text()[-3000:]}")

    def _registered_since_serve(self, deployment: dict[str, Any]) -> bool:
        if self.served_at is None:
            return True
        # A served deployment runs its flow from a folder of this machine: its path is set (a work-pool
        # deployment of the same name, registered by `paperpanels deploy`, has none).
        served = bool(deployment.get("path"))
        return served and datetime.fromisoformat(deployment["updated"]) >= self.served_at

    def create_run(self, deployment: str, parameters: dict[str, Any]) -> httpx.Response:
        """What the UI's "Run > Custom run" form posts."""
        dep = self.deployment_id(deployment)
        return self.api.post(f"/deployments/{dep}/create_flow_run", json={"parameters": parameters})

    def wait(self, run_id: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.api.get(f"/flow_runs/{run_id}")
            run: dict[str, Any] = r.json() if r.status_code == 200 else {"state": None}
            if run["state"] and run["state"]["type"] in FINAL:
                return run
            time.sleep(0.5)
        raise AssertionError(f"run {run_id} not finished in {timeout} s: {self.log.read_text()[-3000:]}")

    def runs_of(self, deployment: str, since: str | None = None) -> list[dict[str, Any]]:
        """Runs of a deployment; since (an ISO time, e.g. self.started): only those expected after it
        (the server is shared: earlier tests' runs of the same deployment name are not this test's)."""
        dep = self.deployment_id(deployment)
        body: dict[str, Any] = {"flow_runs": {"deployment_id": {"any_": [dep]}}}
        if since is not None:
            body["flow_runs"]["expected_start_time"] = {"after_": since}
        runs: list[dict[str, Any]] = self.api.post("/flow_runs/filter", json=body).json()
        return runs

    def artifacts(self, run_id: str) -> list[dict[str, Any]]:
        body = {"artifacts": {"flow_run_id": {"any_": [run_id]}}}
        found: list[dict[str, Any]] = self.api.post("/artifacts/filter", json=body).json()
        return found
