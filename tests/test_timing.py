"""The suite tells on itself (tests/timing.py), checked on a small suite run by pytest itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _finds_the_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the inner pytest imports tests.timing from here


SUITE = """
import time
import pytest

@pytest.fixture(scope="session")
def shared_server():
    time.sleep(1.5)  # a worker's server: set up once, charged to no test
    return "up"

def test_quick_but_first_to_ask(shared_server):
    assert shared_server == "up"

def test_slow():
    time.sleep(1.2)

@pytest.mark.max_seconds(5, "a justified exception")
def test_slow_with_a_limit_of_its_own():
    time.sleep(1.2)
"""


def test_a_slow_test_fails_the_run_by_name_and_shared_set_up_is_charged_to_none(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    durations = pytester.path / "durations.json"
    result = pytester.runpytest_subprocess(
        "-p", "tests.timing", "--max-test-seconds", "1", "--durations-json", str(durations)
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # every test passed: the limit failed the run
    result.stdout.fnmatch_lines(["*TOO SLOW: test_suite.py::test_slow took 1.* s (limit 1 s*"])
    assert "TOO SLOW: test_suite.py::test_quick_but_first_to_ask" not in result.stdout.str()
    assert "TOO SLOW: test_suite.py::test_slow_with_a_limit_of_its_own" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*own limit 5 s (max_seconds): test_suite.py::test_slow_with_a_limit_of_its_own*"]
    )
    result.stdout.fnmatch_lines(["*slowest 15 tests*", "*shared set-up (per worker, once): 1 fixtures, 2 s*"])
    timed = json.loads(durations.read_text())
    assert timed["tests"]["test_suite.py::test_quick_but_first_to_ask"] < 0.5
    assert timed["shared_setup_s"][0] >= 1.5
    assert timed["tests"]["test_suite.py::test_slow"] >= 1.2


def test_under_the_limit_the_run_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("-p", "tests.timing", "--max-test-seconds", "5")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*total: 3 tests, * s of test time, * s wall*"])
