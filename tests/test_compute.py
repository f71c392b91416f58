"""Bounded work (tasks/compute.py run_bounded): a child per piece of work, its limits, its verdicts."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from tasks.compute import Limits, OverBudget, run_bounded
from tasks.parse.errors import NotAPdfError

ROOMY = Limits(memory_mb=1024, cpu_s=20, wall_s=60)


def _pid() -> int:
    return os.getpid()


def _refuse(name: str) -> None:
    raise NotAPdfError(name, "is an HTML page")


def _grab(mb: int) -> int:
    return len(bytearray(mb << 20))


def _spin() -> None:
    while True:
        pass


def _hang() -> None:
    time.sleep(3600)  # the fault: work that never ends without using CPU


def test_the_work_runs_in_a_child_and_its_errors_come_back_as_they_are() -> None:
    assert run_bounded(ROOMY, _pid) != os.getpid()
    with pytest.raises(NotAPdfError) as info:
        run_bounded(ROOMY, _refuse, "a.pdf")
    assert str(info.value) == "a.pdf: is an HTML page" and info.value.source == "a.pdf"


@pytest.mark.parametrize(
    ("fn", "args", "limits", "limit"),
    [
        (_grab, (512,), Limits(memory_mb=256, cpu_s=20, wall_s=60), "memory"),
        (_spin, (), Limits(memory_mb=1024, cpu_s=1, wall_s=60), "cpu"),
        (_hang, (), Limits(memory_mb=1024, cpu_s=20, wall_s=1), "time"),
    ],
)
def test_each_limit_stops_the_child_and_says_which(
    fn: object, args: tuple[int, ...], limits: Limits, limit: str
) -> None:
    with pytest.raises(OverBudget) as info:
        run_bounded(limits, fn, *args)  # type: ignore[arg-type]
    assert info.value.limit == limit, str(info.value)
    assert run_bounded(ROOMY, _pid) > 0  # and the next piece of work runs as ever


def _in_a_daemon(queue: multiprocessing.Queue[object]) -> None:
    queue.put(run_bounded(ROOMY, _pid) == os.getpid())


def test_a_daemonic_worker_runs_the_work_itself() -> None:
    # Dask's workers are daemonic: multiprocessing lets them start no child, so the work runs there.
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[object] = context.Queue()
    worker = context.Process(target=_in_a_daemon, args=(queue,), daemon=True)
    worker.start()
    assert queue.get(timeout=60) is True
    worker.join()
