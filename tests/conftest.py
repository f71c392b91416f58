"""Session-wide test setup: isolated state, shared fixtures data, real servers on 127.0.0.1."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Prefect reads these at import time: set them before anything imports prefect.
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="paperpanels-tests-"))
os.environ.setdefault("PREFECT_HOME", str(_SESSION_TMP / "prefect-home"))
os.environ.setdefault("PREFECT_RESULTS_LOCAL_STORAGE_PATH", str(_SESSION_TMP / "prefect-results"))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"

FIXTURE_PDFS = {
    "specter": "specter_2020.acl-main.207.pdf",
    "literature_graph": "literature_graph_N18-3011.pdf",
    "papermage": "papermage_emnlp2023_demo.pdf",
    "futoma2017": "futoma2017_mgp_rnn_1708.05894v1.pdf",
}


# Under pytest-xdist the controller loads only this conftest: it prints the folders that the
# workers' browser tests wrote their screenshots to (tests/browser/conftest.py hands them over).
WORKER_SHOTS = pytest.StashKey[list[str]]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    folder = getattr(node, "workeroutput", {}).get("screenshots")
    if folder:
        node.config.stash.setdefault(WORKER_SHOTS, []).append(folder)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    for folder in config.stash.get(WORKER_SHOTS, []):
        terminalreporter.write_line(f"browser screenshots: {folder}")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """`../shared/fixtures`: real third-party data; tests that need it skip where it is absent."""
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES}")
    return FIXTURES


@pytest.fixture(scope="session")
def fixture_pdfs(fixtures_dir: Path) -> dict[str, Path]:
    return {name: fixtures_dir / "pdfs" / file for name, file in FIXTURE_PDFS.items()}


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own artifact directory and no PAPERPANELS_* from the user's shell."""
    for name in list(os.environ):
        if name.startswith("PAPERPANELS_"):
            monkeypatch.delenv(name)
    store = tmp_path / "artifacts"
    monkeypatch.setenv("PAPERPANELS_STORE__URI", str(store))
    monkeypatch.setenv("PAPERPANELS_HARVEST__DOWNLOAD", "false")
    # No venue to watch: a test that polls announcement sources names its own (on 127.0.0.1).
    calendar = _SESSION_TMP / "no-venues.yaml"
    calendar.write_text("venues: {}\n", encoding="utf-8")
    monkeypatch.setenv("PAPERPANELS_HARVEST__CALENDAR_FILE", str(calendar))
    monkeypatch.chdir(tmp_path)
    from config.settings import get_settings

    get_settings.cache_clear()
    yield store
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto S3 server over HTTP on 127.0.0.1 (not in-process patching)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Credentials and endpoint for boto3 against the moto server; a fresh bucket per test."""
    import uuid

    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    bucket = f"pp-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    yield bucket


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test harness (ephemeral server, isolated database) for the whole session."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield
