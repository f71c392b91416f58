"""Every paper's stages, each submitted when the stages it needs have finished.

acquire -> parse -> {repro, summarize -> comic}: the card and the summary both start once the paper
is parsed. A stage is submitted with the paper's PaperWork (what the stages before it stored, as
values), never with a future, so no pool worker ever sits waiting for an upstream stage, and at
most `window` papers are in flight: memory stays flat however long the award list is. Waiting
stages go to the runners' wide pool, computing ones to the cores' (Backends.waits, and
flows/runtime/runners.py); the calls of several papers to a model are in flight together.

What needs what (NEXT_STAGES), and the calls to services inside each stage:
- acquire: the download (arXiv rate limit), or the PDF in the store / the papers folder;
- parse: needs the PDF; GROBID (grobid.concurrency) or the local parser (a core);
- repro: needs the parse only (a core), runs beside summarize;
- summarize: needs the parse only; two model calls, summary and review, asked at once (neither
  needs the other; each regenerated once at most; a long paper first has its map calls);
  summary.json records what both found;
- comic: needs summary.json (its claims, flags and faithfulness); the figures cut from the PDF
  (a core), then one model call for the script, then the drawing (a core, or the GPU's slot).
The critical path of one paper is thus acquire, parse, summarize (its calls), comic (its call, its
drawing); bench/time_to_publish.py prints it beside post -> published. A paper whose PDF cannot
be had at all (no file, nothing stored, downloads off or the hosts unreachable) is reported
without starting a task: an unavailable paper costs microseconds, not a task run.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from prefect import Task, get_run_logger
from prefect.exceptions import MissingContextError
from prefect.futures import PrefectFuture
from prefect.states import State

from config.settings import OpsSettings
from flows.runtime.locks import LeasedFileLocks, release_after_a_failed_hit
from tasks.backends import Backends
from tasks.harvest.errors import PdfUnavailable
from tasks.harvest.pdf import unavailable_without_trying
from tasks.models import AwardEntry, StageName, StageOutcome, StageState, StageStatus
from tasks.stages import (
    UNAVAILABLE,
    PaperWork,
    acquire_pdf,
    card_paper,
    draw_comic,
    parse_paper,
    summarize_paper,
)
from tasks.store import paper_key

if TYPE_CHECKING:
    from flows.runtime.runners import StageRunners

log = logging.getLogger("paperpanels.flow")
# Progress events (papers done, stage started) for the CLI's display, flows/cli/progress.py.
progress_log = logging.getLogger("paperpanels.progress")


def progress(conference: str, event: str, **detail: Any) -> None:
    record = {"progress": (conference, event, detail)}
    progress_log.debug("%s: %s %s", conference, event, detail, extra=record)


def _warn(message: str, *args: Any) -> None:
    """A WARNING in the run's log (the console and the UI), or this module's log outside a run."""
    try:
        get_run_logger().warning(message, *args)
    except MissingContextError:
        log.warning(message, *args)


# Set by the CLI on SIGINT / SIGTERM: no new stage starts, the run ends without publishing.
STOP = threading.Event()


class RunStopped(Exception):
    """The run was asked to stop before it finished; nothing was published."""


# What starts when a stage is done: the paper's stages as a DAG.
NEXT_STAGES: dict[StageName, tuple[StageName, ...]] = {
    StageName.ACQUIRE: (StageName.PARSE,),
    StageName.PARSE: (StageName.REPRO, StageName.SUMMARIZE),
    StageName.REPRO: (),
    StageName.SUMMARIZE: (StageName.COMIC,),
    StageName.COMIC: (),
}


@lru_cache(maxsize=4)
def lock_manager(kind: str, redis_url: str | None = None, lease_s: float = 30.0) -> Any:
    """One lock manager per kind and process: identical stage runs wait for each other's result."""
    release_after_a_failed_hit()
    if kind == "memory":
        from prefect.locking.memory import MemoryLockManager

        return MemoryLockManager()
    if kind == "file":
        from prefect.settings import PREFECT_HOME

        return LeasedFileLocks(PREFECT_HOME.value() / "paperpanels-locks", lease_s=lease_s)
    if kind == "redis":
        try:
            from flows.runtime.redis_locks import shared_redis_locks  # prefect-redis is optional
        except ImportError as exc:
            raise RuntimeError("ops.locks = 'redis' needs the prefect-redis package") from exc
        # A TTL of one lease on every lock, renewed while this process lives (flows/runtime/redis_locks.py).
        return shared_redis_locks(redis_url or "redis://127.0.0.1:6379/0", lease_s)
    return None


def result_storage(block: str) -> Any:
    """The S3Bucket block task results go to, read from the server (callers load it once per run: a
    block saved again with another bucket takes effect on the next run). Loaded as its own class: a
    "s3-bucket/<name>" slug makes Prefect look the class up by importing every installed Prefect
    integration first (prefect-dask's `distributed` among them: 2.6 CPU-s in each flow-run process)."""
    from prefect_aws import S3Bucket

    return S3Bucket.load(block)


def durable(task: Task[Any, Any], ops: OpsSettings, storage: Any = None) -> Task[Any, Any]:
    """The stage task with results in the configured block (S3; `storage`: that block, when the caller
    loaded it already) and serializable cache transactions."""
    durable_task = task
    if ops.result_block:
        durable_task = task.with_options(result_storage=storage or result_storage(ops.result_block))
    manager = lock_manager(ops.locks, ops.redis_url, ops.lock_lease_s)
    if manager is not None and durable_task.cache_policy is not None:
        if durable_task is task:
            durable_task = task.with_options()
        durable_task.cache_policy = durable_task.cache_policy.configure(
            isolation_level="SERIALIZABLE", lock_manager=manager
        )
    return durable_task


def fresh(
    task: Task[Any, Any], force: bool, ops: OpsSettings, storage: Any = None, **options: Any
) -> Task[Any, Any]:
    if force:
        options["refresh_cache"] = True
    # durable() last: with_options() rebuilds the cache policy.
    return durable(task.with_options(**options) if options else task, ops, storage)


def outcome_of(state: State[Any]) -> StageOutcome:
    """A Prefect state as plain data: status, and the stored objects a completed stage returned."""
    if state.is_completed() and state.name == UNAVAILABLE:  # no PDF: an outcome, not a failure
        return StageOutcome(status=StageStatus(state=StageState.UNAVAILABLE, error=state.message or "no PDF"))
    if state.is_completed():
        return StageOutcome.finished(state.result(), cached=state.name == "Cached")
    exc = state.result(raise_on_failure=False)
    if isinstance(exc, PdfUnavailable):
        return StageOutcome(status=StageStatus(state=StageState.UNAVAILABLE, error=str(exc)))
    if isinstance(exc, BaseException):
        message = f"{type(exc).__name__}: {exc}"
    else:
        message = state.message or f"ended {state.name}"
    return StageOutcome(status=StageStatus(state=StageState.FAILED, error=message))


Outcomes = dict[StageName, StageOutcome]


class PaperChains:
    """Runs the stages of many papers with at most `window` papers in flight."""

    def __init__(
        self,
        conference: str,
        entries: list[AwardEntry],
        *,
        run: Backends,
        force: bool = False,
        comic: bool = True,
        window: int = 8,
        on_paper_done: Callable[[str, Outcomes], None] | None = None,
        on_summaries: Callable[[dict[str, Outcomes]], None] | None = None,
        runners: StageRunners | None = None,
    ) -> None:
        self.conference = conference
        self.entries = entries
        self.run_with = run
        self.store = run.store
        self.force = force
        self.comic = comic
        self.window = max(1, window)
        self.on_paper_done = on_paper_done
        # Called once, when every paper has started and each has its summary's outcome (or ended
        # before it): what needs the summaries only can start while the comics are drawn.
        self.on_summaries = on_summaries
        self.runners = runners  # None: the flow's own task runner
        ops = run.settings.ops
        kept = result_storage(ops.result_block) if ops.result_block else None  # one load for all stages
        self.tasks = {
            StageName.ACQUIRE: fresh(acquire_pdf, force, ops, kept),
            StageName.PARSE: fresh(parse_paper, force, ops, kept),
            StageName.REPRO: fresh(card_paper, force, ops, kept),
            StageName.SUMMARIZE: fresh(summarize_paper, force, ops, kept),
            # the `gpu` tag limit: one comic per GPU at a time; a sketch takes no GPU slot (it held
            # the one slot through its model call: the comics of a conference went one at a time)
            StageName.COMIC: fresh(
                draw_comic, force, ops, kept, tags=["gpu"] if run.renderer.runs_on == "gpu" else []
            ),
        }
        self.outcomes: dict[str, Outcomes] = {}
        self.max_in_flight = 0  # measured, for tests and benches
        self._done: queue.SimpleQueue[tuple[str, StageName, PrefectFuture[Any]]] = queue.SimpleQueue()
        self._work: dict[str, PaperWork] = {}
        self._running: dict[str, int] = {}  # paper -> its stages in flight
        self._announced: set[StageName] = set()

    def _quick_unavailable(self, entry: AwardEntry) -> str | None:
        if self.force:
            in_store = False
        else:
            in_store = self.store.exists(paper_key(self.conference, entry.paper_id, "paper.pdf"))
        h = self.run_with.settings.harvest
        return unavailable_without_trying(
            entry, papers_dir=h.papers_dir, download=h.download, in_store=in_store
        )

    def _submit(self, pid: str, stage: StageName) -> None:
        task = self.tasks[stage]
        if stage not in self._announced:  # each fallback of the run said once, when a paper first needs it
            self._announced.add(stage)
            for notice in self.run_with.stage_notices.get(stage.value, ()):
                _warn("%s", notice)
        params: dict[str, Any] = {"work": self._work[pid], "run": self.run_with}
        if self.runners is not None:
            future = self.runners.submit(task, params, waits=self.run_with.waits(stage.value))
        else:
            future = task.submit(**params)
        self._running[pid] += 1
        progress(self.conference, "stage", paper=pid, stage=stage.value)
        future.add_done_callback(lambda f: self._done.put((pid, stage, f)))

    def _finish(self, pid: str) -> None:
        outcomes = self.outcomes[pid]
        for stage in NEXT_STAGES:
            if stage is StageName.COMIC and not self.comic:
                continue
            outcomes.setdefault(stage, StageOutcome.skipped("an earlier stage did not finish"))
        states = [o.status.state.value for o in outcomes.values()]
        progress(self.conference, "paper", paper=pid, states=states)
        if self.on_paper_done is not None:
            self.on_paper_done(pid, outcomes)

    def _start(self, entry: AwardEntry) -> bool:
        """Start a paper's first stage; False when it is reported unavailable without a task."""
        pid = entry.paper_id
        self.outcomes[pid] = {}
        reason = self._quick_unavailable(entry)
        if reason is not None:
            _warn("PDF unavailable: %s", reason)
            status = StageStatus(state=StageState.UNAVAILABLE, error=reason)
            self.outcomes[pid][StageName.ACQUIRE] = StageOutcome(status=status)
            self._finish(pid)
            return False
        self._work[pid] = PaperWork(conference=self.conference, entry=entry, force=self.force)
        self._running[pid] = 0
        self._submit(pid, StageName.ACQUIRE)
        return True

    def _stage_done(self, pid: str, stage: StageName, outcome: StageOutcome) -> bool:
        """Record a stage's outcome and submit what it unblocks; True when the paper is finished."""
        self.outcomes[pid][stage] = outcome
        self._running[pid] -= 1
        if outcome.status.state in (StageState.DONE, StageState.CACHED):
            self._work[pid] = self._work[pid].with_outputs(outcome.outputs)
            for following in NEXT_STAGES[stage]:
                if following is StageName.COMIC and not self.comic:
                    continue
                self._submit(pid, following)
        if self._running[pid] > 0:
            return False
        del self._work[pid], self._running[pid]
        return True

    def run(self) -> dict[str, Outcomes]:
        """Run every paper's stages to their end; returns each paper's stage outcomes."""
        pending = iter(self.entries)
        in_flight = 0
        exhausted = False
        progress(self.conference, "start", total=len(self.entries))
        while True:
            if STOP.is_set():
                raise RunStopped(f"stopped with {in_flight} paper(s) in flight; nothing published")
            while not exhausted and in_flight < self.window and not STOP.is_set():
                entry = next(pending, None)
                if entry is None:
                    exhausted = True
                elif self._start(entry):
                    in_flight += 1
                    self.max_in_flight = max(self.max_in_flight, in_flight)
            if in_flight == 0:
                return self.outcomes
            try:
                pid, stage, future = self._done.get(timeout=0.5)
            except queue.Empty:
                continue  # look at STOP again
            future.wait()  # done already: this fetches its final state without asking the server
            if self._stage_done(pid, stage, outcome_of(future.state)):
                in_flight -= 1
                self._finish(pid)
            self._tell_summaries()

    def _tell_summaries(self) -> None:
        if self.on_summaries is None or len(self.outcomes) < len(self.entries):
            return
        if all(StageName.SUMMARIZE in o for o in self.outcomes.values()):
            told, self.on_summaries = self.on_summaries, None
            told({pid: dict(o) for pid, o in self.outcomes.items()})


class Progress:
    """Calls report(fraction) at most every `every_s` seconds, and always at the end."""

    def __init__(self, total: int, report: Callable[[float], None], every_s: float = 2.0) -> None:
        self.total = max(total, 1)
        self.report = report
        self.every_s = every_s
        self.done = 0
        self._last = 0.0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.done >= self.total or now - self._last >= self.every_s:
            self._last = now
            self.report(self.done / self.total)
