"""Releases on the local store and on S3 (real boto3 against moto): atomic, immutable, collectable."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.models import PaperStatus, StoredObject, sha256_bytes
from tasks.publish.garbage import find_garbage, remove_garbage
from tasks.publish.release import (
    ReleaseConflict,
    ReleasePlan,
    current_releases,
    publish_release,
    read_current,
    read_pointer,
    release_problems,
)
from tasks.store import ArtifactStore, ContentChanged
from tasks.store.local import LocalStore
from tests.publish.in_flight import InFlight

SLUG = "neurips-2025"


def _plan(store: ArtifactStore, digest: bytes, comic: bytes, when: datetime) -> ReleasePlan:
    comic_obj = store.put(f"{SLUG}/papers/p1/comic.png", comic)
    return ReleasePlan(
        slug=SLUG,
        generated_at=when,
        files={"digest.json": digest, "digest.md": digest + b" md"},
        objects={"papers/p1/comic.png": comic_obj},
        papers={"p1": PaperStatus.DONE},
    )


def _read_release(store: ArtifactStore) -> dict[str, bytes]:
    """What a reader gets: resolve the pointer, read every object its manifest lists, check each."""
    current = read_current(store, SLUG)
    assert current is not None
    files = {}
    for key, obj in current.manifest.objects.items():
        body = store.get(key)
        assert sha256_bytes(body) == obj.sha256, f"{key} does not match the manifest"
        files[key.removeprefix(current.prefix + "/")] = body
    return files


def test_a_release_is_complete_and_its_pointer_comes_last(store: ArtifactStore) -> None:
    first = _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC))
    manifest = publish_release(store, first, None)
    assert manifest.release == first.release_id() and manifest.previous is None
    assert _read_release(store) == {
        "digest.json": b"v1",
        "digest.md": b"v1 md",
        "papers/p1/comic.png": b"png-1",
    }
    pointer = json.loads(store.get(f"{SLUG}/current.json"))
    assert pointer["manifest_sha256"] == store.sha256(pointer["manifest"])


def test_the_working_area_changing_never_changes_a_release(store: ArtifactStore) -> None:
    publish_release(store, _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC)), None)
    old = read_current(store, SLUG)
    # A later stage run rewrites the working copy: the published release keeps its bytes.
    store.put(f"{SLUG}/papers/p1/comic.png", b"png-2")
    assert _read_release(store)["papers/p1/comic.png"] == b"png-1"
    second = _plan(store, b"v2", b"png-2", datetime(2025, 12, 2, tzinfo=UTC))
    publish_release(store, second, old)
    assert _read_release(store)["papers/p1/comic.png"] == b"png-2"
    # The previous release stays readable, complete, under its own folder.
    assert old is not None
    assert store.get(old.key("papers/p1/comic.png")) == b"png-1"
    assert store.get(old.key("digest.json")) == b"v1"
    now = read_current(store, SLUG)
    assert now is not None and now.pointer.history == [old.pointer.release]


def test_the_same_content_is_the_same_release_and_writes_nothing(store: ArtifactStore) -> None:
    plan = _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC))
    publish_release(store, plan, None)
    before = {k: store.sha256(k) for k in store.list(SLUG)}
    current = read_current(store, SLUG)
    publish_release(store, _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC)), current)
    assert {k: store.sha256(k) for k in store.list(SLUG)} == before


def test_a_stale_publisher_cannot_overwrite_a_newer_release(store: ArtifactStore) -> None:
    publish_release(store, _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC)), None)
    seen = read_current(store, SLUG)
    publish_release(store, _plan(store, b"v2", b"png-2", datetime(2025, 12, 2, tzinfo=UTC)), seen)
    # A third publisher still holding the first pointer (read before v2 was published):
    with pytest.raises(ReleaseConflict):
        publish_release(store, _plan(store, b"v3", b"png-3", datetime(2025, 12, 3, tzinfo=UTC)), seen)
    assert _read_release(store)["digest.json"] == b"v2"
    # The loser removed what it wrote (its own folder): nothing is left for gc.
    assert find_garbage(store, SLUG, grace_s=0).empty()
    assert len({key.split("/")[2] for key in store.list(f"{SLUG}/releases")}) == 2


def test_the_first_release_is_a_compare_and_swap_too(store: ArtifactStore) -> None:
    # Two first publications: both read "nothing published", both write their release.
    seen_a, seen_b = read_pointer(store, SLUG), read_pointer(store, SLUG)
    assert seen_a == seen_b == (None, None)
    day = datetime(2025, 12, 1, tzinfo=UTC)
    publish_release(store, _plan(store, b"a", b"png-a", day), None, expected=None)
    with pytest.raises(ReleaseConflict):
        publish_release(store, _plan(store, b"b", b"png-b", day), None, expected=None)
    assert _read_release(store)["digest.json"] == b"a"


def test_an_unreadable_pointer_is_replaced_only_as_it_was_read(store: ArtifactStore) -> None:
    store.put(f"{SLUG}/current.json", b"{ half a pointer")
    current, seen = read_pointer(store, SLUG)
    assert current is None and seen == sha256_bytes(b"{ half a pointer")
    plan = _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC))
    with pytest.raises(ReleaseConflict):  # "absent" was not what it read
        publish_release(store, plan, None, expected=None)
    again = _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC))
    publish_release(store, again, None, expected=seen)
    assert _read_release(store)["digest.json"] == b"v1"


def test_a_damaged_current_release_is_published_again_under_a_new_id(store: ArtifactStore) -> None:
    publish_release(store, _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC)), None)
    damaged = read_current(store, SLUG)
    assert damaged is not None and release_problems(store, damaged) == []
    store.delete(damaged.key("papers/p1/comic.png"))
    assert release_problems(store, damaged) == [f"{damaged.prefix}/papers/p1/comic.png is missing"]
    same = _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC))
    manifest = publish_release(store, same, damaged)
    assert manifest.release != damaged.pointer.release
    assert _read_release(store)["papers/p1/comic.png"] == b"png-1"
    repaired = read_current(store, SLUG)
    assert repaired is not None and release_problems(store, repaired) == []


def test_a_source_that_changed_is_never_published(store: ArtifactStore) -> None:
    plan = _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC))
    store.put(f"{SLUG}/papers/p1/comic.png", b"png-changed-since-the-stage-ran")
    with pytest.raises(ContentChanged, match="comic.png"):
        publish_release(store, plan, None)
    assert read_current(store, SLUG) is None
    assert store.list(f"{SLUG}/releases") == []  # the attempt's folder went with it


def _many(store: ArtifactStore, n: int) -> ReleasePlan:
    objects = {
        f"papers/p{i}/comic.png": store.put(f"{SLUG}/papers/p{i}/comic.png", b"png-%d" % i) for i in range(n)
    }
    papers = {f"p{i}": PaperStatus.DONE for i in range(n)}
    when = datetime(2025, 12, 1, tzinfo=UTC)
    return ReleasePlan(
        slug=SLUG, generated_at=when, files={"digest.json": b"v1"}, objects=objects, papers=papers
    )


def test_a_release_copies_several_objects_at_once(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copies wait on the store, not on each other: the first two meet at a barrier (one at a time,
    the first would wait for the second until the barrier broke), and never more than the store's
    requests_at_once."""
    plan = _many(store, 12)
    counted = InFlight(store.copy)
    monkeypatch.setattr(store, "copy", counted)
    publish_release(store, plan, None)
    assert 2 <= counted.most <= store.requests_at_once and counted.calls == 12
    assert len(_read_release(store)) == 13


def test_a_changed_source_among_many_leaves_no_object_of_the_attempt(store: ArtifactStore) -> None:
    """The copies under way when one fails still finish: each is removed with the attempt's folder."""
    plan = _many(store, 12)
    store.put(f"{SLUG}/papers/p3/comic.png", b"png-changed-since-the-stage-ran")
    with pytest.raises(ContentChanged, match="p3/comic.png"):
        publish_release(store, plan, None)
    assert read_current(store, SLUG) is None
    assert store.list(f"{SLUG}/releases") == []


def test_an_object_edited_in_place_is_found_by_its_fingerprint_then_its_hash(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish_release(store, _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC)), None)
    current = read_current(store, SLUG)
    assert current is not None
    path = tmp_path / "store" / current.key("papers/p1/comic.png")
    stamp = path.stat()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))  # touched, same bytes
    assert release_problems(store, current) == []
    with path.open("r+b") as fh:  # same size, and its mtime set back as it was: ctime still tells
        fh.write(b"PNG-1")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert release_problems(store, current) == [f"{current.prefix}/papers/p1/comic.png changed"]


def test_current_releases_lists_every_conference(store: ArtifactStore) -> None:
    publish_release(store, _plan(store, b"v1", b"png-1", datetime(2025, 12, 1, tzinfo=UTC)), None)
    other = ReleasePlan(
        slug="icml-2024", generated_at=datetime(2024, 7, 1, tzinfo=UTC), files={"digest.json": b"x"},
        objects={}, papers={},
    )  # fmt: skip
    publish_release(store, other, None)
    store.put("backfills/report.json", b"{}")  # a folder that is no conference
    assert sorted(current_releases(store)) == ["icml-2024", SLUG]


def test_swap_is_compare_and_swap(store: ArtifactStore) -> None:
    key = f"{SLUG}/current.json"
    assert store.swap(key, b"a", None)
    assert not store.swap(key, b"b", None)  # absent was expected
    assert not store.swap(key, b"b", sha256_bytes(b"wrong"))
    assert store.swap(key, b"b", sha256_bytes(b"a"))
    assert store.get(key) == b"b"


def test_copy_keeps_bytes_and_checksum(store: ArtifactStore) -> None:
    src = store.put(f"{SLUG}/papers/p1/paper.pdf", b"%PDF-1.4 body %%EOF")
    copied = store.copy(src.key, f"{SLUG}/releases/r1/papers/p1/paper.pdf")
    assert isinstance(copied, StoredObject) and copied.sha256 == src.sha256
    assert store.head(copied.key) == StoredObject(
        key=copied.key, sha256=src.sha256, size=src.size, written=False
    )
    with pytest.raises(KeyError):
        store.copy(f"{SLUG}/papers/p1/missing.pdf", f"{SLUG}/releases/r1/x.pdf")


def test_gc_keeps_the_newest_releases_and_lists_the_old_layout(store: ArtifactStore) -> None:
    current = None
    for day in (1, 2, 3):
        plan = _plan(store, f"v{day}".encode(), f"png-{day}".encode(), datetime(2025, 12, day, tzinfo=UTC))
        publish_release(store, plan, current)
        current = read_current(store, SLUG)
    store.put(f"{SLUG}/digest.md", b"# from before releases")
    garbage = find_garbage(store, SLUG, keep=2, grace_s=0)
    assert len(garbage.stale_releases) == 1 and not garbage.orphan_releases
    assert garbage.legacy == [f"{SLUG}/digest.md"]
    remove_garbage(store, SLUG, garbage, grace_s=0)
    now = read_current(store, SLUG)
    assert now is not None and len(now.pointer.history) == 1
    assert _read_release(store)["digest.json"] == b"v3"


def test_local_temp_files_of_killed_writes_are_garbage(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    publish_release(store, _plan(store, b"v1", b"png", datetime(2025, 12, 1, tzinfo=UTC)), None)
    leftover = tmp_path / "store" / SLUG / "papers" / "p1" / ".comic.png.abc123.tmp"
    leftover.write_bytes(b"half a png")
    assert find_garbage(store, SLUG).kept == {
        f"{SLUG}/papers/p1/.comic.png.abc123.tmp": "younger than the grace period (0 s old, grace 60 min)"
    }  # maybe a write in progress
    garbage = find_garbage(store, SLUG, grace_s=0)
    assert garbage.temp_files == [f"{SLUG}/papers/p1/.comic.png.abc123.tmp"]
    remove_garbage(store, SLUG, garbage, grace_s=0)
    assert not leftover.exists()


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_local_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        store = LocalStore(tmp_path / "store")
        store.put(f"{SLUG}/papers/p1/review.md", b"# review")
        store.create(f"{SLUG}/claim.json", b"{}")
        store.copy(f"{SLUG}/papers/p1/review.md", f"{SLUG}/releases/r/papers/p1/review.md")
    finally:
        os.umask(old)
    for key in (
        f"{SLUG}/papers/p1/review.md",
        f"{SLUG}/claim.json",
        f"{SLUG}/releases/r/papers/p1/review.md",
    ):
        assert stat.S_IMODE((tmp_path / "store" / key).stat().st_mode) == mode, key
