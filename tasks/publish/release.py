"""Atomic releases: a digest's objects go where no reader looks yet, then one pointer switches.

Layout of a conference in the store:

    <slug>/papers/<paper_id>/<name>          working area: stages write here, caches point here
    <slug>/releases/<release>/writing.json   the lease of the publisher writing it (first object,
                                             removed once the pointer names the release)
    <slug>/releases/<release>/digest.*       one immutable release: the digest files,
    <slug>/releases/<release>/papers/...     copies of every paper artifact it shows (real copies,
                                             checked against their SHA-256 as they are made),
    <slug>/releases/<release>/manifest.json  and its manifest, written last within the release
    <slug>/current.json                      the pointer: which release is current

A reader resolves `current.json` and reads one release: it sees a complete old release or a
complete new one, never a mix, whatever happens to the working area or to a publisher killed
half-way. The pointer is switched with a compare-and-swap against the pointer the publisher read,
the first one included (create-only: If-None-Match on S3, an exclusive create locally), so a
second publisher never silently overwrites the first: it loses, and tasks/publish/publisher.py
merges with the winner and tries again. Every attempt writes a folder of its own (the release id
ends with a random part), so nobody else ever writes into a release being written; a loser removes
its folder. A release with the same content as an intact current one writes nothing; a damaged
current one (an object missing or changed) is written again under a new id. gc lives in
tasks/publish/garbage.py.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tasks.holders import me
from tasks.models import Digest, PaperStatus, PublishManifest, ReleasePointer, StoredObject, validate_safe_id
from tasks.publish.links import RELEASE_TOKEN
from tasks.store import ArtifactStore, conference_key

log = logging.getLogger(__name__)

RELEASES = "releases"
LEASE = "writing.json"
LEASE_S = 600.0  # how long a publisher's lease lasts without renewal (store.release_lease_s)
# Names the layout before releases wrote at the top of a conference; gc lists them.
LEGACY_FILES = ("digest.md", "digest.html", "digest.json", "manifest.json")
HISTORY_KEPT = 200


class ReleaseConflict(Exception):
    """Another actor got in the way: the pointer switched since it was read, or objects vanished."""


def release_prefix(slug: str, release: str) -> str:
    return f"{slug}/{RELEASES}/{release}"


@dataclass
class ReleasePlan:
    """What one release holds, before it has an id.

    files: name -> bytes at the release root (digest.md/html/json); objects: path inside the
    release ("papers/<id>/comic.png") -> the store key its bytes come from (working area or an
    earlier release) with the SHA-256 they must have.
    """

    slug: str
    generated_at: datetime
    files: dict[str, bytes]
    objects: dict[str, StoredObject]
    papers: dict[str, PaperStatus]
    notes: list[str] = field(default_factory=list)
    inputs: str | None = None  # what the run depended on (tasks/freshness.py)
    # Each attempt at publishing writes its own folder: nobody else writes into it, so gc and a
    # losing publisher can tell its objects from anyone's.
    nonce: str = field(default_factory=lambda: secrets.token_hex(3))

    def content_id(self) -> str:
        """Hash of everything a reader sees, and of the inputs: same both, same content."""
        h = hashlib.sha256()
        if self.inputs:
            h.update(f"inputs {self.inputs}\n".encode())
        for name in sorted(self.files):
            h.update(f"file {name} {hashlib.sha256(self.files[name]).hexdigest()}\n".encode())
        for path in sorted(self.objects):
            h.update(f"object {path} {self.objects[path].sha256}\n".encode())
        return h.hexdigest()

    def release_id(self) -> str:
        when = self.generated_at.astimezone(UTC) if self.generated_at.tzinfo else self.generated_at
        return f"{when:%Y%m%dT%H%M%SZ}-{self.content_id()[:10]}-{self.nonce}"


@dataclass
class Published:
    """A current release as a reader finds it."""

    pointer: ReleasePointer
    pointer_sha256: str
    manifest: PublishManifest
    manifest_intact: bool = True  # the manifest's bytes are the ones the pointer names

    @property
    def prefix(self) -> str:
        return release_prefix(self.pointer.conference, self.pointer.release)

    def key(self, path: str) -> str:
        return f"{self.prefix}/{path}"

    def digest(self, store: ArtifactStore) -> Digest | None:
        try:
            return Digest.model_validate_json(store.get(self.key("digest.json")))
        except (KeyError, ValueError):
            return None


def read_pointer(store: ArtifactStore, slug: str) -> tuple[Published | None, str | None]:
    """(the current release or None, the SHA-256 of current.json as read: None when there is none).

    The second is what a publisher's compare-and-swap expects: a pointer that cannot be read (or
    names a manifest that is gone) gives (None, its SHA-256), so that replacing it is still a swap.
    """
    key = conference_key(slug, "current.json")
    try:
        body = store.get(key)
    except KeyError:
        return None, None
    seen = hashlib.sha256(body).hexdigest()
    try:
        pointer = ReleasePointer.model_validate_json(body)
        manifest_body = store.get(pointer.manifest)
        manifest = PublishManifest.model_validate_json(manifest_body)
    except (KeyError, ValueError) as exc:
        log.warning("%s: the current release cannot be read (%s): treated as unpublished", slug, exc)
        return None, seen
    intact = hashlib.sha256(manifest_body).hexdigest() == pointer.manifest_sha256
    return Published(pointer=pointer, pointer_sha256=seen, manifest=manifest, manifest_intact=intact), seen


def read_current(store: ArtifactStore, slug: str) -> Published | None:
    """The conference's current release, or None when nothing was ever released (or it is broken)."""
    return read_pointer(store, slug)[0]


def is_published(store: ArtifactStore, slug: str) -> bool:
    """True when the conference has a current release (or a digest from before releases)."""
    return store.exists(conference_key(slug, "current.json")) or store.exists(
        conference_key(slug, "manifest.json")
    )


def current_releases(store: ArtifactStore) -> dict[str, Published]:
    """Every conference's current release in the store, by slug: what the feed (and a site index)
    is rebuilt from, never one run's view. One listing of the store's folders, a read per folder."""
    found: dict[str, Published] = {}
    for name in store.folders(""):
        try:
            validate_safe_id(name, "conference slug")
        except ValueError:
            continue
        published = read_current(store, name)
        if published is not None:
            found[name] = published
    return found


def release_problems(store: ArtifactStore, published: Published) -> list[str]:
    """What is wrong with a release as stored: objects missing or not the bytes its manifest lists.

    Cheap: one listing; an object is hashed only when its fingerprint differs from the one
    recorded when it was written (a touched but unchanged file costs a hash, not a verdict).
    """
    manifest = published.manifest
    problems = [] if published.manifest_intact else [f"{published.pointer.manifest} changed"]
    listed = store.inventory(published.prefix + "/")
    for key, obj in manifest.objects.items():
        info = listed.get(key)
        if info is None:
            problems.append(f"{key} is missing")
        elif manifest.fingerprints.get(key) != info.fingerprint and (
            (obj.size and info.size != obj.size) or store.sha256(key) != obj.sha256
        ):
            problems.append(f"{key} changed")
    return problems


# --------------------------------------------------------------------------- the lease


def lease_key(prefix: str) -> str:
    return f"{prefix}/{LEASE}"


def read_lease(store: ArtifactStore, prefix: str) -> dict[str, Any] | None:
    """The lease of the publisher writing the release at prefix; {} when unreadable, None if none."""
    try:
        body = store.get(lease_key(prefix))
    except KeyError:
        return None
    try:
        return dict(json.loads(body))
    except (ValueError, TypeError):
        return {}


class _Lease:
    """Written before a release's first object, renewed while it is written, removed after the switch."""

    def __init__(self, store: ArtifactStore, prefix: str, lease_s: float) -> None:
        self.store, self.key, self.lease_s = store, lease_key(prefix), lease_s
        self.renewed = 0.0

    def take(self) -> None:
        self.store.put(self.key, json.dumps(me(self.lease_s, release=self.key.split("/")[2])).encode())
        self.renewed = time.monotonic()

    def renew_if_due(self) -> None:
        if time.monotonic() - self.renewed > self.lease_s / 3:
            self.take()


# --------------------------------------------------------------------------- publishing


_READ = object()


def publish_release(
    store: ArtifactStore,
    plan: ReleasePlan,
    current: Published | None,
    *,
    expected: Any = _READ,
    lease_s: float = LEASE_S,
) -> PublishManifest:
    """Write the release's objects, its manifest, then switch the pointer; returns the manifest.

    A plan with the content of the current release writes nothing while that release is intact.
    expected: the SHA-256 of current.json as the caller read it (read_pointer; None: there was
    none, so the pointer is created only if still absent); by default `current`'s. ReleaseConflict
    when the pointer is no longer that (this attempt's folder is removed), ContentChanged when a
    source is not the bytes the plan lists.
    """
    slug, content = plan.slug, plan.content_id()
    if current is not None and current.manifest.content == content:
        damage = release_problems(store, current)
        if not damage:
            return current.manifest
        log.warning(
            "%s: the current release %s is damaged (%s%s): publishing it again, under a new id",
            slug,
            current.pointer.release,
            damage[0],
            f" and {len(damage) - 1} more" if len(damage) > 1 else "",
        )
    release = plan.release_id()
    prefix = release_prefix(slug, release)
    lease = _Lease(store, prefix, lease_s)
    written: list[str] = []
    try:
        lease.take()
        manifest, manifest_obj = _write_release(store, plan, current, release, lease, written)
    except Exception:
        _discard(store, [*written, lease.key])
        raise
    history = [current.pointer.release, *current.pointer.history] if current else []
    pointer = ReleasePointer(
        conference=slug,
        release=release,
        manifest=manifest_obj.key,
        manifest_sha256=manifest_obj.sha256,
        generated_at=plan.generated_at,
        history=history[:HISTORY_KEPT],
    )
    if expected is _READ:
        expected = current.pointer_sha256 if current else None
    body = pointer.model_dump_json(indent=2).encode()
    # An error here (not a refusal) leaves the folder: the switch may have happened all the same.
    # A refusal is checked: a retried request whose first try did switch the pointer is a success.
    key = conference_key(slug, "current.json")
    if not store.swap(key, body, expected) and store.sha256(key) != hashlib.sha256(body).hexdigest():
        _discard(store, [*written, manifest_obj.key, lease.key])
        raise ReleaseConflict(f"{slug}: another run published a release meanwhile; {release} is not current")
    _discard(store, [lease.key])  # the release is current: a lease left behind only costs gc a read
    _point_link(store, slug, release)
    return manifest


def _write_release(
    store: ArtifactStore,
    plan: ReleasePlan,
    current: Published | None,
    release: str,
    lease: _Lease,
    written: list[str],
) -> tuple[PublishManifest, StoredObject]:
    """The release's objects (copies checked against their SHA-256), files and manifest."""
    prefix = release_prefix(plan.slug, release)
    # 1. Paper artifacts: copied under the release, so later stage runs cannot change them.
    copies = [
        functools.partial(store.copy, source.key, f"{prefix}/{path}", source.sha256)
        for path, source in sorted(plan.objects.items())
    ]
    # 2. The digest files, naming the release they are in where their links are absolute.
    token, named = RELEASE_TOKEN.encode(), release.encode()
    files = [
        functools.partial(store.put, f"{prefix}/{name}", body.replace(token, named))
        for name, body in sorted(plan.files.items())
    ]
    made = _send([*copies, *files], store.requests_at_once, written, lease)
    objects = {obj.key: obj.model_copy(update={"written": False}) for obj in made}
    # 3. Nothing vanished meanwhile (a gc that took this folder for an orphan): one listing, and
    # the fingerprints the up-to-date check compares later.
    listed = store.inventory(prefix + "/")
    gone = [key for key in objects if key not in listed]
    if gone:
        raise ReleaseConflict(
            f"{plan.slug}: {len(gone)} object(s) of {release} vanished while it was written, e.g. {gone[0]}"
        )
    manifest = PublishManifest(
        conference=plan.slug,
        generated_at=plan.generated_at,
        objects=dict(sorted(objects.items())),
        papers=plan.papers,
        release=release,
        previous=current.pointer.release if current else None,
        inputs=plan.inputs,
        content=plan.content_id(),
        fingerprints={key: listed[key].fingerprint for key in sorted(objects)},
    )
    # 4. The manifest, last: the release is complete once manifest.json exists.
    manifest_obj = store.put(f"{prefix}/manifest.json", manifest.model_dump_json(indent=2).encode())
    return manifest, manifest_obj


def _send(
    jobs: list[Callable[[], StoredObject]], requests_at_once: int, written: list[str], lease: _Lease
) -> list[StoredObject]:
    """Run the store calls `requests_at_once` at a time; their objects in the calls' order. Each one
    made is in `written` (removed if the attempt fails); after a failure the calls not yet started
    are dropped, those under way finish, and the first failure is raised."""
    done: list[StoredObject] = []
    failure: BaseException | None = None
    with ThreadPoolExecutor(requests_at_once, thread_name_prefix="release") as pool:
        futures = [pool.submit(job) for job in jobs]
        for future in futures:
            try:
                obj = future.result()
            except CancelledError:
                continue
            except Exception as exc:
                failure = failure or exc
                for later in futures:
                    later.cancel()
                continue
            written.append(obj.key)
            done.append(obj)
            lease.renew_if_due()
    if failure is not None:
        raise failure
    return done


def _discard(store: ArtifactStore, keys: list[str]) -> None:
    """Remove what this attempt wrote (its own folder: nobody else writes there), or its lease; best
    effort."""
    for key in keys:
        try:
            store.delete(key)
        except Exception as exc:  # gc finds what is left: the lease says its writer is gone
            log.warning("could not remove %s: %s", key, exc)
            return


def _point_link(store: ArtifactStore, slug: str, release: str) -> None:
    """Locally, `<slug>/current` links to the current release folder, for people browsing files."""
    link = getattr(store, "link", None)
    if link is None:
        return
    try:
        link(f"{slug}/current", f"{RELEASES}/{release}")
    except OSError as exc:  # a file system without symbolic links: current.json still says it
        log.warning("%s: could not update the `current` link: %s", slug, exc)


def describe(manifest: PublishManifest) -> str:
    """One line about a release, for logs."""
    counts: dict[str, int] = {}
    for status in manifest.papers.values():
        counts[status.value] = counts.get(status.value, 0) + 1
    return f"release {manifest.release}: {len(manifest.objects)} objects, " + json.dumps(counts)
