"""The S3 artifact store (boto3): SHA-256 in object metadata, conditional writes, server-side copies.

Metadata alone is no proof of content: a body replaced under its old `sha256` metadata would be
replayed and copied as if unchanged. Each object therefore also records the MD5 of its bytes, and
the server's ETag (the MD5 of what it holds, for a single-part, non-KMS object) must match it
before the SHA-256 is trusted; otherwise the body itself is hashed (remembered per ETag).
"""

from __future__ import annotations

import builtins
import hashlib
import threading
from collections import OrderedDict
from typing import Any

from tasks.models import StoredObject, sha256_bytes
from tasks.store.base import ChecksumMode, ContentChanged, ObjectInfo, StoreError, check_key, content_type_for

_CHUNK = 1 << 20
_HASHED_KEPT = 4096  # bodies hashed by this process, by (key, ETag): hashed once, not per check


def _etag(head: dict[str, Any]) -> str:
    return str(head.get("ETag", "")).strip('"')


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
        presign_expiry_s: int = 7 * 24 * 3600,
    ) -> None:
        import boto3
        from botocore.config import Config

        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        if len(bucket) < 3:
            raise StoreError(f"store URI {uri!r}: bucket name must have at least 3 characters")
        self.uri = uri
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.identity = f"{uri.rstrip('/')}@{endpoint_url or 'aws'}"
        self.presign_expiry_s = presign_expiry_s
        self.requests_at_once = 8
        config = Config(
            max_pool_connections=self.requests_at_once + 2,  # the requests at once, a lease renewal beside
            # SigV4 everywhere: pre-signed links carry an explicit lifetime (X-Amz-Expires, 7 days max).
            signature_version="s3v4",
            request_checksum_calculation=checksum_mode,
            response_checksum_validation=checksum_mode,
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        )
        self._hashed: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._hashed_lock = threading.Lock()
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    def _full(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _error(self, exc: Exception) -> str | None:
        response = getattr(exc, "response", None) or {}
        code: str | None = response.get("Error", {}).get("Code")
        if code == "NoSuchBucket":
            raise StoreError(f"bucket {self.bucket!r} does not exist ({self.uri})") from exc
        return code

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=self._full(key)))
        except ClientError as exc:
            if self._error(exc) in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise

    def _put(self, key: str, data: bytes, digest: str, **conditions: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._full(key),
            Body=data,
            ContentType=content_type_for(key),
            Metadata={"sha256": digest, "md5": hashlib.md5(data, usedforsecurity=False).hexdigest()},
            **conditions,
        )

    def put(self, key: str, data: bytes) -> StoredObject:
        from botocore.exceptions import ClientError

        digest = sha256_bytes(data)
        head = self._head(key)
        if head is not None and self._sha_of(key, head) == digest:
            return StoredObject(key=key, sha256=digest, size=len(data), written=False)
        try:
            self._put(key, data, digest)
        except ClientError as exc:
            self._error(exc)
            raise
        return StoredObject(key=key, sha256=digest, size=len(data), written=True)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
        except ClientError as exc:
            if self._error(exc) in {"404", "NoSuchKey"}:
                raise KeyError(f"{key!r} not found in {self.uri}") from None
            raise
        body: bytes = obj["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def _sha_of(self, key: str, head: dict[str, Any]) -> str:
        """The SHA-256 of the bytes the server holds: the metadata's when the ETag vouches for it."""
        meta = head.get("Metadata", {})
        stored, md5, etag = meta.get("sha256"), meta.get("md5"), _etag(head)
        if stored and md5 and etag == md5:
            return str(stored)
        with self._hashed_lock:
            known = self._hashed.get((key, etag))
        if known is not None:
            return known
        # No MD5 recorded (another tool wrote it), or an ETag that is not the body's MD5 (a
        # multipart upload, SSE-KMS), or a body replaced under old metadata: hash the body as it
        # streams, never holding it whole; remembered under the ETag of the version read.
        from botocore.exceptions import ClientError

        h = hashlib.sha256()
        try:
            got = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
        except ClientError as exc:
            self._error(exc)
            raise
        for chunk in iter(lambda: got["Body"].read(_CHUNK), b""):
            h.update(chunk)
        digest = h.hexdigest()
        with self._hashed_lock:
            self._hashed[(key, _etag(got))] = digest
            while len(self._hashed) > _HASHED_KEPT:
                self._hashed.popitem(last=False)
        return digest

    def sha256(self, key: str) -> str | None:
        head = self._head(key)
        return None if head is None else self._sha_of(key, head)

    def head(self, key: str) -> StoredObject | None:
        head = self._head(key)
        if head is None:
            return None
        return StoredObject(
            key=key, sha256=self._sha_of(key, head), size=int(head["ContentLength"]), written=False
        )

    def list(self, prefix: str) -> list[str]:
        from botocore.exceptions import ClientError

        # A prefix names a folder, as in the local store: "icml-2024" does not list "icml-20245/...".
        strip = f"{self.prefix}/" if self.prefix else ""
        full = self._full(prefix.rstrip("/")) + "/" if prefix else strip
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
                keys.extend(obj["Key"].removeprefix(strip) for obj in page.get("Contents", []))
        except ClientError as exc:
            self._error(exc)
            raise
        return sorted(keys)

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    def create(self, key: str, data: bytes) -> bool:
        """Write key only if absent (`If-None-Match: *`); False when it already exists."""
        return self.swap(key, data, None)

    def copy(self, source: str, target: str, expected_sha256: str | None = None) -> StoredObject:
        """Server-side copy of the version whose content was checked (the bytes never pass here).

        The copy is made only from the source's ETag that was verified (CopySourceIfMatch), and
        the copy's ETag must be that one: a source replaced between the check and the copy is
        caught, and the copy removed. expected_sha256: other bytes raise ContentChanged.
        """
        from botocore.exceptions import ClientError

        head = self._head(source)
        if head is None:
            raise KeyError(f"{source!r} not found in {self.uri}")
        sha, etag = self._sha_of(source, head), _etag(head)
        if expected_sha256 is not None and sha != expected_sha256:
            raise ContentChanged(source, expected_sha256, sha)
        plain_md5 = len(etag) == 32 and "-" not in etag
        try:
            done = self.client.copy_object(
                Bucket=self.bucket,
                Key=self._full(target),
                CopySource={"Bucket": self.bucket, "Key": self._full(source)},
                CopySourceIfMatch=str(head["ETag"]),
                MetadataDirective="REPLACE",
                Metadata={"sha256": sha, **({"md5": etag} if plain_md5 else {})},
                ContentType=content_type_for(target),
            )
        except ClientError as exc:
            if self._error(exc) in {"PreconditionFailed", "412"}:
                raise ContentChanged(source, sha, "(replaced while copied)") from exc
            raise
        copied = str(done.get("CopyObjectResult", {}).get("ETag", "")).strip('"')
        if plain_md5 and copied != etag:
            self.delete(target)
            raise ContentChanged(source, sha, f"(another version, ETag {copied})")
        if not plain_md5 and self.sha256(target) != sha:  # no ETag to compare: hash the copy
            self.delete(target)
            raise ContentChanged(source, sha, "(another version)")
        return StoredObject(key=target, sha256=sha, size=int(head["ContentLength"]), written=True)

    def swap(self, key: str, data: bytes, expected_sha256: str | None) -> bool:
        """Conditional PUT: `If-None-Match: *` when absent is expected, else `If-Match` on the ETag."""
        from botocore.exceptions import ClientError

        conditions: dict[str, str]
        if expected_sha256 is None:
            conditions = {"IfNoneMatch": "*"}
        else:
            head = self._head(key)
            if head is None or self._sha_of(key, head) != expected_sha256:
                return False
            conditions = {"IfMatch": str(head["ETag"])}
        try:
            self._put(key, data, sha256_bytes(data), **conditions)
        except ClientError as exc:
            if self._error(exc) in {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._full(key))
        except ClientError as exc:
            self._error(exc)
            raise

    def inventory(self, prefix: str) -> dict[str, ObjectInfo]:
        """Every key under prefix with its size, fingerprint (size and ETag) and LastModified: one listing."""
        from botocore.exceptions import ClientError

        strip = f"{self.prefix}/" if self.prefix else ""
        full = self._full(prefix.rstrip("/")) + "/" if prefix else strip
        found: dict[str, ObjectInfo] = {}
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full)
            for page in pages:
                for obj in page.get("Contents", []):
                    size = int(obj["Size"])
                    found[obj["Key"].removeprefix(strip)] = ObjectInfo(
                        size=size,
                        fingerprint=f"{size}:{str(obj.get('ETag', '')).strip(chr(34))}",
                        modified=obj["LastModified"].timestamp(),
                    )
        except ClientError as exc:
            self._error(exc)
            raise
        return found

    def folders(self, prefix: str) -> builtins.list[str]:
        """The names of the `folders` (common prefixes) directly under prefix."""
        from botocore.exceptions import ClientError

        strip = f"{self.prefix}/" if self.prefix else ""
        full = self._full(prefix.rstrip("/")) + "/" if prefix else strip
        names: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full, Delimiter="/"
            )
            for page in pages:
                names.extend(p["Prefix"][len(full) :].rstrip("/") for p in page.get("CommonPrefixes", []))
        except ClientError as exc:
            self._error(exc)
            raise
        return sorted(n for n in names if n)

    def presigned_url(self, key: str, expires_s: int | None = None) -> str:
        """A time-limited HTTPS link to a private object (it names the access key id, not the secret)."""
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._full(key)},
            ExpiresIn=expires_s or self.presign_expiry_s,
        )
        return url
