"""The real `paperpanels` CLI in a subprocess, with faults injected (tests/faults/killer.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.faults.proxy import FaultProxy
from tests.fixture_conference import CONFERENCES, SLUG, stage_papers

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Cli:
    """Runs `paperpanels` (optionally through the fault injector) against one store and conference."""

    env: dict[str, str]
    tmp: Path
    store: Path | None = None  # a local store's folder
    runs: list[Run] = field(default_factory=list)

    def run(self, *args: str, fault: tuple[str, str] | None = None, timeout: float = 120, **env: str) -> Run:
        command = (
            [sys.executable, "-m", "tests.faults.killer", *fault, "--"]
            if fault
            else [
                sys.executable,
                "-m",
                "flows.cli",
            ]
        )
        started = time.monotonic()
        done = subprocess.run(
            [*command, *args],
            env={**self.env, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        run = Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
        self.runs.append(run)
        return run

    def invoke(self, *args: str, **env: str) -> Run:
        """The same CLI in this process (CliRunner): no interpreter start-up, the session's Prefect."""
        from typer.testing import CliRunner

        from config.settings import get_settings
        from flows.cli import app

        merged = {**self.env, **env}
        wanted = {k: v for k, v in merged.items() if k.startswith(("PAPERPANELS_", "AWS_"))}
        unset = {k: None for k in os.environ if k.startswith("PAPERPANELS_") and k not in wanted}
        get_settings.cache_clear()
        started = time.monotonic()
        result = CliRunner().invoke(app, list(args), env={**unset, **wanted}, catch_exceptions=False)
        get_settings.cache_clear()
        run = Run(result.exit_code, result.stdout, result.stderr, time.monotonic() - started)
        self.runs.append(run)
        return run

    def start(self, *args: str, fault: tuple[str, str] | None = None, **env: str) -> subprocess.Popen[str]:
        """Start a run in the background (signals, a pause); its stderr says when the fault is reached.

        A run started with the action `pause` waits at its point until `resume()`.
        """
        cli = ["-m", "tests.faults.killer", *fault, "--"] if fault else ["-m", "flows.cli"]
        command = [sys.executable, *cli, *args]
        return subprocess.Popen(
            command,
            env={**self.env, "FAULT_RESUME_FILE": str(self.tmp / "resume"), **env},
            cwd=ROOT,
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def resume(self) -> None:
        """Let runs paused at their fault point (action `pause`) go on."""
        (self.tmp / "resume").touch()

    def finish(self, process: subprocess.Popen[str], timeout: float = 120) -> Run:
        """Wait for a run started with start(); its output as a Run."""
        started = time.monotonic()
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        finally:
            if process.poll() is None:
                process.kill()
        run = Run(process.returncode, stdout, stderr, time.monotonic() - started)
        self.runs.append(run)
        return run

    def digest(self, *extra: str, **kwargs: Any) -> Run:
        return self.run("digest", SLUG, *extra, **kwargs)

    def digest_here(self, *extra: str, **env: str) -> Run:
        return self.invoke("digest", SLUG, *extra, **env)


def wait_for_fault(process: subprocess.Popen[str], timeout: float = 90) -> None:
    """Block until the process says it reached its fault point (a line on its stderr)."""
    assert process.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if line.startswith("FAULT:"):
            return
        if not line and process.poll() is not None:
            raise AssertionError(f"the run ended (rc {process.returncode}) before its fault point")
    raise AssertionError("the fault point was not reached in time")


def published(cli: Cli) -> dict[str, Any]:
    """The current release as a reader sees it, checked object by object against its manifest."""
    from tasks.publish.release import read_current
    from tasks.store import open_store

    env = cli.env
    store = open_store(
        env["PAPERPANELS_STORE__URI"],
        endpoint_url=env.get("PAPERPANELS_STORE__ENDPOINT_URL"),
        region=env.get("AWS_DEFAULT_REGION"),
    )
    current = read_current(store, SLUG)
    assert current is not None, "no current release"
    for key, obj in current.manifest.objects.items():
        assert store.sha256(key) == obj.sha256, f"{key} does not match the manifest"
    digest: dict[str, Any] = json.loads(store.get(current.key("digest.json")))
    digest["release"] = current.pointer.release
    return digest


def statuses(digest: dict[str, Any]) -> dict[str, str]:
    return {r["paper_id"]: r["status"] for r in digest["results"]}


def base_env(tmp: Path, fixtures_dir: Path) -> dict[str, str]:
    conferences = tmp / "conferences"
    if not conferences.exists():
        shutil.copytree(CONFERENCES, conferences)
        stage_papers(fixtures_dir, tmp / "papers")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERPANELS_", "PREFECT_"))}
    env.update(
        {
            "PREFECT_HOME": str(tmp / "prefect-home"),  # shared by a killed run and its re-run: the locks
            "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(tmp / "prefect-results"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "DO_NOT_TRACK": "1",
            "PAPERPANELS_CONFERENCES_DIR": str(conferences),
            "PAPERPANELS_HARVEST__DOWNLOAD": "false",
            "PAPERPANELS_COMIC__RENDERER": "sketch",
            "PAPERPANELS_COMIC__WIDTH": "768",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


@pytest.fixture
def cli(prefect_harness: None, prefect_api: str, fixtures_dir: Path, tmp_path: Path) -> Iterator[Cli]:
    """The CLI on a local store, with the papers folder, against the session's Prefect server."""
    env = base_env(tmp_path, fixtures_dir)
    env.update(
        {
            "PREFECT_API_URL": prefect_api,
            "PAPERPANELS_STORE__URI": str(tmp_path / "store"),
            "PAPERPANELS_PAPERS_DIR": str(tmp_path / "papers"),
        }
    )
    yield Cli(env=env, tmp=tmp_path, store=tmp_path / "store")


@pytest.fixture
def fault_proxy(moto_endpoint: str) -> Iterator[FaultProxy]:
    """The fault-injecting proxy (tests/faults/proxy.py) in front of the session's moto server."""
    proxy = FaultProxy(moto_endpoint).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def s3_proxy_cli(s3_cli: Cli, fault_proxy: FaultProxy) -> Cli:
    """The CLI on an S3 store reached through the fault proxy: rules on it delay, fail, alter or hold."""
    s3_cli.env["PAPERPANELS_STORE__ENDPOINT_URL"] = fault_proxy.url
    return s3_cli


@pytest.fixture
def s3_cli(
    prefect_harness: None,
    prefect_api: str,
    fixtures_dir: Path,
    tmp_path: Path,
    moto_endpoint: str,
    s3_env: str,
) -> Cli:
    """The CLI on an S3 store (a bucket of the moto server), with the papers folder."""
    env = base_env(tmp_path, fixtures_dir)
    env.update(
        {
            "PREFECT_API_URL": prefect_api,
            "PAPERPANELS_STORE__URI": f"s3://{s3_env}/pp",
            "PAPERPANELS_STORE__ENDPOINT_URL": moto_endpoint,
            "PAPERPANELS_PAPERS_DIR": str(tmp_path / "papers"),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    return Cli(env=env, tmp=tmp_path)
