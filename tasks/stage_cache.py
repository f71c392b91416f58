"""Stage caches keyed by what actually ran, and trusted only as far as the artifact store agrees.

A stage's key is its inputs' content plus the identity of the backend chosen to run it (parser,
summarizer, renderer, each with version and options) plus the store's identity. Its Prefect cache
record holds a StageResult: the objects it stored (keys + SHA-256) and the identity of what made
them. A record is replayed only when that identity is the one expected now (a GROBID outage's
local-parser result is never replayed as GROBID's) and every object is still in the store with
its recorded SHA-256 (a wiped store or a recreated bucket is recomputed, not failed).

A record that fails either check forwards to a key derived from it, where the stage runs again
and is recorded; the chain is deterministic, so every process sharing the result storage walks it
the same way, and nothing is ever deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prefect.cache_policies import CachePolicy
from prefect.context import TaskRunContext

from tasks.models import PdfRef, StageResult, StoredObject
from tasks.store import ArtifactStore

log = logging.getLogger(__name__)

MAX_LINKS = 16  # each link is one loss of the store or one fallback; past this, recompute


def identity_id(identity: tuple[object, ...]) -> str:
    """A short, stable name for a backend identity: its name and a hash of the rest."""
    digest = hashlib.sha256(json.dumps(identity, default=str).encode()).hexdigest()[:16]
    return f"{identity[0] if identity else '?'}:{digest}"


@dataclass(frozen=True)
class StageKey:
    key: str  # the cache key of the inputs, the chosen backend and the store
    identity: str  # identity_id of the backend the key was computed for


def stored_objects(value: Any) -> Iterator[tuple[str, str]]:
    """Every (key, sha256) a stage result refers to, however nested."""
    if isinstance(value, StoredObject | PdfRef):
        yield value.key, value.sha256
    elif isinstance(value, StageResult):
        yield from stored_objects(value.outputs)
    elif isinstance(value, dict):
        for item in value.values():
            yield from stored_objects(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from stored_objects(item)


def problems(store: ArtifactStore, value: Any, identity: str) -> list[str]:
    """Why a cached value may not be replayed: another identity, or objects gone or changed."""
    if not isinstance(value, StageResult):
        return ["a record from an older version of the stage"]
    if value.identity != identity:
        return [f"made by {value.identity}, {identity} expected"]
    bad = []
    for key, sha in stored_objects(value):
        head = store.head(key)
        if head is None or head.sha256 != sha:
            bad.append(f"{key} missing or changed in the store")
    return bad


def _read_record(result_store: Any, key: str) -> Any | None:
    """The cached value under key, or None when there is no (readable) record."""
    try:
        if not result_store.exists(key):
            return None
        return result_store.read(key).result
    except Exception as exc:  # a record we cannot read is as good as none: recompute
        log.warning("cache record %s unreadable (%s: %s): recomputing", key, type(exc).__name__, exc)
        return None


def checked_key(result_store: Any, store: ArtifactStore, stage: StageKey) -> str:
    """The first key of the stage's chain whose record is absent or may be replayed."""
    key = stage.key
    for _ in range(MAX_LINKS):
        value = _read_record(result_store, key)
        if value is None:
            return key
        why = problems(store, value, stage.identity)
        if not why:
            return key
        log.warning("cached result %s not used (%s): recomputing", key[:40], "; ".join(why[:3]))
        trail = json.dumps(value.model_dump(mode="json") if isinstance(value, StageResult) else str(value))
        key = f"{stage.key}-after-{hashlib.sha256((key + trail).encode()).hexdigest()[:16]}"
    return key


@dataclass
class StoreCheckedCache(CachePolicy):
    """A stage's cache policy: stage_key(inputs) names key and identity; hits are checked (module doc)."""

    stage_key: Callable[[dict[str, Any]], StageKey] | None = None
    store_of: Callable[[dict[str, Any]], ArtifactStore] | None = None

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        if self.stage_key is None or self.store_of is None:
            return None
        return checked_key(task_ctx.result_store, self.store_of(inputs), self.stage_key(inputs))
