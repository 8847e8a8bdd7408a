"""Content-addressed blob store (sha256) on local disk.

Writes go to a temporary file in the store's ``tmp`` folder, are fsync'd, then renamed
into place and the directory fsync'd: a blob that ``put`` returned is durable.

``put_many`` stores several blobs at once (a submission's instance and photos): every new
file is written first, then all of them are fsync'd together, renamed into place, and their
directories fsync'd together — the disk waits once for the lot instead of once per file.
An upload can be streamed straight into the store's tmp folder while it is received
(``new_spool``, hashed as it is written), so a part is neither copied nor hashed again.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Iterable

CHUNK = 1024 * 1024
HEX = frozenset("0123456789abcdef")
# fsyncs of one batch run side by side (each waits in the kernel, the GIL released)
_FSYNC_THREADS = 4
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None


def blob_key(sha256: str) -> str:
    """``ab/cd/abcd…``: where a blob lives under a store's root, on disk or in a bucket."""
    if len(sha256) != 64 or not HEX.issuperset(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _fsync_fd(fd: int) -> None:
    os.fsync(fd)


def _fsync_all(fds: list[int]) -> None:
    """fsync every descriptor; several at once on a small thread pool (one per process: gunicorn forks)."""
    global _pool, _pool_pid
    if len(fds) <= 1 or _FSYNC_THREADS <= 1:
        for fd in fds:
            os.fsync(fd)
        return
    if _pool is None or _pool_pid != os.getpid():
        _pool, _pool_pid = ThreadPoolExecutor(_FSYNC_THREADS, thread_name_prefix="fsync"), os.getpid()
    for _ in _pool.map(_fsync_fd, fds):  # re-raises the first OSError
        pass


class SpooledBlob(io.RawIOBase):
    """An upload part being written to a file in the store's tmp folder, hashed as it is written.

    Readable and seekable like the temporary file it is; ``LocalBlobStore.put_stream``/``put_many``
    move it into place instead of copying it. Closing it removes the file unless it was placed."""

    def __init__(self, store: "LocalBlobStore"):
        super().__init__()
        self.store = store
        fd, self.path = store._mkstemp()
        self._file = os.fdopen(fd, "w+b")
        self._hash = hashlib.sha256()
        self.size = 0
        self.placed = False

    # writing (the multipart parser) -----------------------------------------------------------
    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._hash.update(data)
        self.size += len(data)
        return self._file.write(data)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    # reading back ---------------------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def readinto(self, b) -> int:
        return self._file.readinto(b)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def flush(self) -> None:
        if not self._file.closed:
            self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._file.close()
            if not self.placed:
                try:
                    os.unlink(self.path)
                except FileNotFoundError:
                    pass
        finally:
            super().close()


class LocalBlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp_dir = self.root / "tmp"
        self.tmp_dir.mkdir(exist_ok=True)
        self._root_str = str(self.root)
        self._dirs: set[str] = set()  # ab/cd folders known to exist (made by this process or seen)

    def path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def _path_str(self, sha256: str) -> str:
        return os.path.join(self._root_str, blob_key(sha256))

    def exists(self, sha256: str) -> bool:
        return os.path.exists(self._path_str(sha256))

    def _mkstemp(self) -> tuple[int, str]:
        try:
            return tempfile.mkstemp(dir=self.tmp_dir)
        except FileNotFoundError:  # the tmp folder was removed under us
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
            return tempfile.mkstemp(dir=self.tmp_dir)

    def new_spool(self) -> SpooledBlob:
        """A file in the store's tmp folder to stream an upload part into (see ``SpooledBlob``)."""
        return SpooledBlob(self)

    def put_bytes(self, data: bytes) -> str:
        return self.put_many([data])[0][0]

    def put_stream(self, stream: BinaryIO) -> tuple[str, int]:
        """Copy a stream into the store; returns (sha256, size).

        A seekable stream (a spooled upload part) is hashed first: content the store already holds —
        a re-sent photo, a split upload's repeated parts — is neither written nor fsync'd again."""
        return self.put_many([stream])[0]

    def put_many(self, items: Iterable[bytes | BinaryIO]) -> list[tuple[str, int]]:
        """Store bytes and streams; returns (sha256, size) of each, in order. Every new blob is
        durable (file and directory fsync'd) when this returns; blobs already held are not touched."""
        results: list[tuple[str, int]] = []
        new: list[tuple[str, str, BinaryIO | None]] = []  # (tmp path, sha, open file to fsync)
        opened: list = []
        try:
            for item in items:
                if isinstance(item, SpooledBlob) and item.store is self and not item.closed:
                    sha, size = item.sha256, item.size
                    if not item.placed and not self.exists(sha) and sha not in {s for _, s, _ in new}:
                        item.flush()
                        new.append((item.path, sha, item))
                    results.append((sha, size))
                    continue
                if isinstance(item, (bytes, bytearray, memoryview)):
                    sha, size = hashlib.sha256(item).hexdigest(), len(item)
                    if self.exists(sha) or sha in {s for _, s, _ in new}:
                        results.append((sha, size))
                        continue
                    stream: BinaryIO = io.BytesIO(item)
                else:
                    stream = item
                    known = self._known(stream)
                    if known is not None:
                        results.append(known)
                        continue
                fd, tmp = self._mkstemp()
                out = os.fdopen(fd, "wb")
                opened.append((out, tmp))
                h, size = hashlib.sha256(), 0
                while chunk := stream.read(CHUNK):
                    h.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                sha = h.hexdigest()
                results.append((sha, size))
                if self.exists(sha) or sha in {s for _, s, _ in new}:
                    continue
                new.append((tmp, sha, out))
            if new:
                self._commit(new)
        finally:
            for out, tmp in opened:
                out.close()
                if os.path.exists(tmp):
                    os.unlink(tmp)
        return results

    def _commit(self, new: list[tuple[str, str, BinaryIO | None]]) -> None:
        """fsync the new files together, rename them into place, fsync their folders together."""
        _fsync_all([f.fileno() for _, _, f in new])
        dirs: dict[str, None] = {}
        for tmp, sha, f in new:
            dest = self._path_str(sha)
            parent = os.path.dirname(dest)
            if parent not in self._dirs:
                os.makedirs(parent, exist_ok=True)
                self._dirs.add(parent)
            try:
                os.replace(tmp, dest)
            except FileNotFoundError:  # the folder was removed since we saw it
                os.makedirs(parent, exist_ok=True)
                os.replace(tmp, dest)
            if isinstance(f, SpooledBlob):
                f.placed = True
            dirs[parent] = None
        fds = [os.open(d, os.O_RDONLY) for d in dirs]
        try:
            _fsync_all(fds)
        finally:
            for fd in fds:
                os.close(fd)

    def _known(self, stream: BinaryIO) -> tuple[str, int] | None:
        try:
            if not stream.seekable():
                return None
            start = stream.tell()
        except (AttributeError, OSError):
            return None
        h, size = hashlib.sha256(), 0
        while chunk := stream.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
        stream.seek(start)
        sha = h.hexdigest()
        return (sha, size) if self.exists(sha) else None

    def read_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")
