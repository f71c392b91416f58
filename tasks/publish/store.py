"""Artifact store: one interface, a local directory (default) and S3, chosen by URI.

Writes are idempotent (same bytes: nothing is rewritten) and atomic per object (a temp file and a
rename locally; a single PUT on S3), and every object carries its SHA-256.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

from tasks.models import StoredObject, sha256_bytes, validate_safe_id

ChecksumMode = Literal["when_supported", "when_required"]

PAPER_ARTIFACTS = frozenset(
    {
        "paper.pdf",
        "tei.xml",
        "parsed.json",
        "summary.json",
        "review.md",
        "comic.png",
        "comic.webp",
        "comic.json",
    }
)
CONFERENCE_ARTIFACTS = frozenset(
    {"digest.md", "digest.html", "digest.json", "manifest.json", "run.json", "claim.json", "review.json"}
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
    if name not in PAPER_ARTIFACTS:
        raise ValueError(f"unknown paper artifact {name!r}; expected one of {sorted(PAPER_ARTIFACTS)}")
    return f"{conference}/papers/{paper_id}/{name}"


def conference_key(conference: str, name: str) -> str:
    """`<conference>/<name>` for conference-level artifacts (digest.*, manifest.json)."""
    validate_safe_id(conference, "conference slug")
    if name not in CONFERENCE_ARTIFACTS:
        raise ValueError(
            f"unknown conference artifact {name!r}; expected one of {sorted(CONFERENCE_ARTIFACTS)}"
        )
    return f"{conference}/{name}"


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or any(not p for p in parts):
        raise ValueError(f"artifact key {key!r} has an empty segment")
    for part in parts:
        validate_safe_id(part, f"segment of artifact key {key!r}")
    return key


def content_type_for(key: str) -> str:
    return CONTENT_TYPES.get(Path(key).suffix, "application/octet-stream")


class ArtifactStore(Protocol):
    uri: str

    def put(self, key: str, data: bytes) -> StoredObject: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def sha256(self, key: str) -> str | None: ...

    def head(self, key: str) -> StoredObject | None: ...

    def list(self, prefix: str) -> list[str]: ...

    def location(self, key: str) -> str: ...

    def create(self, key: str, data: bytes) -> bool: ...


class LocalStore:
    """Artifacts under a directory; the key is the relative path."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().resolve()
        self.uri = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def put(self, key: str, data: bytes) -> StoredObject:
        path = self._path(key)
        digest = sha256_bytes(data)
        if path.is_file() and path.stat().st_size == len(data) and self.sha256(key) == digest:
            return StoredObject(key=key, sha256=digest, size=len(data), written=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, then rename: a reader sees the old file or the new one, never half.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredObject(key=key, sha256=digest, size=len(data), written=True)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(f"{key!r} not found in {self.uri}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def sha256(self, key: str) -> str | None:
        path = self._path(key)
        if not path.is_file():
            return None
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    def head(self, key: str) -> StoredObject | None:
        sha = self.sha256(key)
        if sha is None:
            return None
        return StoredObject(key=key, sha256=sha, size=self._path(key).stat().st_size, written=False)

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )

    def location(self, key: str) -> str:
        return str(self._path(key))

    def create(self, key: str, data: bytes) -> bool:
        """Write key only if absent (atomic claim); False when it already exists."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return True


class S3Store:
    """Artifacts in `s3://bucket/prefix`; the SHA-256 travels as object metadata."""

    def __init__(
        self,
        uri: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        checksum_mode: ChecksumMode = "when_supported",
    ) -> None:
        import boto3
        from botocore.config import Config

        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        if len(bucket) < 3:
            raise StoreError(f"store URI {uri!r}: bucket name must have at least 3 characters")
        self.uri = uri
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        config = Config(
            request_checksum_calculation=checksum_mode,
            response_checksum_validation=checksum_mode,
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        )
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    def _full(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=self._full(key)))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in {"404", "NoSuchKey", "NotFound"}:
                return None
            if code in {"NoSuchBucket"}:
                raise StoreError(f"bucket {self.bucket!r} does not exist ({self.uri})") from exc
            raise

    def put(self, key: str, data: bytes) -> StoredObject:
        digest = sha256_bytes(data)
        head = self._head(key)
        if head is not None and head.get("Metadata", {}).get("sha256") == digest:
            return StoredObject(key=key, sha256=digest, size=len(data), written=False)
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._full(key),
                Body=data,
                ContentType=content_type_for(key),
                Metadata={"sha256": digest},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
                raise StoreError(f"bucket {self.bucket!r} does not exist ({self.uri})") from exc
            raise
        return StoredObject(key=key, sha256=digest, size=len(data), written=True)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
                raise KeyError(f"{key!r} not found in {self.uri}") from None
            raise
        body: bytes = obj["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def sha256(self, key: str) -> str | None:
        head = self._head(key)
        if head is None:
            return None
        stored = head.get("Metadata", {}).get("sha256")
        return stored if stored else sha256_bytes(self.get(key))

    def head(self, key: str) -> StoredObject | None:
        head = self._head(key)
        if head is None:
            return None
        sha = head.get("Metadata", {}).get("sha256") or sha256_bytes(self.get(key))
        return StoredObject(key=key, sha256=sha, size=int(head["ContentLength"]), written=False)

    def list(self, prefix: str) -> list[str]:
        full = self._full(prefix) if prefix else self.prefix
        strip = f"{self.prefix}/" if self.prefix else ""
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
            keys.extend(obj["Key"].removeprefix(strip) for obj in page.get("Contents", []))
        return sorted(keys)

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    def create(self, key: str, data: bytes) -> bool:
        """Write key only if absent (`If-None-Match: *`); False when it already exists."""
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._full(key),
                Body=data,
                ContentType=content_type_for(key),
                Metadata={"sha256": sha256_bytes(data)},
                IfNoneMatch="*",
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}:
                return False
            if code == "NoSuchBucket":
                raise StoreError(f"bucket {self.bucket!r} does not exist ({self.uri})") from exc
            raise
        return True

    def presigned_url(self, key: str, expires_s: int = 7 * 24 * 3600) -> str:
        """A time-limited HTTPS link to a private object."""
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._full(key)}, ExpiresIn=expires_s
        )
        return url


def open_store(
    uri: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    checksum_mode: ChecksumMode = "when_supported",
) -> ArtifactStore:
    """The store a URI names: `s3://bucket/prefix` or a local directory path."""
    if uri.startswith("s3://"):
        return S3Store(
            uri,
            endpoint_url=endpoint_url,
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            checksum_mode=checksum_mode,
        )
    if "://" in uri and not uri.startswith("file://"):
        raise StoreError(f"unsupported store URI {uri!r}: use a directory path or s3://bucket/prefix")
    return LocalStore(uri.removeprefix("file://"))


def store_from_settings() -> ArtifactStore:
    """The store configured in settings (built inside tasks, never passed as a parameter).

    One store per configuration and process: every task and cache key asks for it, and an S3
    client is too costly to build each time (boto3 clients are thread-safe).
    """
    from config.settings import get_settings

    s = get_settings().store
    uri = s.uri if "://" in s.uri else str(Path(s.uri).expanduser().resolve())
    return _cached_store(
        uri,
        s.endpoint_url,
        s.region,
        s.access_key_id,
        s.secret_access_key.get_secret_value() if s.secret_access_key else None,
        s.checksum_mode,
    )


@lru_cache(maxsize=16)
def _cached_store(
    uri: str,
    endpoint_url: str | None,
    region: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    checksum_mode: ChecksumMode,
) -> ArtifactStore:
    return open_store(
        uri,
        endpoint_url=endpoint_url,
        region=region,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        checksum_mode=checksum_mode,
    )
