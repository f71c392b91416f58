"""Session-wide test setup: isolated state, shared fixtures data, real servers on 127.0.0.1."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from flows.runtime.heap import settle_heap  # imports gc and sys only: no Prefect before the settings
from tests.sharing import HEAVY_E2E, made_once, migrated_prefect_db

# Prefect reads these at import time: set them before anything imports prefect.
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="paperpanels-tests-"))
atexit.register(shutil.rmtree, _SESSION_TMP, ignore_errors=True)  # each test process removes its own
os.environ.setdefault("PREFECT_HOME", str(_SESSION_TMP / "prefect-home"))
os.environ.setdefault("PREFECT_RESULTS_LOCAL_STORAGE_PATH", str(_SESSION_TMP / "prefect-results"))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One math thread per test process: tests run on as many processes as there are cores, and torch's
# OpenMP threads spin-waiting beside each other made the tiny diffusion tests 5-7x slower (measured).
for _threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

# The suite tells on itself (tests/timing.py): the slowest tests, the total, a limit per test.
pytest_plugins = ["tests.timing"]

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


# A test that uses one of these needs a server process (or runs the whole CLI in one): `make test-quick`
# leaves it out. Marked from each test's fixtures, so a new test is classified without anyone's help.
PREFECT_FIXTURES = {"prefect_api", "prefect_harness"}
SERVER_FIXTURES = PREFECT_FIXTURES | {
    "moto_endpoint",
    "redis_url",
    "postgres_url",
    "cli",
    "s3_cli",
    "browser",
    "pytester",  # pytest run again in a subprocess: the suite's own plugin end to end
}


def _uses_prefect(item: pytest.Item) -> bool:
    """The test asks for the worker's Prefect server (marked `prefect`; its worker starts one)."""
    return bool(PREFECT_FIXTURES & set(getattr(item, "fixturenames", ())))


def _shares_module_state(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.values() if info is not None else ()
    return any(d.scope in ("module", "class", "package") for group in defs for d in group)


def _loads_a_pipeline(item: pytest.Item) -> bool:
    return "tiny_model" in getattr(item, "fixturenames", ()) or bool(item.get_closest_marker("diffusers"))


@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads the groups off the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The modules with a test that loads a diffusion pipeline run on one worker together: each worker
    # that loads one first imports diffusers, transformers and torch's compiler (~5 CPU-s).
    # `--dist loadgroup`: tests hand out one by one, except a module whose tests share a module-
    # scoped fixture (a digest run, a served stack), which goes to one worker as a group.
    diffusers = {item.nodeid.split("::")[0] for item in items if _loads_a_pipeline(item)}
    for item in items:
        module = item.nodeid.split("::")[0]
        group = "diffusers" if module in diffusers else module if _shares_module_state(item) else None
        if group and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
        used = set(getattr(item, "fixturenames", ()))
        if _uses_prefect(item):
            item.add_marker(pytest.mark.prefect)
        if (
            used & SERVER_FIXTURES
            or item.get_closest_marker("browser")
            or item.get_closest_marker("postgres")
        ):
            item.add_marker(pytest.mark.server)
    # A group is a chain of tests that one worker runs one after another: the longest chains go out
    # first (the Makefile turns off xdist's own order, by the number of tests in a group), so that none
    # starts last and holds the run up: the heavy end-to-end tests, then the other groups, then the
    # tests with a server or marked slow, then the rest, quick and in-process, which even out the end
    # (three 5 s tests last on one worker once ended the run 15 s after the other two).
    items.sort(key=_chain_order)


def _chain_order(item: pytest.Item) -> int:
    group = item.get_closest_marker("xdist_group")
    if group is not None:
        return 0 if group.args[0] == HEAVY_E2E.args[0] else 1
    return 2 if item.get_closest_marker("server") or item.get_closest_marker("slow") else 3


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """`../shared/fixtures`: real third-party data; tests that need it skip where it is absent."""
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES}")
    return FIXTURES


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A tiny random-weight StableDiffusionPipeline saved to disk, loaded like any local model."""
    from tests.comic.tiny_pipeline import build_tiny_sd

    return str(
        made_once(tmp_path_factory, "tiny-sd", lambda folder: build_tiny_sd(folder / "tiny-sd")) / "tiny-sd"
    )


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


_PREFECT_SERVER: list[Future[tuple[Any, str]]] = []  # the worker's server, started early (below)


def _start_prefect_server(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    import shutil

    from tests.ops.stack import SERVER_SETTINGS, start_prefect_server
    from tests.timing import shared_work

    with shared_work():  # in a thread beside the first tests: charged to none of them
        home = tmp_path_factory.mktemp("prefect-server")
        shutil.copyfile(migrated_prefect_db(tmp_path_factory), home / "prefect.db")
        return start_prefect_server(home, **SERVER_SETTINGS)


# Long-lived objects out of the collector's way. A test process holds millions of objects from its
# imports (Prefect, pydantic, torch, diffusers) that live as long as it does, and every full collection
# walked them all: 29 of the 157 CPU-s of `make test-quick` went to the collector (gc.callbacks,
# measured), 10 of the 34 CPU-s of the diffusion tests. So once a test process has imported more, what
# is alive then is collected once and frozen (settle_heap): later collections walk what tests make.
@pytest.hookimpl(trylast=True)
def pytest_runtest_logfinish() -> None:
    settle_heap()


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A worker that will run a test needing Prefect starts the server now, beside its first tests:
    its ~10 s of start-up overlap other work instead of being charged to whichever test asks first.
    And every worker is told where the run keeps the real papers it has parsed (parse_real)."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or session.config.option.collectonly:
        return
    settle_heap()
    # The worker's base folder is made here, in the main thread, before the server's thread asks
    # for a folder in it: made by two threads at once, one of them removed what the other had
    # just made ("FileExistsError: .../popen-gw0" at the set-up of an unrelated first test).
    factory.getbasetemp()
    from tests.fixture_truth import PARSE_SHARE

    PARSE_SHARE[:] = [factory]
    # By the fixtures, as the mark is set: a module once marked `prefect` by hand as a whole held
    # tests that need no server, and every `make test-quick` worker started one for nothing.
    if any(_uses_prefect(item) for item in session.items):
        pool = ThreadPoolExecutor(1, thread_name_prefix="prefect-server")
        _PREFECT_SERVER.append(pool.submit(_start_prefect_server, factory))
        pool.shutdown(wait=False)


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real `prefect server start` per test worker, shared by every test that needs Prefect.

    In-process flows (prefect_harness), CLI subprocesses, `paperpanels serve`, the UI in Chromium and
    the `prefect` CLI all talk to it. Tests tell their runs apart by their own ids, names and stores.
    """
    from tests.ops.stack import stop

    try:
        proc, api = (
            _PREFECT_SERVER[0].result() if _PREFECT_SERVER else _start_prefect_server(tmp_path_factory)
        )
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield api
    stop(proc)


def pytest_unconfigure(config: pytest.Config) -> None:
    """A server started early for tests that then did not run (e.g. -x stopped the run first)."""
    from tests.ops.stack import stop

    for started in _PREFECT_SERVER:
        try:
            proc, _ = started.result(timeout=120)  # still starting (e.g. -x ended the run): wait, then stop
        except Exception:  # it never started: nothing to stop
            continue
        stop(proc)


@pytest.fixture(autouse=True)
def _prefect_state_stays_with_its_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the worker's Prefect server: no schedule or unfinished run of it is
    left to act in a later test (autouse: torn down after the test's own fixtures, serve included)."""
    yield
    if "prefect_api" in request.fixturenames:
        from tests.ops.stack import clear_prefect_state

        clear_prefect_state(request.getfixturevalue("prefect_api"))


@pytest.fixture(autouse=True)
def _stage_locks_stay_with_their_test() -> Iterator[None]:
    """After any test: this process holds no stage lock. One left held would make the next run of the
    same stage wait for as long as this process lives; it is released here, and the test fails."""
    yield
    from flows.runtime.locks import drop_held

    left = drop_held()
    if left:
        pytest.fail(f"the test left stage locks held by this process: {[p.name for p in left]}")


@pytest.fixture(autouse=True)
def _hosts_stay_with_their_test() -> Iterator[None]:
    """After any test: no host is remembered as refusing connections, and no rate-limit slot is held
    (tasks/harvest/hosts.py). A test server's port, refused once, may be another test's server's port
    a minute later; slots reserved by requests that gave up would delay the next test's first one."""
    yield
    from tasks.harvest.hosts import RATE_LIMITER, UNREACHABLE

    UNREACHABLE.forget()
    RATE_LIMITER.forget()


@pytest.fixture(scope="session")
def prefect_harness(prefect_api: str) -> Iterator[None]:
    """Flows run in this process against the worker's Prefect server (prefect_api)."""
    from prefect.context import _temporary_global_settings_context, get_settings_context
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: prefect_api, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        _temporary_global_settings_context(get_settings_context()),
    ):
        yield
        from prefect._internal.concurrency.services import QueueService

        QueueService.drain_all(timeout=5)  # logs and events still queued, while the server is up
