"""The store's vocabulary: keys, the artifact names, errors and the ArtifactStore protocol that
the local and S3 stores implement (tasks/store/local.py, tasks/store/s3.py)."""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from tasks.models import StoredObject, validate_safe_id

ChecksumMode = Literal["when_supported", "when_required"]

PAPER_ARTIFACTS = frozenset(
    {
        "paper.pdf",
        "tei.xml",
        "parsed.json",
        "summary.json",
        "review.json",
        "review.md",
        "comic.png",
        "comic.webp",
        "comic-mobile.webp",
        "comic.json",
        "figures.json",
        "parse-report.json",  # the operator's record of a parse (hidden text's words): never released
        "repro.json",  # the reproducibility card as the paper alone says it (the repro-card stage)
    }
)
# The paper's own figures, cut from its PDF by the comic stage: one folder, numbered files.
FIGURE_ARTIFACT_RE = re.compile(r"^figures/fig-[1-9][0-9]{0,2}\.png$")
CONFERENCE_ARTIFACTS = frozenset(
    {
        "digest.md",
        "digest.html",
        "digest.json",
        "manifest.json",
        "current.json",
        "run.json",
        "claim.json",
        "review.json",
        # The conference step before publishing (tasks/stages/overview.py): the year in one page.
        "overview/overview.json",
        "overview/cover.png",
        "overview/cover.webp",
        "overview/licences.json",
        "overview/themes-ahead.json",  # found while the comics were drawn, for the overview step
    }
)
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".xml": "application/xml",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".webp": "image/webp",
}


class StoreError(Exception):
    """An artifact store could not be used (bad URI, missing bucket, unreadable key...)."""


def paper_key(conference: str, paper_id: str, name: str) -> str:
    """`<conference>/papers/<paper_id>/<name>`, every segment validated."""
    validate_safe_id(conference, "conference slug")
    validate_safe_id(paper_id, "paper id")
    if name not in PAPER_ARTIFACTS and not FIGURE_ARTIFACT_RE.match(name):
        raise ValueError(
            f"unknown paper artifact {name!r}; expected one of {sorted(PAPER_ARTIFACTS)} or figures/fig-N.png"
        )
    return f"{conference}/papers/{paper_id}/{name}"


def conference_key(conference: str, name: str) -> str:
    """`<conference>/<name>` for conference-level objects (current.json, claim.json, ...)."""
    validate_safe_id(conference, "conference slug")
    if name not in CONFERENCE_ARTIFACTS:
        raise ValueError(
            f"unknown conference artifact {name!r}; expected one of {sorted(CONFERENCE_ARTIFACTS)}"
        )
    return f"{conference}/{name}"


def check_key(key: str) -> str:
    """The key if every `/`-separated segment is a safe id, else ValueError naming it."""
    parts = key.split("/")
    if not key or any(not p for p in parts):
        raise ValueError(f"artifact key {key!r} has an empty segment")
    for part in parts:
        validate_safe_id(part, f"segment of artifact key {key!r}")
    return key


def content_type_for(key: str) -> str:
    return CONTENT_TYPES.get(Path(key).suffix, "application/octet-stream")


@dataclass(frozen=True)
class ObjectInfo:
    """What one listing says of an object, without reading it.

    fingerprint: changes whenever the bytes may have (size, mtime, ctime and inode locally; size
    and ETag on S3), so an unchanged fingerprint spares hashing the body. modified: seconds since
    the epoch of the last write.
    """

    size: int
    fingerprint: str
    modified: float


class ContentChanged(StoreError):
    """An object's bytes are not the ones its SHA-256 was recorded for (changed while copied)."""

    def __init__(self, key: str, expected: str, found: str) -> None:
        super().__init__(f"{key} changed in the store: sha256 {found[:12]}, {expected[:12]} expected")
        self.key = key
        self.expected = expected
        self.found = found


class ArtifactStore(Protocol):
    uri: str
    # Everything that decides which bytes a key names: the URI and, for S3, the endpoint. Cache
    # entries are kept per identity, so the same s3:// URI on another endpoint shares nothing.
    identity: str
    # Requests worth having in flight at once (a release's copies, the papers read to render it):
    # each waits on the network (S3: ~10-100 ms), not on a core.
    requests_at_once: int

    def put(self, key: str, data: bytes) -> StoredObject: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def sha256(self, key: str) -> str | None: ...

    def head(self, key: str) -> StoredObject | None: ...

    def list(self, prefix: str) -> list[str]: ...

    def location(self, key: str) -> str: ...

    def create(self, key: str, data: bytes) -> bool: ...

    def copy(self, source: str, target: str, expected_sha256: str | None = None) -> StoredObject: ...

    def swap(self, key: str, data: bytes, expected_sha256: str | None) -> bool: ...

    def delete(self, key: str) -> None: ...

    def inventory(self, prefix: str) -> dict[str, ObjectInfo]: ...

    def folders(self, prefix: str) -> builtins.list[str]: ...


def validate_store_uri(uri: str) -> str:
    """The URI if it names a store we can open, else StoreError with a one-line reason."""
    if not uri or not uri.strip():
        raise StoreError("store URI is empty: give a directory or s3://bucket/prefix")
    if uri.startswith("s3://"):
        bucket = uri.removeprefix("s3://").partition("/")[0]
        if len(bucket) < 3:
            raise StoreError(f"store URI {uri!r}: bucket name must have at least 3 characters")
        return uri
    if "://" in uri and not uri.startswith("file://"):
        raise StoreError(f"unsupported store URI {uri!r}: use a directory path or s3://bucket/prefix")
    return uri
