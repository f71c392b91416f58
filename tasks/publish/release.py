"""Atomic releases: a digest's objects go where no reader looks yet, then one pointer switches.

Layout of a conference in the store:

    <slug>/papers/<paper_id>/<name>          working area: stages write here, caches point here
    <slug>/releases/<release>/digest.*       one immutable release: the digest files,
    <slug>/releases/<release>/papers/...     copies of every paper artifact it shows (hard links
                                             locally, server-side copies on S3),
    <slug>/releases/<release>/manifest.json  and its manifest, written last within the release
    <slug>/current.json                      the pointer: which release is current

A reader resolves `current.json` and reads one release: it sees a complete old release or a
complete new one, never a mix, whatever happens to the working area or to a publisher killed
half-way. The pointer is switched with a compare-and-swap (If-Match on S3, a file lock locally),
so two publishers cannot silently overwrite each other. Release folders that no pointer names are
the orphans of failed releases: `orphans()` lists them and `paperpanels gc` removes them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tasks.models import Digest, PaperStatus, PublishManifest, ReleasePointer, StoredObject
from tasks.store import ArtifactStore, conference_key

log = logging.getLogger(__name__)

RELEASES = "releases"
# Names the layout before releases wrote at the top of a conference; gc lists them.
LEGACY_FILES = ("digest.md", "digest.html", "digest.json", "manifest.json")
HISTORY_KEPT = 200


class ReleaseConflict(Exception):
    """Another publisher switched the pointer after this one read it."""


def release_prefix(slug: str, release: str) -> str:
    return f"{slug}/{RELEASES}/{release}"


@dataclass
class ReleasePlan:
    """What one release holds, before it has an id.

    files: name -> bytes at the release root (digest.md/html/json); objects: path inside the
    release ("papers/<id>/comic.png") -> the store key its bytes come from (working area or an
    earlier release).
    """

    slug: str
    generated_at: datetime
    files: dict[str, bytes]
    objects: dict[str, StoredObject]
    papers: dict[str, PaperStatus]
    notes: list[str] = field(default_factory=list)
    inputs: str | None = None  # what the run depended on (tasks/publish/freshness.py)

    def content_id(self) -> str:
        """Hash of everything a reader sees, and of the inputs: same both, same release id."""
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
        return f"{when:%Y%m%dT%H%M%SZ}-{self.content_id()[:10]}"


@dataclass
class Published:
    """A current release as a reader finds it."""

    pointer: ReleasePointer
    pointer_sha256: str
    manifest: PublishManifest

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


def read_current(store: ArtifactStore, slug: str) -> Published | None:
    """The conference's current release, or None when nothing was ever released (or it is broken)."""
    key = conference_key(slug, "current.json")
    try:
        body = store.get(key)
    except KeyError:
        return None
    try:
        pointer = ReleasePointer.model_validate_json(body)
        manifest = PublishManifest.model_validate_json(store.get(pointer.manifest))
    except (KeyError, ValueError) as exc:
        log.warning("%s: the current release cannot be read (%s): treated as unpublished", slug, exc)
        return None
    return Published(pointer=pointer, pointer_sha256=hashlib.sha256(body).hexdigest(), manifest=manifest)


def is_published(store: ArtifactStore, slug: str) -> bool:
    """True when the conference has a current release (or a digest from before releases)."""
    return store.exists(conference_key(slug, "current.json")) or store.exists(
        conference_key(slug, "manifest.json")
    )


def publish_release(store: ArtifactStore, plan: ReleasePlan, current: Published | None) -> PublishManifest:
    """Write the release's objects, its manifest, then switch the pointer; returns the manifest.

    A release whose content equals the current one writes nothing at all. ReleaseConflict when
    another publisher switched the pointer since `current` was read.
    """
    slug = plan.slug
    release = plan.release_id()
    if current is not None and current.pointer.release == release:
        return current.manifest
    prefix = release_prefix(slug, release)
    objects: dict[str, StoredObject] = {}
    # 1. Paper artifacts: copied under the release, so later stage runs cannot change them.
    for path, source in sorted(plan.objects.items()):
        copied = store.copy(source.key, f"{prefix}/{path}")
        if copied.sha256 != source.sha256:
            raise ValueError(f"{source.key} changed while it was published (sha256 {copied.sha256})")
        objects[copied.key] = copied.model_copy(update={"written": False})
    # 2. The digest files, then the manifest: the release is complete once manifest.json exists.
    for name, body in sorted(plan.files.items()):
        obj = store.put(f"{prefix}/{name}", body)
        objects[obj.key] = obj.model_copy(update={"written": False})
    manifest = PublishManifest(
        conference=slug,
        generated_at=plan.generated_at,
        objects=dict(sorted(objects.items())),
        papers=plan.papers,
        release=release,
        previous=current.pointer.release if current else None,
        inputs=plan.inputs,
    )
    manifest_obj = store.put(f"{prefix}/manifest.json", manifest.model_dump_json(indent=2).encode())
    # 3. The pointer, last, compare-and-swap against what this publisher read.
    history = [current.pointer.release, *current.pointer.history] if current else []
    pointer = ReleasePointer(
        conference=slug,
        release=release,
        manifest=manifest_obj.key,
        manifest_sha256=manifest_obj.sha256,
        generated_at=plan.generated_at,
        history=history[:HISTORY_KEPT],
    )
    expected = current.pointer_sha256 if current else _legacy_pointer_sha(store, slug)
    body = pointer.model_dump_json(indent=2).encode()
    if not store.swap(conference_key(slug, "current.json"), body, expected):
        raise ReleaseConflict(f"{slug}: another run published a release meanwhile; {release} is not current")
    _point_link(store, slug, release)
    return manifest


def _legacy_pointer_sha(store: ArtifactStore, slug: str) -> str | None:
    """The pointer's SHA-256 when one exists that read_current could not read (a broken pointer)."""
    return store.sha256(conference_key(slug, "current.json"))


def _point_link(store: ArtifactStore, slug: str, release: str) -> None:
    """Locally, `<slug>/current` links to the current release folder, for people browsing files."""
    link = getattr(store, "link", None)
    if link is None:
        return
    try:
        link(f"{slug}/current", f"{RELEASES}/{release}")
    except OSError as exc:  # a file system without symbolic links: current.json still says it
        log.warning("%s: could not update the `current` link: %s", slug, exc)


# --------------------------------------------------------------------------- garbage


@dataclass
class Garbage:
    """What gc may remove for one conference, and why each is safe to remove."""

    orphan_releases: dict[str, list[str]] = field(default_factory=dict)  # release -> its keys
    stale_releases: dict[str, list[str]] = field(default_factory=dict)  # beyond --keep
    temp_files: list[str] = field(default_factory=list)
    legacy: list[str] = field(default_factory=list)

    def object_keys(self) -> list[str]:
        found = [k for keys in self.orphan_releases.values() for k in keys]
        found += [k for keys in self.stale_releases.values() for k in keys]
        return found + self.legacy

    def empty(self) -> bool:
        return not (self.orphan_releases or self.stale_releases or self.temp_files or self.legacy)


def find_garbage(store: ArtifactStore, slug: str, *, keep: int | None = None) -> Garbage:
    """Release folders no pointer names (failed releases), temp files of killed writes, old layout.

    keep: also list complete releases older than the `keep` most recent ones (None: keep all).
    """
    current = read_current(store, slug)
    named = [current.pointer.release, *current.pointer.history] if current else []
    by_release: dict[str, list[str]] = {}
    for key in store.list(f"{slug}/{RELEASES}"):
        release = key.split("/")[2]
        by_release.setdefault(release, []).append(key)
    garbage = Garbage()
    for release, keys in sorted(by_release.items()):
        if release not in named:
            garbage.orphan_releases[release] = keys
    if keep is not None and current is not None:
        kept = set(named[: max(keep, 1)])
        for release in named:
            if release not in kept and release in by_release:
                garbage.stale_releases[release] = by_release[release]
    temp_files = getattr(store, "temp_files", None)
    if temp_files is not None:
        garbage.temp_files = list(temp_files(slug))
    if current is not None:
        garbage.legacy = [k for name in LEGACY_FILES if store.exists(k := conference_key(slug, name))]
    return garbage


def remove_garbage(store: ArtifactStore, slug: str, garbage: Garbage) -> int:
    """Delete what find_garbage listed, never the current release; returns how many objects went."""
    current = read_current(store, slug)
    protected = current.prefix + "/" if current else None
    removed = 0
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


def describe(manifest: PublishManifest) -> str:
    """One line about a release, for logs."""
    counts: dict[str, int] = {}
    for status in manifest.papers.values():
        counts[status.value] = counts.get(status.value, 0) + 1
    return f"release {manifest.release}: {len(manifest.objects)} objects, " + json.dumps(counts)
