"""Where a conference's stages run: threads for waiting, processes for computing, or a Dask cluster.

`ops.task_runner` picks one of three, and `concurrency` (papers at once) sizes it, whoever starts
the run (CLI, deployment form, backfill, watch):

- ``local`` (default): every stage's task run is on a pool of `concurrency` threads, where waiting
  for a download, an LLM, GROBID or S3 costs no core; the CPU-bound computation inside parse (local
  parser) and the sketch comic goes to a pool of min(concurrency, cores) processes
  (tasks/compute.py), where the GIL does not serialise it. A worker process costs a second or two
  to start: a conference of fewer than `ops.process_min_papers` papers stays on threads. Prefect's
  ProcessPoolTaskRunner (the whole task run in the worker) was measured first and lost to plain
  threads: ~0.3 s of CPU per task run for its client, context and state reporting.
  Figures: bench/scale_bench.py, quoted in the README.
- ``threads``: every stage on the thread pool (the previous behaviour: least memory, no speed-up
  for CPU work).
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
from tasks.compute import cores, cpu_processes, uses_pool

__all__ = ["StageRunners", "cores", "cpu_processes", "dask_runner", "for_papers"]


def for_papers(settings: Settings, papers: int) -> Settings:
    """The run's settings for a conference of `papers` papers: below ops.process_min_papers the
    CPU-bound work stays on threads (starting worker processes would cost more than it saves)."""
    if settings.ops.task_runner == "local" and papers < settings.ops.process_min_papers:
        return settings.with_values(**{"ops.task_runner": "threads"})
    return settings


class StageRunners:
    """The task runner a flow run's stages are submitted to, entered for that run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.kind = settings.ops.task_runner
        self.io: Any = None
        self._stack = ExitStack()

    def describe(self) -> str:
        s = self.settings
        if self.kind == "dask":
            where = s.ops.dask_address or f"a local cluster of {cpu_processes(s)} worker processes"
            return f"Dask ({where})"
        if uses_pool(s):
            return f"{s.concurrency} threads; {cpu_processes(s)} processes for parsing and sketch comics"
        return f"{s.concurrency} threads"

    def __enter__(self) -> StageRunners:
        from prefect.task_runners import ThreadPoolTaskRunner

        s = self.settings
        if self.kind == "dask":
            self.io = self._stack.enter_context(dask_runner(s))
        else:
            self.io = self._stack.enter_context(ThreadPoolTaskRunner(max_workers=s.concurrency))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def submit(self, task: Any, parameters: dict[str, Any]) -> Any:
        return self.io.submit(task, parameters)


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
