"""CPU-bound stage work on a pool of processes, the stage's Prefect task run staying on its thread.

Parsing with the local parser and drawing a sketch comic are Python on a core: on threads the GIL
serialises them. A task run itself (states, logs, the store, an LLM or GROBID call) is cheap and
mostly waiting. So with `ops.task_runner = "local"` the task runs stay on the flow's threads and only
the pure computation (PDF bytes in, parsed paper out; script and figures in, page bytes out) is sent
to one process pool per process, sized min(concurrency, ops.cpu_workers or cores). Measured by
bench/scale_bench.py against Prefect's ProcessPoolTaskRunner, which moves the whole task run into the
worker and paid ~0.3 s of CPU per task run for it (client, context, state reporting): see the README.

`run_cpu` runs the function inline where no pool applies (`threads`, `dask`, one core, or a
conference too small to pay for starting workers), so every path computes the same thing; inline,
it holds one of cpu_processes(settings) process-wide slots, so however many stages wait on models
at once, no more computations than cores run together.

`run_bounded` runs one piece of work on hostile input (one PDF) in a child process of its own,
forked from a server process that has the parser imported (~10 ms a child): an address-space limit
(RLIMIT_AS) and a CPU-time limit (RLIMIT_CPU) apply to it alone, and a wall-clock deadline kills it.
A PDF that blows up then takes down its child, never the run: the caller gets `OverBudget` naming
the limit, and the other papers go on.
"""

from __future__ import annotations

import atexit
import logging
import math
import multiprocessing
import os
import resource
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.connection import Connection
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


_CPU_SLOTS: dict[int, threading.BoundedSemaphore] = {}


def cpu_slot(settings: Settings) -> threading.BoundedSemaphore:
    """This process's slots for computing inline: one per core (cpu_processes), shared by every stage."""
    slots = cpu_processes(settings)
    with _LOCK:
        return _CPU_SLOTS.setdefault(slots, threading.BoundedSemaphore(slots))


def run_cpu(settings: Settings, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """fn(*args, **kwargs) on the process pool when settings ask for one, else here on a core's slot."""
    if not uses_pool(settings):
        with cpu_slot(settings):
            return fn(*args, **kwargs)
    return pool(cpu_processes(settings)).submit(fn, *args, **kwargs).result()


# --------------------------------------------------------------------------- bounded work

log = logging.getLogger(__name__)
# What a bounded child needs imported before it forks: the parser and what it reads with.
PRELOAD = ["tasks.compute", "tasks.parse.local_backend", "tasks.parse.local", "tasks.models"]
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SERVER_PATH: str | None = None
_UNBOUNDED: set[str] = set()


class OverBudget(Exception):
    """Bounded work went over a limit or died; `limit` says which ("memory", "cpu", "time", "crash")."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True)
class Limits:
    """What one piece of bounded work may use: address space, CPU seconds, wall-clock seconds."""

    memory_mb: int
    cpu_s: float
    wall_s: float


def can_fork_children() -> bool:
    """False in a daemonic process (a Dask worker): multiprocessing refuses to start children there."""
    return not multiprocessing.current_process().daemon and hasattr(resource, "RLIMIT_AS")


def _context() -> Any:
    """The forkserver context, its server started with this process's import path."""
    global _SERVER_PATH
    context = multiprocessing.get_context("forkserver")
    path = os.pathsep.join(p for p in sys.path if p)
    with _LOCK:
        if path != _SERVER_PATH:
            context.set_forkserver_preload(PRELOAD)
            # Python 3.11's forkserver imports the preloaded modules with the import path of its
            # environment, not this process's: a checkout first on sys.path must be first there too.
            saved = os.environ.get("PYTHONPATH")
            os.environ["PYTHONPATH"] = path
            try:
                forkserver.ensure_running()
            finally:
                if saved is None:
                    os.environ.pop("PYTHONPATH", None)
                else:
                    os.environ["PYTHONPATH"] = saved
            _SERVER_PATH = path
    return context


def limit_cpu(seconds: float) -> None:
    """In bounded work: lower this process's CPU budget to `seconds` from now (e.g. once pages are known)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    wanted = math.ceil(spent + seconds)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        resource.setrlimit(resource.RLIMIT_CPU, (wanted, hard))


def _child(conn: Connection, limits: Limits, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The bounded child: set its limits, run fn, send back ("ok", result) or ("error", exception)."""
    memory = limits.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = math.ceil(limits.cpu_s)
    # Past the soft limit the kernel sends SIGXCPU (which ends the process); past the hard, SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    try:
        reply: tuple[str, Any] = ("ok", fn(*args))
    except MemoryError:
        reply = ("memory", None)
    except Exception as exc:  # any error of the work is the caller's to judge: send it back
        reply = ("error", exc)
    try:
        conn.send(reply)
    except MemoryError:
        conn.send(("memory", None))
    conn.close()


def _verdict(exitcode: int | None, limits: Limits) -> OverBudget:
    """Why a child ended without an answer, in words an operator can act on."""
    if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
        return OverBudget("cpu", "used up its CPU time and was stopped")
    name = signal.Signals(-exitcode).name if exitcode is not None and exitcode < 0 else f"exit {exitcode}"
    return OverBudget(
        "crash",
        f"process died ({name}), most likely past its memory budget of {limits.memory_mb} MB",
    )


def run_bounded(limits: Limits, fn: Callable[..., T], *args: Any, slots: int = 1, kind: str = "") -> T:
    """fn(*args) in a child process under limits; OverBudget when it goes over one or dies.

    At most `slots` children run at once (per slots value), so a conference cannot start more
    parsers than there are cores. Exceptions fn raises come back as they are. Where no child can be
    started (a daemonic worker), fn runs here without the process limits, and the log says so.
    """
    if not can_fork_children():
        if fn.__name__ not in _UNBOUNDED:  # said once per process and kind of work
            _UNBOUNDED.add(fn.__name__)
            log.warning(
                "%s runs without its memory and CPU limits: this process cannot start children", fn.__name__
            )
        return fn(*args)
    with _LOCK:
        gate = _SLOTS.setdefault(slots, threading.BoundedSemaphore(slots))
    with gate:
        context = _context()
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(send, limits, fn, args), name=f"bounded-{fn.__name__}")
        try:
            child.start()
        except OSError as exc:  # the fork server is gone or the system refuses a process
            raise OverBudget("start", f"could not start its process ({exc})") from exc
        finally:
            send.close()  # the child holds the only writer: its death ends the pipe
        try:
            reply = _wait(child, receive, limits)
        finally:
            receive.close()
            if child.is_alive():
                child.kill()
            child.join()
    kind, value = reply
    if kind == "ok":
        return value
    if kind == "memory":
        raise OverBudget("memory", f"needed more than its memory budget of {limits.memory_mb} MB")
    raise value


def _wait(child: Any, receive: Connection, limits: Limits) -> tuple[str, Any]:
    """The child's reply, or OverBudget when it dies or passes the wall-clock deadline first."""
    if not receive.poll(limits.wall_s):
        if child.is_alive():
            child.kill()
            child.join()
            raise OverBudget("time", f"took longer than {limits.wall_s:g} s and was stopped")
        child.join()
        raise _verdict(child.exitcode, limits)
    try:
        reply: tuple[str, Any] = receive.recv()
    except (EOFError, OSError):
        child.join()
        raise _verdict(child.exitcode, limits) from None
    return reply
