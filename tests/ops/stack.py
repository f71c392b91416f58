"""The operator's stack as real processes: a Prefect server, `paperpanels` commands, the REST API.

Shared by the end-to-end tests (tests/ops/test_server_e2e.py) and bench/time_to_publish.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
APP = "import typer; from flows.cli.ops import register; app = typer.Typer(); register(app); app()"
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_prefect_server(home: Path, **env_extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """`prefect server start` on a free port with PREFECT_HOME=home; returns the process and API URL."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PAPERPANELS_"))}
    # The UI asks the API at PREFECT_UI_API_URL, which otherwise names the default port 4200.
    env.update(PREFECT_HOME=str(home), PREFECT_UI_API_URL=api, DO_NOT_TRACK="1")
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", **env_extra)
    log = (home / "server.log").open("wb")
    command = [str(Path(sys.executable).parent / "prefect"), "server", "start", "--analytics-off"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return proc, api
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited: {(home / 'server.log').read_text()[-2000:]}")
        time.sleep(0.5)
    stop(proc)
    raise RuntimeError("prefect server did not become healthy in 90 s")


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
        PREFECT_RUNNER_POLL_FREQUENCY="2",
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
        PAPERPANELS_COMIC__WIDTH="1024",
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
            stop(self.proc, sig)

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

    def runs_of(self, deployment: str) -> list[dict[str, Any]]:
        dep = self.deployment_id(deployment)
        body = {"flow_runs": {"deployment_id": {"any_": [dep]}}}
        runs: list[dict[str, Any]] = self.api.post("/flow_runs/filter", json=body).json()
        return runs

    def artifacts(self, run_id: str) -> list[dict[str, Any]]:
        body = {"artifacts": {"flow_run_id": {"any_": [run_id]}}}
        found: list[dict[str, Any]] = self.api.post("/artifacts/filter", json=body).json()
        return found
