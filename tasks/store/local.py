"""The local-directory artifact store: temp file + rename per object, copies for releases.

Releases are real copies, never hard links: a link shares its bytes with the working area, so
anyone editing a working file in place (an editor, `>>`) would change every release linking it.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
import threading
from pathlib import Path

from tasks.models import StoredObject, sha256_bytes
from tasks.store.base import ContentChanged, ObjectInfo, StoreError, check_key

_CHUNK = 1 << 20


def current_umask() -> int:
    """The process umask, read without changing it where /proc allows (os.umask is racy in threads)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class LocalStore:
    """Artifacts under a directory; the key is the relative path.

    Files get the mode the umask gives new files (0644 by default): a temp file is created 0600,
    so the mode is set before the rename makes it visible.
    """

    def __init__(self, root: str | Path) -> None:
        if not str(root).strip():
            raise StoreError("store path is empty: give a directory or s3://bucket/prefix")
        self.root = Path(root).expanduser().resolve()
        self.uri = str(self.root)
        self.identity = f"file://{self.root}"
        self.requests_at_once = 8  # a disk's reads and fsyncs overlap too
        self.file_mode = 0o666 & ~current_umask()
        self._swap_lock = threading.Lock()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, then rename: a reader sees the old file or the new one, never half.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fchmod(fh.fileno(), self.file_mode)
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put(self, key: str, data: bytes) -> StoredObject:
        path = self._path(key)
        digest = sha256_bytes(data)
        if path.is_file() and path.stat().st_size == len(data) and self.sha256(key) == digest:
            return StoredObject(key=key, sha256=digest, size=len(data), written=False)
        self._write(path, data)
        return StoredObject(key=key, sha256=digest, size=len(data), written=True)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise KeyError(f"{key!r} not found in {self.uri}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def sha256(self, key: str) -> str | None:
        path = self._path(key)
        if not path.is_file():
            return None
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                h.update(chunk)
        return h.hexdigest()

    def head(self, key: str) -> StoredObject | None:
        sha = self.sha256(key)
        if sha is None:
            return None
        return StoredObject(key=key, sha256=sha, size=self._path(key).stat().st_size, written=False)

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return []
        found: list[str] = []
        # os.walk does not follow links: the `current` link of a conference is not listed twice.
        for folder, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                path = Path(folder) / name
                if not name.startswith(".") and not path.is_symlink():
                    found.append(path.relative_to(self.root).as_posix())
        return sorted(found)

    def location(self, key: str) -> str:
        return str(self._path(key))

    def create(self, key: str, data: bytes) -> bool:
        """Write key only if absent (atomic claim); False when it already exists."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, self.file_mode)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return True

    def copy(self, source: str, target: str, expected_sha256: str | None = None) -> StoredObject:
        """target := a copy of source's bytes, hashed as they are copied (a temp file, then a rename).

        expected_sha256: the bytes the caller means; other bytes raise ContentChanged and leave
        nothing at target.
        """
        src, dst = self._path(source), self._path(target)
        dst.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
        h, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    reader = src.open("rb")
                except (FileNotFoundError, IsADirectoryError):
                    raise KeyError(f"{source!r} not found in {self.uri}") from None
                with reader:
                    for chunk in iter(lambda: reader.read(_CHUNK), b""):
                        h.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                out.flush()
                os.fchmod(out.fileno(), self.file_mode)
                os.fsync(out.fileno())
            digest = h.hexdigest()
            if expected_sha256 is not None and digest != expected_sha256:
                raise ContentChanged(source, expected_sha256, digest)
            os.replace(tmp, dst)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredObject(key=target, sha256=digest, size=size, written=True)

    def swap(self, key: str, data: bytes, expected_sha256: str | None) -> bool:
        """Replace key with data only if its SHA-256 is still expected (None: absent); else False."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = path.parent / f".{path.name}.lock"
        # flock serialises processes on this machine, the thread lock the threads of this one.
        with self._swap_lock, open(lock_path, "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                if self.sha256(key) != expected_sha256:
                    return False
                self._write(path, data)
                return True
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def inventory(self, prefix: str) -> dict[str, ObjectInfo]:
        """Every key under prefix with its size, fingerprint (size, mtime, ctime, inode) and mtime.

        ctime is in: unlike mtime, nobody can set it back, so an edit hidden by `touch -r` shows.
        """
        found: dict[str, ObjectInfo] = {}
        for key in self.list(prefix):
            try:
                st = self._path(key).stat()
            except FileNotFoundError:  # removed since the listing
                continue
            fingerprint = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
            found[key] = ObjectInfo(size=st.st_size, fingerprint=fingerprint, modified=st.st_mtime)
        return found

    def folders(self, prefix: str) -> builtins.list[str]:
        """The names of the folders directly under prefix (links and hidden folders left out)."""
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return []
        return sorted(
            p.name for p in base.iterdir() if not p.name.startswith(".") and stat.S_ISDIR(p.lstat().st_mode)
        )

    def link(self, key: str, target: str) -> None:
        """Point the symbolic link at key to target (relative), atomically: a convenience for people."""
        path = self._path(key)
        tmp = path.parent / f".{path.name}.{os.getpid()}.link"
        tmp.unlink(missing_ok=True)
        os.symlink(target, tmp)
        os.replace(tmp, path)

    def temp_files(self, prefix: str) -> builtins.list[str]:  # `list` here is the method above
        """Leftovers of writes that were killed half-way (`.<name>.<random>.tmp`)."""
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob(".*.tmp")
            if p.is_file() and not p.is_symlink()
        )

    def remove_path(self, relative: str) -> None:
        """Remove a leftover file named by temp_files (not a key: its name starts with a dot)."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"{relative!r} is outside {self.uri}")
        path.unlink(missing_ok=True)
