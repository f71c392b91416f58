"""gc keeps what a publisher is writing and anything younger than the grace period, and says why."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime

from tasks.holders import HOST, me
from tasks.models import PaperStatus
from tasks.publish.garbage import find_garbage, remove_garbage
from tasks.publish.release import ReleasePlan, publish_release, read_current, release_prefix
from tasks.store import ArtifactStore

SLUG = "neurips-2025"
HOUR = 3600.0


def _published(store: ArtifactStore) -> str:
    plan = ReleasePlan(
        slug=SLUG,
        generated_at=datetime(2025, 12, 1, tzinfo=UTC),
        files={"digest.json": b"{}"},
        objects={},
        papers={"p1": PaperStatus.DONE},
    )
    return publish_release(store, plan, None).release or ""


def _half_written(store: ArtifactStore, release: str, lease: dict[str, object] | None) -> str:
    """A release folder as a publisher leaves it before its pointer switch: its lease, some objects."""
    prefix = release_prefix(SLUG, release)
    if lease is not None:
        store.put(f"{prefix}/writing.json", json.dumps(lease).encode())
    store.put(f"{prefix}/digest.json", b"{}")
    store.put(f"{prefix}/papers/p1/comic.png", b"png")
    return prefix


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_release_being_written_is_kept_and_the_listing_says_why(store: ArtifactStore) -> None:
    current = _published(store)
    _half_written(store, "r-writing", me(600.0, release="r-writing"))
    later = time.time() + 2 * HOUR  # far past the grace period: only the lease protects it
    garbage = find_garbage(store, SLUG, now=later)
    assert garbage.orphan_releases == {}
    assert garbage.kept["r-writing"].startswith(f"being written by process {me(1)['pid']} on {HOST}")
    assert remove_garbage(store, SLUG, garbage) == 0
    assert store.exists(f"{release_prefix(SLUG, 'r-writing')}/papers/p1/comic.png")
    assert read_current(store, SLUG) is not None and current


def test_a_dead_publishers_release_goes_once_past_the_grace_period(store: ArtifactStore) -> None:
    _published(store)
    t = time.time()
    dead = {"host": HOST, "pid": _dead_pid(), "started": "1", "since": t, "lease_until": t + 600}
    prefix = _half_written(store, "r-dead", dead)
    young = find_garbage(store, SLUG)
    assert (
        young.kept == {"r-dead": young.kept["r-dead"]}
        and "younger than the grace period" in young.kept["r-dead"]
    )
    old = find_garbage(store, SLUG, now=t + 2 * HOUR)
    assert sorted(old.orphan_releases["r-dead"]) == sorted(store.list(prefix))
    assert remove_garbage(store, SLUG, old, grace_s=0) == 3
    assert store.list(prefix) == []


def test_another_hosts_lease_holds_until_it_runs_out(store: ArtifactStore) -> None:
    _published(store)
    t = time.time()
    far = {"host": "elsewhere", "pid": 7, "since": t, "lease_until": t + HOUR}
    _half_written(store, "r-far", far)
    assert "being written by process 7 on elsewhere" in find_garbage(store, SLUG, grace_s=0).kept["r-far"]
    expired = find_garbage(store, SLUG, grace_s=0, now=t + 2 * HOUR)
    assert "r-far" in expired.orphan_releases


def test_gc_checks_again_just_before_removing(store: ArtifactStore) -> None:
    _published(store)
    prefix = _half_written(store, "r-late", None)  # no lease: an orphan, once old enough
    garbage = find_garbage(store, SLUG, grace_s=0)
    assert "r-late" in garbage.orphan_releases
    # A publisher starts writing into it between the listing and the removal.
    store.put(f"{prefix}/writing.json", json.dumps(me(600.0, release="r-late")).encode())
    assert remove_garbage(store, SLUG, garbage, grace_s=0) == 0
    assert "being written" in garbage.kept["r-late"]
    assert store.exists(f"{prefix}/papers/p1/comic.png")
