"""The suite tells on itself: the slowest tests and the total at the end of every run, and a test
that costs more than --max-test-seconds (60 s by default; setup, call and teardown together) fails
the run with its name, so slowness is seen the day it is added.

What a test costs is counted two ways, and both are printed:
- CPU seconds of the test's own processes: the worker's, plus every process the test started and
  waited for (the CLI, `serve` and the flow runs it started, a Prefect server of its own). This does
  not depend on what runs beside the test, so it is what the limit checks: a test over 60 CPU-s
  fails the run ("TOO COSTLY"), the same on an idle box and on a busy CI runner.
- Wall seconds. Beside two more workers on 2 cores a test takes 1.5-3.5x its time alone (measured:
  the scheduled-watch e2e 45 s alone, 133 s on a busy CI runner), so a wall limit of 60 s fails or
  passes by what the neighbours do: a flaky rule. Wall time fails the run only past
  --max-test-wall-seconds (240 s by default: a hang, or a test that mostly waits), "TOO SLOW".

What a test worker sets up once for the whole session (its Prefect server, a release published once
for every worker) is charged to no test: it is timed apart and printed as one line, so the first test
that happens to ask for it is not blamed for it (and neither is hidden: the line shows the cost).

A pytest plugin (tests/conftest.py loads it: `pytest_plugins`): under pytest-xdist the controller
receives every worker's reports and does the counting; the workers time their shared set-up.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SLOWEST = 15
DURATIONS = pytest.StashKey[dict[str, float]]()
SHARED = pytest.StashKey[list[float]]()
LIMITS = pytest.StashKey[dict[str, float]]()  # the tests with a limit of their own
CPU = pytest.StashKey[dict[str, float]]()
STARTED = pytest.StashKey[float]()
SHARED_SETUP = "shared_setup_s"  # a report's user property: seconds of session-scoped set-up in it
TEST_CPU = "cpu_s"  # a report's user property: CPU seconds of the whole test (teardown report)
LIMIT = "limit_s"  # a report's user property: the test's own limit (the max_seconds marker)
_ITEM_SHARED = pytest.StashKey[float]()
_ITEM_SHARED_CPU = pytest.StashKey[float]()
_ITEM_CPU_START = pytest.StashKey[float]()
_depth = [0]  # session-scoped set-ups in progress (one may set up another: count the outer one)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--max-test-seconds",
        type=float,
        default=60.0,
        help="fail the run when a test (setup + call + teardown) costs more CPU seconds, its own "
        "and its child processes' (0: no limit)",
    )
    parser.addoption(
        "--max-test-wall-seconds",
        type=float,
        default=240.0,
        help="fail the run when a test takes longer in wall time (0: no limit): a hang, or a test "
        "that waits; a test's own max_seconds limit counts three times here",
    )
    parser.addoption(
        "--durations-json",
        default=None,
        help="also write every test's duration (setup + call + teardown) to this JSON file",
    )


def pytest_configure(config: pytest.Config) -> None:
    CHILDREN.install()
    config.addinivalue_line(
        "markers",
        "max_seconds(n, why): this test's own limit instead of --max-test-seconds; an exception to "
        "justify (tests/timing.py lists the rule), never the way to quiet a new slow test",
    )


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process, every thread of it included."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


class ChildCpu:
    """The CPU seconds of child processes, each charged to the test that started it.

    The kernel hands a child's CPU (with that of the children it waited for) to whoever reaps it, so
    a process-wide count of reaped children charges a test for what an earlier one started (a
    browser driver collected later, a zombie reaped by the next Popen: 67 CPU-s landed once on a
    0.6 s settings test). So each child is noted with the test running when it starts, and its usage
    is read when it is reaped (os.wait4 in place of os.waitpid: same result, plus the usage).
    Children started in a session-scoped set-up (or inside `shared_work()`) are charged to no test.
    """

    def __init__(self) -> None:
        self.current: str | None = None  # the test now running in this process
        self.started_by: dict[int, str | None] = {}
        self.charged: defaultdict[str, float] = defaultdict(float)
        self.shared = 0.0  # what processes charged to no test cost (the worker's Prefect server, ...)
        self.local = threading.local()
        self.installed = False

    def owner(self) -> str | None:
        return None if _depth[0] or getattr(self.local, "shared", False) else self.current

    def install(self) -> None:
        if self.installed or not hasattr(os, "wait4"):
            return
        self.installed = True
        waitpid, popen_init = os.waitpid, subprocess.Popen.__init__

        def counting_waitpid(pid: int, options: int) -> tuple[int, int]:
            if pid > 0:
                got, status, usage = os.wait4(pid, options)
            elif pid == -1:
                got, status, usage = os.wait3(options)
            else:
                return waitpid(pid, options)
            if got > 0:  # 0: nothing reaped (WNOHANG, as every Popen.poll() asks)
                owner = self.started_by.pop(got) if got in self.started_by else self.owner()
                spent = usage.ru_utime + usage.ru_stime
                if owner is None:  # a shared process is charged to no test, but counted
                    self.shared += spent
                else:
                    self.charged[owner] += spent
            return got, status

        def noting_init(popen: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
            popen_init(popen, *args, **kwargs)
            self.started_by[popen.pid] = self.owner()

        os.waitpid = counting_waitpid
        subprocess.Popen.__init__ = noting_init  # type: ignore[method-assign]
        # Popen.poll() reaps through a default argument bound to os.waitpid at import time.
        poll = subprocess.Popen._internal_poll  # type: ignore[attr-defined]
        defaults = list(poll.__defaults__)
        poll.__defaults__ = tuple(counting_waitpid if d is waitpid else d for d in defaults)

    def take(self, nodeid: str) -> float:
        """What the children this test started have cost, reaped so far (then forgotten)."""
        return self.charged.pop(nodeid, 0.0)


CHILDREN = ChildCpu()


@contextmanager
def shared_work() -> Iterator[None]:
    """Processes started in this block (in this thread) are charged to no test: e.g. the worker's
    Prefect server, started in a background thread beside the first tests (tests/conftest.py)."""
    CHILDREN.local.shared = True
    try:
        yield
    finally:
        CHILDREN.local.shared = False


def _counting(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # the controller, or a run without xdist


_IN_TESTS = [0.0]  # this process's own CPU seconds charged to tests (their children apart)
OUTSIDE = pytest.StashKey[dict[str, float]]()  # the controller's sum of each worker's outside_tests()


def outside_tests() -> dict[str, float]:
    """This process's CPU that no test was charged: start-up, collection, shared set-up; and that of
    the processes started for no test (the worker's Prefect server: its start and every request)."""
    return {"process": max(cpu_seconds() - _IN_TESTS[0], 0.0), "shared processes": CHILDREN.shared}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    spent = getattr(node, "workeroutput", {}).get("outside_tests", {})
    totals = node.config.stash.setdefault(OUTSIDE, {})
    for key, seconds in spent.items():
        totals[key] = totals.get(key, 0.0) + seconds


_SESSION: list[pytest.Session] = []  # the running session (pytest_runtest_logreport gets no config)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[STARTED] = time.monotonic()
    session.config.stash[DURATIONS] = defaultdict(float)
    session.config.stash[CPU] = {}
    session.config.stash[SHARED] = []
    session.config.stash[LIMITS] = {}
    _SESSION[:] = [session]


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
    """Time a session-scoped fixture's set-up, on the item that asked for it."""
    outer = fixturedef.scope == "session" and _depth[0] == 0
    item = getattr(request, "_pyfuncitem", None)
    started, cpu = time.monotonic(), cpu_seconds()
    _depth[0] += fixturedef.scope == "session"
    try:
        yield
    finally:
        _depth[0] -= fixturedef.scope == "session"
        if outer and item is not None:
            item.stash[_ITEM_SHARED] = item.stash.get(_ITEM_SHARED, 0.0) + time.monotonic() - started
            item.stash[_ITEM_SHARED_CPU] = item.stash.get(_ITEM_SHARED_CPU, 0.0) + cpu_seconds() - cpu


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_ITEM_CPU_START] = cpu_seconds()
    CHILDREN.current = item.nodeid


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = (yield).get_result()
    if report.when == "setup" and (shared := item.stash.get(_ITEM_SHARED, 0.0)):
        report.user_properties.append((SHARED_SETUP, shared))
    if report.when == "teardown" and _ITEM_CPU_START in item.stash:
        spent = cpu_seconds() - item.stash[_ITEM_CPU_START] - item.stash.get(_ITEM_SHARED_CPU, 0.0)
        CHILDREN.current = None
        _IN_TESTS[0] += max(spent, 0.0)
        report.user_properties.append((TEST_CPU, max(spent, 0.0) + CHILDREN.take(item.nodeid)))
    if report.when == "setup" and (own := item.get_closest_marker("max_seconds")) is not None:
        report.user_properties.append((LIMIT, float(own.args[0])))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _SESSION and _counting(config := _SESSION[0].config) and DURATIONS in config.stash:
        shared = sum(v for k, v in report.user_properties if k == SHARED_SETUP)
        for limit in (v for k, v in report.user_properties if k == LIMIT):
            config.stash[LIMITS][report.nodeid] = limit
        config.stash[DURATIONS][report.nodeid] += report.duration - shared
        for spent in (v for k, v in report.user_properties if k == TEST_CPU):
            config.stash[CPU][report.nodeid] = spent
        if shared:
            config.stash[SHARED].append(shared)


def limit_of(config: pytest.Config, nodeid: str) -> float:
    limit: float = config.getoption("--max-test-seconds")
    return config.stash.get(LIMITS, {}).get(nodeid, limit) if limit else 0.0


def wall_limit_of(config: pytest.Config, nodeid: str) -> float:
    limit: float = config.getoption("--max-test-wall-seconds")
    own = config.stash.get(LIMITS, {}).get(nodeid)
    return max(limit, 3 * own) if limit and own else limit


def too_costly(config: pytest.Config) -> list[tuple[str, float]]:
    """The tests over their CPU limit, most costly first."""
    spent = config.stash.get(CPU, {})
    costly = ((n, s) for n, s in spent.items() if (limit := limit_of(config, n)) and s > limit)
    return sorted(costly, key=lambda x: -x[1])


def too_slow(config: pytest.Config) -> list[tuple[str, float]]:
    """The tests over their wall-time limit, slowest first."""
    durations = config.stash.get(DURATIONS, {})
    slow = ((n, s) for n, s in durations.items() if (limit := wall_limit_of(config, n)) and s > limit)
    return sorted(slow, key=lambda x: -x[1])


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if (output := getattr(session.config, "workeroutput", None)) is not None:
        output["outside_tests"] = outside_tests()  # session fixtures are torn down: servers reaped
    failing = too_costly(session.config) or too_slow(session.config)
    if _counting(session.config) and failing and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _counting(config) or DURATIONS not in config.stash:
        return
    durations = config.stash[DURATIONS]
    wall = time.monotonic() - config.stash[STARTED]
    write = terminalreporter.write_line
    spent = config.stash.get(CPU, {})
    terminalreporter.section(f"slowest {SLOWEST} tests (setup + call + teardown)")
    for nodeid, seconds in sorted(durations.items(), key=lambda x: -x[1])[:SLOWEST]:
        write(f"{seconds:7.1f} s  {spent.get(nodeid, 0):6.1f} CPU-s  {nodeid}")
    write(f"most costly {SLOWEST} tests (CPU seconds of the test's processes; the limit checks these):")
    for nodeid, seconds in sorted(spent.items(), key=lambda x: -x[1])[:SLOWEST]:
        write(f"{seconds:7.1f} CPU-s  {durations.get(nodeid, 0):6.1f} s  {nodeid}")
    shared = config.stash.get(SHARED, [])
    write(f"shared set-up (per worker, once): {len(shared)} fixtures, {sum(shared):.0f} s, no test charged")
    outside = config.stash.get(OUTSIDE, None) or outside_tests()  # under xdist, the workers'; else this one's
    controller = f", {cpu_seconds():.0f} in the controller" if OUTSIDE in config.stash else ""
    write(
        f"CPU-s charged to no test: {outside['process']:.0f} in the test processes (start-up, collection, "
        f"shared set-up), {outside['shared processes']:.0f} in processes their tests share (Prefect "
        f"servers){controller}"
    )
    write(
        f"total: {len(durations)} tests, {sum(durations.values()):.0f} s of test time, "
        f"{sum(spent.values()):.0f} CPU-s in tests, {wall:.0f} s wall"
    )
    if out := config.getoption("--durations-json"):
        timed = {"wall_s": wall, "shared_setup_s": shared, "tests": durations, "cpu_s": spent}
        timed["outside_tests"] = outside
        Path(out).write_text(json.dumps(timed, indent=1), encoding="utf-8")
    for nodeid, own in sorted(config.stash.get(LIMITS, {}).items()):
        took = f"{spent.get(nodeid, 0):.1f} CPU-s, {durations.get(nodeid, 0):.1f} s"
        write(f"own limit {own:g} CPU-s (max_seconds): {nodeid} took {took}")
    for nodeid, seconds in too_costly(config):
        limit = limit_of(config, nodeid)
        write(f"TOO COSTLY: {nodeid} took {seconds:.1f} CPU-s (limit {limit:g} CPU-s)", red=True)
    for nodeid, seconds in too_slow(config):
        limit = wall_limit_of(config, nodeid)
        write(f"TOO SLOW: {nodeid} took {seconds:.1f} s of wall time (limit {limit:g} s)", red=True)
