"""Artifact store: one interface, a local directory (default) and S3, chosen by URI.

Writes are idempotent (same bytes: nothing is rewritten) and atomic per object (a temp file and a
rename locally; a single PUT on S3), and every object carries its SHA-256, checked against the
bytes the store holds (locally the file is hashed; on S3 the server's ETag must match the MD5
recorded beside the SHA-256, else the body is hashed). Releases (see tasks/publish/release.py)
build on more operations: `copy` (server-side on S3, a real copy locally, both checked against the
source's SHA-256), `swap` (compare-and-swap of a small pointer object, create-only when absent is
expected), `delete`, `inventory` (size, a cheap fingerprint and the time of every object under a
prefix, in one listing) and `folders` (the sub-folders of a prefix: the conferences of a store).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.store.base import (
    CONFERENCE_ARTIFACTS,
    CONTENT_TYPES,
    FIGURE_ARTIFACT_RE,
    PAPER_ARTIFACTS,
    ArtifactStore,
    ContentChanged,
    ObjectInfo,
    StoreError,
    check_key,
    conference_key,
    content_type_for,
    paper_key,
    validate_store_uri,
)
from tasks.store.local import LocalStore
from tasks.store.s3 import S3Store

if TYPE_CHECKING:
    from config.settings import StoreSettings

__all__ = [
    "CONFERENCE_ARTIFACTS",
    "CONTENT_TYPES",
    "FIGURE_ARTIFACT_RE",
    "PAPER_ARTIFACTS",
    "ArtifactStore",
    "ContentChanged",
    "LocalStore",
    "ObjectInfo",
    "StoreError",
    "check_key",
    "conference_key",
    "content_type_for",
    "open_store",
    "paper_key",
    "store_for",
    "validate_store_uri",
]


def open_store(uri: str, **s3_options: Any) -> ArtifactStore:
    """The store a URI names: `s3://bucket/prefix` or a local directory path.

    s3_options go to S3Store (endpoint_url, region, access_key_id, secret_access_key,
    checksum_mode, presign_expiry_s); a local store takes none.
    """
    validate_store_uri(uri)
    if uri.startswith("s3://"):
        return S3Store(uri, **s3_options)
    return LocalStore(uri.removeprefix("file://"))


def store_for(settings: StoreSettings) -> ArtifactStore:
    """The store the settings name (built inside tasks, never passed as a task parameter).

    One store per configuration and process: every task and cache key asks for it, and an S3
    client is too costly to build each time (boto3 clients are thread-safe).
    """
    validate_store_uri(settings.uri)  # "" would otherwise resolve to the working directory
    if "://" not in settings.uri:
        return _cached_store(str(Path(settings.uri).expanduser().resolve()), ())
    secret = settings.secret_access_key
    options = (
        ("endpoint_url", settings.endpoint_url),
        ("region", settings.region),
        ("access_key_id", settings.access_key_id.get_secret_value() if settings.access_key_id else None),
        ("secret_access_key", secret.get_secret_value() if secret else None),
        ("checksum_mode", settings.checksum_mode),
        ("presign_expiry_s", settings.presign_expiry_s),
    )
    return _cached_store(settings.uri, options)


@lru_cache(maxsize=16)
def _cached_store(uri: str, options: tuple[tuple[str, Any], ...]) -> ArtifactStore:
    return open_store(uri, **dict(options))
