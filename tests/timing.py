"""The suite tells on itself: the slowest tests and the total at the end of every run, and a test
that takes longer than --max-test-seconds (60 s by default; setup, call and teardown together) fails
the run with its name, so slowness is seen the day it is added.

A plugin of the root conftest (tests/conftest.py): under pytest-xdist the controller receives every
worker's reports and does the counting; the workers do nothing here.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

SLOWEST = 15
DURATIONS = pytest.StashKey[dict[str, float]]()
STARTED = pytest.StashKey[float]()


def addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--max-test-seconds",
        type=float,
        default=60.0,
        help="fail the run when a test (setup + call + teardown) takes longer (0: no limit)",
    )
    parser.addoption(
        "--durations-json",
        default=None,
        help="also write every test's duration (setup + call + teardown) to this JSON file",
    )


def _counting(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # the controller, or a run without xdist


_SESSION: list[pytest.Session] = []  # the running session (pytest_runtest_logreport gets no config)


def sessionstart(session: pytest.Session) -> None:
    session.config.stash[STARTED] = time.monotonic()
    session.config.stash[DURATIONS] = defaultdict(float)
    _SESSION[:] = [session]


def logreport(report: pytest.TestReport) -> None:
    if _SESSION and _counting(config := _SESSION[0].config) and DURATIONS in config.stash:
        config.stash[DURATIONS][report.nodeid] += report.duration


def too_slow(config: pytest.Config) -> list[tuple[str, float]]:
    limit = config.getoption("--max-test-seconds")
    durations = config.stash.get(DURATIONS, {})
    return sorted(((n, s) for n, s in durations.items() if limit and s > limit), key=lambda x: -x[1])


def sessionfinish(session: pytest.Session) -> None:
    if _counting(session.config) and too_slow(session.config) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not _counting(config) or DURATIONS not in config.stash:
        return
    durations = config.stash[DURATIONS]
    wall = time.monotonic() - config.stash[STARTED]
    write = terminalreporter.write_line
    terminalreporter.section(f"slowest {SLOWEST} tests (setup + call + teardown)")
    for nodeid, seconds in sorted(durations.items(), key=lambda x: -x[1])[:SLOWEST]:
        write(f"{seconds:7.1f} s  {nodeid}")
    write(f"total: {len(durations)} tests, {sum(durations.values()):.0f} s of test time, {wall:.0f} s wall")
    if out := config.getoption("--durations-json"):
        Path(out).write_text(json.dumps({"wall_s": wall, "tests": durations}, indent=1), encoding="utf-8")
    limit = config.getoption("--max-test-seconds")
    for nodeid, seconds in too_slow(config):
        terminalreporter.write_line(
            f"TOO SLOW: {nodeid} took {seconds:.1f} s (limit {limit:g} s, --max-test-seconds)", red=True
        )
