"""Every paper's chain of stages, each stage submitted when the one before it has finished.

acquire -> parse -> summarize -> comic. A stage is submitted with its input's value, never with a
future of it, so no pool worker ever sits waiting for an upstream stage, and at most `window`
papers are in flight: memory stays flat however long the award list is. A paper whose PDF cannot
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

from config.settings import OpsSettings, Settings
from tasks.harvest.errors import PdfUnavailable
from tasks.harvest.pdf import unavailable_without_trying
from tasks.models import AwardEntry, StageName, StageOutcome, StageResult, StageState, StageStatus
from tasks.stages import UNAVAILABLE, acquire_pdf, draw_comic, parse_paper, summarize_paper
from tasks.store import ArtifactStore, paper_key

if TYPE_CHECKING:
    from flows.runners import StageRunners

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


NEXT_STAGE = {
    StageName.ACQUIRE: StageName.PARSE,
    StageName.PARSE: StageName.SUMMARIZE,
    StageName.SUMMARIZE: StageName.COMIC,
    StageName.COMIC: None,
}


@lru_cache(maxsize=4)
def lock_manager(kind: str, redis_url: str | None = None, lease_s: float = 30.0) -> Any:
    """One lock manager per kind and process: identical stage runs wait for each other's result."""
    if kind == "memory":
        from prefect.locking.memory import MemoryLockManager

        return MemoryLockManager()
    if kind == "file":
        from prefect.settings import PREFECT_HOME

        from flows.locks import LeasedFileLocks

        return LeasedFileLocks(PREFECT_HOME.value() / "paperpanels-locks", lease_s=lease_s)
    if kind == "redis":
        try:
            from flows.redis_locks import shared_redis_locks
        except ImportError as exc:
            raise RuntimeError("ops.locks = 'redis' needs the prefect-redis package") from exc
        # A TTL of one lease on every lock, renewed while this process lives (flows/redis_locks.py).
        return shared_redis_locks(redis_url or "redis://127.0.0.1:6379/0", lease_s)
    return None


def durable(task: Task[Any, Any], ops: OpsSettings) -> Task[Any, Any]:
    """The stage task with results in the configured block (S3) and serializable cache transactions."""
    durable_task = task
    if ops.result_block:
        durable_task = task.with_options(result_storage=f"s3-bucket/{ops.result_block}")
    manager = lock_manager(ops.locks, ops.redis_url, ops.lock_lease_s)
    if manager is not None and durable_task.cache_policy is not None:
        if durable_task is task:
            durable_task = task.with_options()
        durable_task.cache_policy = durable_task.cache_policy.configure(
            isolation_level="SERIALIZABLE", lock_manager=manager
        )
    return durable_task


def fresh(task: Task[Any, Any], force: bool, ops: OpsSettings, **options: Any) -> Task[Any, Any]:
    if force:
        options["refresh_cache"] = True
    # durable() last: with_options() rebuilds the cache policy.
    return durable(task.with_options(**options) if options else task, ops)


def outcome_of(state: State[Any]) -> StageOutcome:
    """A Prefect state as plain data: status, and the stored objects a completed stage returned."""
    if state.is_completed() and state.name == UNAVAILABLE:  # no PDF: an outcome, not a failure
        return StageOutcome(status=StageStatus(state=StageState.UNAVAILABLE, error=state.message or "no PDF"))
    if state.is_completed():
        value = state.result()
        cached = state.name == "Cached"
        outputs = dict(value.outputs) if isinstance(value, StageResult) else {}
        return StageOutcome(
            status=StageStatus(state=StageState.CACHED if cached else StageState.DONE),
            outputs=outputs,
            stand_in=isinstance(value, StageResult) and value.stand_in,
        )
    exc = state.result(raise_on_failure=False)
    if isinstance(exc, PdfUnavailable):
        return StageOutcome(status=StageStatus(state=StageState.UNAVAILABLE, error=str(exc)))
    if isinstance(exc, BaseException):
        message = f"{type(exc).__name__}: {exc}"
    else:
        message = state.message or f"ended {state.name}"
    return StageOutcome(status=StageStatus(state=StageState.FAILED, error=message))


# The parameter name under which a stage receives the object the stage before it handed on.
HANDED_ON_AS = {StageName.PARSE: "pdf", StageName.SUMMARIZE: "parsed"}

# The object each stage hands the next one.
HANDED_ON = {
    StageName.ACQUIRE: "paper.pdf",
    StageName.PARSE: "parsed.json",
    StageName.SUMMARIZE: "summary.json",
}


Outcomes = dict[StageName, StageOutcome]


class PaperChains:
    """Runs the chains of many papers with at most `window` papers in flight."""

    def __init__(
        self,
        conference: str,
        entries: list[AwardEntry],
        *,
        settings: Settings,
        store: ArtifactStore,
        force: bool = False,
        comic: bool = True,
        window: int = 8,
        on_paper_done: Callable[[str, Outcomes], None] | None = None,
        runners: StageRunners | None = None,
    ) -> None:
        self.conference = conference
        self.entries = entries
        self.settings = settings
        self.store = store
        self.force = force
        self.comic = comic
        self.window = max(1, window)
        self.on_paper_done = on_paper_done
        self.runners = runners  # None: the flow's own task runner
        ops = settings.ops
        self.tasks = {
            StageName.ACQUIRE: fresh(acquire_pdf, force, ops),
            StageName.PARSE: fresh(parse_paper, force, ops),
            StageName.SUMMARIZE: fresh(summarize_paper, force, ops),
            # the `gpu` tag limit: one comic per GPU at a time
            StageName.COMIC: fresh(draw_comic, force, ops, tags=["gpu"]),
        }
        self.outcomes: dict[str, Outcomes] = {}
        self.max_in_flight = 0  # measured, for tests and benches
        self._done: queue.SimpleQueue[tuple[str, StageName, PrefectFuture[Any]]] = queue.SimpleQueue()
        self._by_id = {e.paper_id: e for e in entries}

    def _quick_unavailable(self, entry: AwardEntry) -> str | None:
        if self.force:
            in_store = False
        else:
            in_store = self.store.exists(paper_key(self.conference, entry.paper_id, "paper.pdf"))
        h = self.settings.harvest
        return unavailable_without_trying(
            entry, papers_dir=h.papers_dir, download=h.download, in_store=in_store
        )

    def _submit(self, entry: AwardEntry, stage: StageName, value: Any) -> None:
        task = self.tasks[stage]
        pid = entry.paper_id
        params: dict[str, Any] = {"conference": self.conference, "settings": self.settings}
        if stage is StageName.ACQUIRE:
            params |= {"entry": entry, "prefer_store": not self.force}
        elif stage is StageName.COMIC:
            # The comic also cuts the paper's figures from its PDF and checks numbers against the
            # parsed paper: both are outputs of stages this chain already finished.
            done = self.outcomes[pid]
            params |= {
                "paper_id": pid,
                "title": entry.title,
                "summary": value,
                "pdf": done[StageName.ACQUIRE].outputs.get("paper.pdf"),
                "parsed": done[StageName.PARSE].outputs.get("parsed.json"),
                "award": entry.award.value,
            }
        else:
            params |= {"paper_id": pid, HANDED_ON_AS[stage]: value}
        future = self.runners.submit(task, params) if self.runners is not None else task.submit(**params)
        progress(self.conference, "stage", paper=pid, stage=stage.value)
        future.add_done_callback(lambda f: self._done.put((pid, stage, f)))

    def _finish(self, pid: str) -> None:
        outcomes = self.outcomes[pid]
        for stage in NEXT_STAGE:
            if stage is StageName.COMIC and not self.comic:
                continue
            outcomes.setdefault(stage, StageOutcome.skipped("an earlier stage did not finish"))
        states = [o.status.state.value for o in outcomes.values()]
        progress(self.conference, "paper", paper=pid, states=states)
        if self.on_paper_done is not None:
            self.on_paper_done(pid, outcomes)

    def run(self) -> dict[str, Outcomes]:
        """Run every chain to its end; returns each paper's stage outcomes."""
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
                    break
                self.outcomes[entry.paper_id] = {}
                reason = self._quick_unavailable(entry)
                if reason is not None:
                    _warn("PDF unavailable: %s", reason)
                    status = StageStatus(state=StageState.UNAVAILABLE, error=reason)
                    self.outcomes[entry.paper_id][StageName.ACQUIRE] = StageOutcome(status=status)
                    self._finish(entry.paper_id)
                    continue
                self._submit(entry, StageName.ACQUIRE, None)
                in_flight += 1
                self.max_in_flight = max(self.max_in_flight, in_flight)
            if in_flight == 0:
                return self.outcomes
            try:
                pid, stage, future = self._done.get(timeout=0.5)
            except queue.Empty:
                continue  # look at STOP again
            future.wait()  # done already: this fetches its final state without asking the server
            outcome = outcome_of(future.state)
            self.outcomes[pid][stage] = outcome
            following = NEXT_STAGE[stage]
            if following is StageName.COMIC and not self.comic:
                following = None
            if following is not None and outcome.status.state in (StageState.DONE, StageState.CACHED):
                self._submit(self._by_id[pid], following, outcome.outputs[HANDED_ON[stage]])
                continue
            in_flight -= 1
            self._finish(pid)


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
