"""Where a conference's stages run: threads for waiting, processes for computing, or a Dask cluster.

Two kinds of work, each as wide as its own limit (whoever starts the run: CLI, deployment form,
backfill, watch):

- waiting work (a stage whose backend waits on a model, GROBID, a download or the GPU:
  Backends.waits) is submitted to a wide pool of threads, `wait_width`: the sum of the services'
  own limits. What actually bounds it is inside the call: `llm.concurrency` slots and the `llm`
  rate limit (tasks/llm), `grobid.concurrency` (tasks/parse/grobid.py), the `arxiv` rate limit,
  the `gpu` tag. A thread waiting costs no core.
- computing work (local parse, repro card, an extractive summary, a sketch comic) is submitted to
  a pool of cpu_processes(settings) = min(concurrency, cores) threads, and the computation itself
  holds a core's slot (tasks/compute.py run_cpu / run_bounded), also when a waiting stage computes
  (the sketch drawing after the model's script).

`concurrency` (papers at once, sized for the cores) bounds the papers in flight for computing;
papers waiting on a model come on top (`papers_in_flight`), so the model's calls of several papers
wait together. `ops.task_runner` picks where computing runs:

- ``local`` (default): the computation inside parse (local parser) and the sketch comic goes to a
  pool of min(concurrency, cores) processes (tasks/compute.py), where the GIL does not serialise
  it. A worker process costs a second or two to start: a conference of fewer than
  `ops.process_min_papers` papers stays on threads. Prefect's ProcessPoolTaskRunner (the whole task
  run in the worker) was measured first and lost to plain threads: ~0.3 s of CPU per task run for
  its client, context and state reporting. Figures: bench/scale_bench.py, quoted in the README.
- ``threads``: the computation on the stage's thread, under a core's slot (least memory, no
  speed-up for CPU work).
- ``dask``: every stage on a Dask cluster through prefect-dask: the one at `ops.dask_address`
  (``tcp://scheduler:8786``: the compose stack's, or a Dask operator's on Kubernetes), else a
  `distributed.LocalCluster` of worker processes started for the run. Each worker runs several
  threads, so an I/O-bound stage does not hold a process to itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from config.settings import Settings
from tasks.backends import Backends
from tasks.compute import cores, cpu_processes, uses_pool

__all__ = ["StageRunners", "cores", "cpu_processes", "dask_runner", "for_papers", "wait_width"]


def for_papers(settings: Settings, papers: int) -> Settings:
    """The run's settings for a conference of `papers` papers: below ops.process_min_papers the
    CPU-bound work stays on threads (starting worker processes would cost more than it saves)."""
    if settings.ops.task_runner == "local" and papers < settings.ops.process_min_papers:
        return settings.with_values(**{"ops.task_runner": "threads"})
    return settings


def wait_width(settings: Settings) -> int:
    """Threads for waiting work: enough that the services' own limits, not threads, bound it."""
    s = settings
    return s.llm.calls_at_once + s.grobid.concurrency + s.ops.gpu_slots + s.concurrency


class StageRunners:
    """The task runners a flow run's stages are submitted to (waiting, computing), entered for that run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.kind = settings.ops.task_runner
        self.io: Any = None  # waiting work
        self.cpu: Any = None  # computing work
        self._stack = ExitStack()

    def describe(self) -> str:
        s = self.settings
        if self.kind == "dask":
            where = s.ops.dask_address or f"a local cluster of {cpu_processes(s)} worker processes"
            return f"Dask ({where})"
        waiting = f"{wait_width(s)} threads for waiting work (model calls: {s.llm.calls_at_once} at once)"
        computing = f"{cpu_processes(s)} threads for computing"
        if uses_pool(s):
            computing += f", {cpu_processes(s)} processes for parsing and sketch comics"
        return f"{waiting}; {computing}"

    def papers_in_flight(self, run: Backends) -> int:
        """Papers started at once: two per paper computing, plus those the services can serve at once."""
        s = self.settings
        waiting = s.llm.calls_at_once if run.waits_on_model() else 0
        if run.waits("parse"):
            waiting += s.grobid.concurrency
        return 2 * s.concurrency + waiting

    def __enter__(self) -> StageRunners:
        from prefect.task_runners import ThreadPoolTaskRunner

        s = self.settings
        if self.kind == "dask":
            self.io = self.cpu = self._stack.enter_context(dask_runner(s))
        else:
            self.io = self._stack.enter_context(ThreadPoolTaskRunner(max_workers=wait_width(s)))
            self.cpu = self._stack.enter_context(ThreadPoolTaskRunner(max_workers=cpu_processes(s)))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def submit(self, task: Any, parameters: dict[str, Any], *, waits: bool = True) -> Any:
        return (self.io if waits else self.cpu).submit(task, parameters)


@contextmanager
def dask_runner(settings: Settings) -> Iterator[Any]:
    """prefect-dask's runner on the cluster at ops.dask_address, else on a local cluster of processes."""
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise RuntimeError("ops.task_runner = 'dask' needs the prefect-dask package") from exc
    address = settings.ops.dask_address
    if address:
        runner = DaskTaskRunner(address=address)
    else:
        workers = cpu_processes(settings)
        runner = DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": workers,
                "processes": True,
                # threads per worker: the papers in flight share the workers' threads
                "threads_per_worker": max(1, math.ceil(settings.concurrency / workers)),
                "dashboard_address": None,
            },
        )
    with runner as entered:
        yield entered
