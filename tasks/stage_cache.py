"""Stage caches that trust the artifact store, not their own records.

A stage's Prefect cache record holds what the stage returned: store keys with SHA-256s. If those
objects were deleted since (a wiped local store, a recreated bucket) or changed, replaying the
record would hand later stages keys to nothing. So a record is used only after checking its
objects are in the store with the recorded SHA-256; a stale record forwards to a new key derived
from it, where the stage is recomputed and recorded. The chain of keys is deterministic, so every
process (and every machine sharing result storage) walks it the same way, and nothing is deleted.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prefect.cache_policies import CacheKeyFnPolicy
from prefect.context import TaskRunContext
from pydantic import BaseModel

from tasks.models import PdfRef, StoredObject
from tasks.store import ArtifactStore

log = logging.getLogger(__name__)

MAX_LINKS = 16  # each link is one loss of the store; past this, recompute rather than walk further


def stored_objects(value: Any) -> Iterator[tuple[str, str]]:
    """Every (key, sha256) a stage result refers to: StoredObjects and PdfRefs, however nested."""
    if isinstance(value, StoredObject | PdfRef):
        yield value.key, value.sha256
    elif isinstance(value, dict):
        for item in value.values():
            yield from stored_objects(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from stored_objects(item)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from stored_objects(getattr(value, name))


def intact(store: ArtifactStore, value: Any) -> list[str]:
    """Keys of the result's objects that are missing from the store or differ from the record."""
    bad = []
    for key, sha in stored_objects(value):
        head = store.head(key)
        if head is None or head.sha256 != sha:
            bad.append(key)
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


def checked_key(result_store: Any, store: ArtifactStore, base: str) -> str:
    """The first key of base's chain whose record is absent or whose objects are all intact."""
    key = base
    for _ in range(MAX_LINKS):
        value = _read_record(result_store, key)
        if value is None:
            return key
        bad = intact(store, value)
        if not bad:
            return key
        log.warning(
            "cached result %s refers to %d object(s) no longer in the store (%s): recomputing",
            key,
            len(bad),
            ", ".join(bad[:3]),
        )
        trail = "".join(f"{k}={sha};" for k, sha in sorted(stored_objects(value)))
        key = f"{base}-after-{hashlib.sha256((key + trail).encode()).hexdigest()[:16]}"
    return key


@dataclass
class StoreCheckedCache(CacheKeyFnPolicy):
    """A cache_key_fn policy whose hits are checked against the artifact store (see module doc)."""

    store_fn: Callable[[], ArtifactStore] | None = None

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        base = super().compute_key(task_ctx, inputs, flow_parameters, **kwargs)
        if base is None or self.store_fn is None:
            return base
        return checked_key(task_ctx.result_store, self.store_fn(), base)
