"""CPU-bound stage work on a pool of processes, the stage's Prefect task run staying on its thread.

Parsing with the local parser and drawing a sketch comic are Python on a core: on threads the GIL
serialises them. A task run itself (states, logs, the store, an LLM or GROBID call) is cheap and
mostly waiting. So with `ops.task_runner = "local"` the task runs stay on the flow's threads and only
the pure computation (PDF bytes in, parsed paper out; script and figures in, page bytes out) is sent
to one process pool per process, sized min(concurrency, ops.cpu_workers or cores). Measured by
bench/scale_bench.py against Prefect's ProcessPoolTaskRunner, which moves the whole task run into the
worker and paid ~0.3 s of CPU per task run for it (client, context, state reporting): see the README.

`run_cpu` runs the function inline where no pool applies (`threads`, `dask`, one core, or a
conference too small to pay for starting workers), so every path computes the same thing.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from config.settings import Settings

T = TypeVar("T")

_POOLS: dict[int, ProcessPoolExecutor] = {}
_LOCK = threading.Lock()


def cores() -> int:
    """Cores this process may use (the affinity mask where there is one, e.g. in a container)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def cpu_processes(settings: Settings) -> int:
    """Processes for CPU-bound work: at most one per core and one per paper in flight."""
    return max(1, min(settings.concurrency, settings.ops.cpu_workers or cores()))


def uses_pool(settings: Settings) -> bool:
    return settings.ops.task_runner == "local" and cpu_processes(settings) > 1


def _warm() -> None:
    """Run once in each worker: import what the work needs, so the first paper pays no import."""
    import tasks.comic.draw
    import tasks.parse.local  # noqa: F401


def pool(workers: int) -> ProcessPoolExecutor:
    """This process's pool of `workers` processes (spawned: safe beside the flow's threads)."""
    with _LOCK:
        if workers not in _POOLS:
            context = multiprocessing.get_context("spawn")
            _POOLS[workers] = ProcessPoolExecutor(workers, mp_context=context, initializer=_warm)
        return _POOLS[workers]


@atexit.register
def shutdown() -> None:
    with _LOCK:
        for executor in _POOLS.values():
            executor.shutdown(wait=False, cancel_futures=True)
        _POOLS.clear()


def run_here(settings: Settings, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """fn(*args, **kwargs) in this thread: work that waits on a device or a service, not a core."""
    return fn(*args, **kwargs)


def run_cpu(settings: Settings, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """fn(*args, **kwargs) on the process pool when settings ask for one, else here."""
    if not uses_pool(settings):
        return fn(*args, **kwargs)
    return pool(cpu_processes(settings)).submit(fn, *args, **kwargs).result()
