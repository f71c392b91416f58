"""The suite tells on itself: the slowest tests and the total at the end of every run, and a test
that takes longer than --max-test-seconds (60 s by default; setup, call and teardown together) fails
the run with its name, so slowness is seen the day it is added.

What a test worker sets up once for the whole session (its Prefect server, a release published once
for every worker) is charged to no test: it is timed apart and printed as one line, so the first test
that happens to ask for it is not blamed for it (and neither is hidden: the line shows the cost).

A pytest plugin (tests/conftest.py loads it: `pytest_plugins`): under pytest-xdist the controller
receives every worker's reports and does the counting; the workers time their shared set-up.
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
SHARED = pytest.StashKey[list[float]]()
LIMITS = pytest.StashKey[dict[str, float]]()  # the tests with a limit of their own
STARTED = pytest.StashKey[float]()
SHARED_SETUP = "shared_setup_s"  # a report's user property: seconds of session-scoped set-up in it
LIMIT = "limit_s"  # a report's user property: the test's own limit (the max_seconds marker)
_ITEM_SHARED = pytest.StashKey[float]()
_depth = [0]  # session-scoped set-ups in progress (one may set up another: count the outer one)


def pytest_addoption(parser: pytest.Parser) -> None:
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "max_seconds(n, why): this test's own limit instead of --max-test-seconds; an exception to "
        "justify (tests/timing.py lists the rule), never the way to quiet a new slow test",
    )


def _counting(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # the controller, or a run without xdist


_SESSION: list[pytest.Session] = []  # the running session (pytest_runtest_logreport gets no config)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[STARTED] = time.monotonic()
    session.config.stash[DURATIONS] = defaultdict(float)
    session.config.stash[SHARED] = []
    session.config.stash[LIMITS] = {}
    _SESSION[:] = [session]


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
    """Time a session-scoped fixture's set-up, on the item that asked for it."""
    outer = fixturedef.scope == "session" and _depth[0] == 0
    item = getattr(request, "_pyfuncitem", None)
    started = time.monotonic()
    _depth[0] += fixturedef.scope == "session"
    try:
        yield
    finally:
        _depth[0] -= fixturedef.scope == "session"
        if outer and item is not None:
            item.stash[_ITEM_SHARED] = item.stash.get(_ITEM_SHARED, 0.0) + time.monotonic() - started


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = (yield).get_result()
    if report.when == "setup" and (shared := item.stash.get(_ITEM_SHARED, 0.0)):
        report.user_properties.append((SHARED_SETUP, shared))
    if report.when == "setup" and (own := item.get_closest_marker("max_seconds")) is not None:
        report.user_properties.append((LIMIT, float(own.args[0])))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _SESSION and _counting(config := _SESSION[0].config) and DURATIONS in config.stash:
        shared = sum(v for k, v in report.user_properties if k == SHARED_SETUP)
        for limit in (v for k, v in report.user_properties if k == LIMIT):
            config.stash[LIMITS][report.nodeid] = limit
        config.stash[DURATIONS][report.nodeid] += report.duration - shared
        if shared:
            config.stash[SHARED].append(shared)


def limit_of(config: pytest.Config, nodeid: str) -> float:
    limit: float = config.getoption("--max-test-seconds")
    return config.stash.get(LIMITS, {}).get(nodeid, limit) if limit else 0.0


def too_slow(config: pytest.Config) -> list[tuple[str, float]]:
    durations = config.stash.get(DURATIONS, {})
    slow = ((n, s) for n, s in durations.items() if (limit := limit_of(config, n)) and s > limit)
    return sorted(slow, key=lambda x: -x[1])


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if _counting(session.config) and too_slow(session.config) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _counting(config) or DURATIONS not in config.stash:
        return
    durations = config.stash[DURATIONS]
    wall = time.monotonic() - config.stash[STARTED]
    write = terminalreporter.write_line
    terminalreporter.section(f"slowest {SLOWEST} tests (setup + call + teardown)")
    for nodeid, seconds in sorted(durations.items(), key=lambda x: -x[1])[:SLOWEST]:
        write(f"{seconds:7.1f} s  {nodeid}")
    shared = config.stash.get(SHARED, [])
    write(f"shared set-up (per worker, once): {len(shared)} fixtures, {sum(shared):.0f} s, no test charged")
    write(f"total: {len(durations)} tests, {sum(durations.values()):.0f} s of test time, {wall:.0f} s wall")
    if out := config.getoption("--durations-json"):
        timed = {"wall_s": wall, "shared_setup_s": shared, "tests": durations}
        Path(out).write_text(json.dumps(timed, indent=1), encoding="utf-8")
    for nodeid, own in sorted(config.stash.get(LIMITS, {}).items()):
        write(f"own limit {own:g} s (max_seconds): {nodeid} took {durations.get(nodeid, 0):.1f} s")
    for nodeid, seconds in too_slow(config):
        limit = limit_of(config, nodeid)
        terminalreporter.write_line(f"TOO SLOW: {nodeid} took {seconds:.1f} s (limit {limit:g} s)", red=True)
