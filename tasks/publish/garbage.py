"""gc: what failed or killed runs left behind, removed only when no reader or writer can need it.

A release folder that no pointer names is an orphan of a failed release, unless:
- it is being written: its lease (`writing.json`, the first object a publisher writes, removed
  only after the pointer switch) names a publisher that lives (same host: its process runs;
  another host: the lease has not run out);
- it is younger than the grace period (`store.gc_grace_s`): a publisher slower than its lease, a
  reader that resolved the pointer a moment ago.
The same grace protects releases beyond `--keep` and temp files. Each reason is said, and checked
again just before anything is removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tasks.holders import describe as describe_holder
from tasks.holders import gone
from tasks.publish.release import (
    LEGACY_FILES,
    RELEASES,
    read_current,
    read_lease,
    release_prefix,
)
from tasks.store import ArtifactStore, ObjectInfo, conference_key

GRACE_S = 3600.0  # store.gc_grace_s


@dataclass
class Garbage:
    """What gc may remove for one conference, why each is safe to remove, and what it keeps."""

    orphan_releases: dict[str, list[str]] = field(default_factory=dict)  # release -> its keys
    stale_releases: dict[str, list[str]] = field(default_factory=dict)  # beyond --keep
    temp_files: list[str] = field(default_factory=list)
    legacy: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # release or temp file -> why it stays

    def object_keys(self) -> list[str]:
        found = [k for keys in self.orphan_releases.values() for k in keys]
        found += [k for keys in self.stale_releases.values() for k in keys]
        return found + self.legacy

    def empty(self) -> bool:
        return not (self.orphan_releases or self.stale_releases or self.temp_files or self.legacy)


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def _too_young(age: float, grace_s: float) -> str | None:
    if age < grace_s:
        return f"younger than the grace period ({_age(max(age, 0.0))} old, grace {_age(grace_s)})"
    return None


def keep_reason(
    store: ArtifactStore, slug: str, release: str, listed: dict[str, ObjectInfo], grace_s: float, now: float
) -> str | None:
    """Why a release folder no pointer names must stay (being written, or too young), else None."""
    lease = read_lease(store, release_prefix(slug, release))
    if lease and not gone(lease, now):
        return f"being written by {describe_holder(lease, now)}"
    newest = max((info.modified for info in listed.values()), default=0.0)
    if lease:
        newest = max(newest, float(lease.get("since", 0.0)))
    return _too_young(now - newest, grace_s)


def find_garbage(
    store: ArtifactStore,
    slug: str,
    *,
    keep: int | None = None,
    grace_s: float = GRACE_S,
    now: float | None = None,
) -> Garbage:
    """Release folders no pointer names (failed releases), temp files of killed writes, old layout.

    keep: also list complete releases older than the `keep` most recent ones (None: keep all).
    Anything being written or younger than grace_s is listed in `kept`, with the reason.
    """
    now = time.time() if now is None else now
    current = read_current(store, slug)
    named = [current.pointer.release, *current.pointer.history] if current else []
    by_release: dict[str, dict[str, ObjectInfo]] = {}
    for key, info in store.inventory(f"{slug}/{RELEASES}").items():
        by_release.setdefault(key.split("/")[2], {})[key] = info
    garbage = Garbage()
    for release, listed in sorted(by_release.items()):
        if release in named:
            continue
        why = keep_reason(store, slug, release, listed, grace_s, now)
        if why:
            garbage.kept[release] = why
        else:
            garbage.orphan_releases[release] = sorted(listed)
    if keep is not None and current is not None:
        kept = set(named[: max(keep, 1)])
        for release in named:
            if release in kept or release not in by_release:
                continue
            listed = by_release[release]
            young = _too_young(now - max(info.modified for info in listed.values()), grace_s)
            if young:
                garbage.kept[release] = young
            else:
                garbage.stale_releases[release] = sorted(listed)
    _temp_files(store, slug, garbage, grace_s, now)
    if current is not None:
        garbage.legacy = [k for name in LEGACY_FILES if store.exists(k := conference_key(slug, name))]
    return garbage


def _temp_files(store: ArtifactStore, slug: str, garbage: Garbage, grace_s: float, now: float) -> None:
    temp_files = getattr(store, "temp_files", None)
    if temp_files is None:
        return
    root = getattr(store, "root", None)
    for path in temp_files(slug):
        try:
            modified = (root / path).stat().st_mtime if root is not None else 0.0
        except FileNotFoundError:
            continue
        young = _too_young(now - modified, grace_s)  # a write in progress, maybe a publisher's copy
        if young:
            garbage.kept[path] = young
        else:
            garbage.temp_files.append(path)


def remove_garbage(store: ArtifactStore, slug: str, garbage: Garbage, *, grace_s: float = GRACE_S) -> int:
    """Delete what find_garbage listed, never the current release nor one that is now being written
    (each release is checked again just before it goes; one that must stay moves to `kept`).
    Returns how many objects went."""
    current = read_current(store, slug)
    protected = current.prefix + "/" if current else None
    named = {current.pointer.release, *current.pointer.history} if current else set()
    removed = 0
    for release in list(garbage.orphan_releases):
        listed = store.inventory(release_prefix(slug, release) + "/")
        why = "named by the pointer now" if release in named else None
        why = why or keep_reason(store, slug, release, listed, grace_s, time.time())
        if why:
            garbage.kept[release] = why
            del garbage.orphan_releases[release]
    for key in garbage.object_keys():
        if protected and key.startswith(protected):
            raise ValueError(f"refusing to delete {key}: it belongs to the current release")
        store.delete(key)
        removed += 1
    remove_path = getattr(store, "remove_path", None)
    if remove_path is not None:
        for path in garbage.temp_files:
            remove_path(path)
            removed += 1
    if current is not None and garbage.stale_releases:
        # The pointer's history no longer names what was removed.
        pointer = current.pointer.model_copy(
            update={"history": [r for r in current.pointer.history if r not in garbage.stale_releases]}
        )
        store.swap(
            conference_key(slug, "current.json"),
            pointer.model_dump_json(indent=2).encode(),
            current.pointer_sha256,
        )
    return removed
