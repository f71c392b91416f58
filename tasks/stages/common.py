"""What every stage task shares: the per-paper work it is handed, its cache key, its retries.

A stage task takes the paper's `PaperWork` (its entry and what the stages before it stored, typed)
and the run's `Backends` (what the run chose, once: tasks/backends.py), and returns a StageResult:
what it stored and the identity of what made it. Its cache key is the content of its inputs, the
identity of the backend it runs and the store's identity, checked against the store before a
record is replayed (tasks/stage_cache.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tasks.backends import Backends
from tasks.harvest.errors import TransientDownloadError
from tasks.logs import Logger, run_logger
from tasks.models import AwardEntry, StoredObject
from tasks.parse.errors import GrobidBusyError, GrobidTimeoutError
from tasks.stage_cache import StageKey, StoreCheckedCache, identity_id
from tasks.store import ArtifactStore


@dataclass(frozen=True)
class PaperWork:
    """One paper's chain as it stands: its entry, and each object a finished stage handed on."""

    conference: str
    entry: AwardEntry
    force: bool = False  # --force: redo everything, the PDF already in the store included
    pdf: StoredObject | None = None  # paper.pdf (acquire)
    parsed: StoredObject | None = None  # parsed.json (parse)
    summary: StoredObject | None = None  # summary.json (summarize)

    @property
    def paper_id(self) -> str:
        return self.entry.paper_id

    def with_outputs(self, outputs: dict[str, StoredObject]) -> PaperWork:
        """The work with what a stage stored handed on to the next ones."""
        return replace(
            self,
            pdf=outputs.get("paper.pdf", self.pdf),
            parsed=outputs.get("parsed.json", self.parsed),
            summary=outputs.get("summary.json", self.summary),
        )

    def needs(self, what: StoredObject | None, name: str) -> StoredObject:
        if what is None:
            raise ValueError(f"{self.paper_id}: no {name} was handed on to this stage")
        return what


def stage_logger() -> Logger:
    """The task run's logger; a plain one when a stage's function is called outside a run."""
    return run_logger("paperpanels.stages")


def store_of(params: dict[str, Any]) -> ArtifactStore:
    run: Backends = params["run"]
    return run.store


def stage_key(stage: str, params: dict[str, Any], identity: tuple[object, ...], *parts: object) -> StageKey:
    """The stage's cache key: its inputs (parts), the backend's identity and the store's identity
    (records of one store are never replayed against another)."""
    ident = identity_id(identity)
    blob = json.dumps([stage, store_of(params).identity, ident, *parts], sort_keys=True, default=str)
    return StageKey(key=f"paperpanels-{stage}-{hashlib.sha256(blob.encode()).hexdigest()}", identity=ident)


def cache(key: Callable[[dict[str, Any]], StageKey]) -> StoreCheckedCache:
    return StoreCheckedCache(stage_key=key, store_of=store_of)


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry network hiccups and a busy GROBID only; a missing PDF or a bad file will not fix itself."""
    exc = state.result(raise_on_failure=False)
    return isinstance(
        exc, TransientDownloadError | GrobidBusyError | GrobidTimeoutError | TimeoutError | ConnectionError
    )
