"""The suite tells on itself (tests/timing.py), checked on a small suite run by pytest itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
pytestmark = [pytest.mark.slow]  # each runs pytest in a child process
ROOT = Path(__file__).resolve().parent.parent
# The inner runs are outside the project, so its addopts do not apply: the same plugins off (the
# langsmith plugin's imports alone cost ~0.35 CPU-s a run).
QUIET = ("-p", "no:langsmith_plugin", "-p", "no:anyio", "-p", "tests.timing")


@pytest.fixture(autouse=True)
def _finds_the_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the inner pytest imports tests.timing from here


SUITE = """
import subprocess
import sys
import time
import pytest

def burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass

@pytest.fixture(scope="session")
def shared_server():
    burn(0.4)  # a worker's server: set up once, charged to no test
    return "up"

def test_quick_but_first_to_ask(shared_server):
    assert shared_server == "up"

def test_costly():
    burn(0.3)

def test_costly_in_a_child_process():
    # the CPU of a process the test started and waited for is the test's
    code = "import time\\nend = time.process_time() + 0.3\\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", code], check=True)

def test_waits():
    time.sleep(0.3)  # no CPU: only the wall-time limit sees it

LEFT = []

def test_leaves_a_costly_child_behind():
    code = "import time\\nend = time.process_time() + 0.3\\nwhile time.process_time() < end: pass"
    LEFT.append(subprocess.Popen([sys.executable, "-c", code]))

def test_reaps_a_child_it_did_not_start():
    LEFT[0].wait()  # its CPU is the first test's (reaped too late to count), never this one's

def test_starts_a_process_its_neighbours_share():
    from tests.timing import shared_work

    code = "import time\\nend = time.process_time() + 0.3\\nwhile time.process_time() < end: pass"
    with shared_work():  # as a worker's Prefect server is started: charged to no test, counted apart
        server = subprocess.Popen([sys.executable, "-c", code])
    server.wait()

@pytest.mark.max_seconds(5, "a justified exception")
def test_costly_with_a_limit_of_its_own():
    burn(0.3)
"""


def test_a_costly_test_fails_the_run_by_name_and_shared_set_up_is_charged_to_none(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    durations = pytester.path / "durations.json"
    result = pytester.runpytest_subprocess(
        *QUIET, "--max-test-seconds", "0.2", "--durations-json", str(durations)
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # every test passed: the limit failed the run
    out = result.stdout.str()
    result.stdout.fnmatch_lines(["*TOO COSTLY: test_suite.py::test_costly took 0.* CPU-s (limit 0.2 CPU-s*"])
    result.stdout.fnmatch_lines(
        ["*TOO COSTLY: test_suite.py::test_costly_in_a_child_process took 0.* CPU-s*"]
    )
    cheap_ones = (
        "test_quick_but_first_to_ask",
        "test_waits",
        "test_costly_with_a_limit_of_its_own",
        "test_reaps_a_child_it_did_not_start",
        "test_starts_a_process_its_neighbours_share",
    )
    for cheap in cheap_ones:
        assert f"TOO COSTLY: test_suite.py::{cheap}" not in out
    assert "TOO SLOW" not in out  # no test took 240 s of wall time
    result.stdout.fnmatch_lines(
        ["*own limit 5 CPU-s (max_seconds): test_suite.py::test_costly_with_a_limit_of_its_own took 0.*"]
    )
    result.stdout.fnmatch_lines(
        [
            "*slowest 15 tests*",
            "*most costly 15 tests*",
            "*shared set-up (per worker, once): 1 fixtures, * s, no test charged*",
        ]
    )
    timed = json.loads(durations.read_text())
    # the set-up it asked for first (0.4 CPU-s, more wall time on a busy box) is charged to none
    assert timed["tests"]["test_suite.py::test_quick_but_first_to_ask"] < 0.3
    assert timed["cpu_s"]["test_suite.py::test_quick_but_first_to_ask"] < 0.15
    assert timed["shared_setup_s"][0] >= 0.4
    assert timed["tests"]["test_suite.py::test_waits"] >= 0.3
    assert timed["cpu_s"]["test_suite.py::test_waits"] < 0.15
    assert timed["cpu_s"]["test_suite.py::test_costly"] >= 0.3
    assert timed["cpu_s"]["test_suite.py::test_reaps_a_child_it_did_not_start"] < 0.15
    assert timed["cpu_s"]["test_suite.py::test_starts_a_process_its_neighbours_share"] < 0.15
    assert timed["outside_tests"]["shared processes"] >= 0.3  # ... but counted, as what no test paid
    assert timed["outside_tests"]["process"] >= 0.4  # the shared set-up, at least
    result.stdout.fnmatch_lines(["*CPU-s charged to no test: * in processes their tests share*"])


def test_a_test_past_the_wall_time_limit_fails_the_run_by_name(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(  # the two tests it reads, not the costly ones
        *QUIET, "--max-test-seconds", "5", "--max-test-wall-seconds", "0.25", "-k", "waits or its_own"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*TOO SLOW: test_suite.py::test_waits took 0.* s of wall time (limit 0.25 s)*"]
    )
    assert "TOO COSTLY" not in result.stdout.str()
    # a test's own limit counts three times for wall time: 15 s here
    assert "TOO SLOW: test_suite.py::test_costly_with_a_limit_of_its_own" not in result.stdout.str()


def test_under_the_limit_the_run_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(*QUIET, "--max-test-seconds", "5")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*total: 8 tests, * s of test time, * CPU-s in tests, * s wall*"])
