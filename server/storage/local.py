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
import threading
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

CHUNK = 1024 * 1024
TMP_MAX_AGE = 3600.0  # seconds: a tmp file older than this is a killed process's leftover (``sweep_tmp``)
HEX = frozenset("0123456789abcdef")
# fsyncs of one batch run side by side (each waits in the kernel, the GIL released)
_FSYNC_THREADS = 4
FSYNC_THREAD = "zoufang-fsync"
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()  # threads (the dev server's requests, jobs) may ask for the pool at the same time


def _nothing() -> None:
    pass


def blob_key(sha256: str) -> str:
    """``ab/cd/abcd…``: where a blob lives under a store's root, on disk or in a bucket."""
    if len(sha256) != 64 or not HEX.issuperset(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _fsync_fd(fd: int) -> None:
    os.fsync(fd)


def _fsync_pool() -> ThreadPoolExecutor:
    """A small thread pool for fsyncs, one per process (gunicorn forks its workers after the app is made)."""
    global _pool, _pool_pid
    pool = _pool
    if pool is not None and _pool_pid == os.getpid():
        return pool
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = ThreadPoolExecutor(_FSYNC_THREADS, thread_name_prefix=FSYNC_THREAD), os.getpid()
        return _pool


def _fsync_all(fds: list[int]) -> None:
    """fsync every descriptor; several at once on the pool."""
    if len(fds) <= 1:
        for fd in fds:
            os.fsync(fd)
        return
    for _ in _fsync_pool().map(_fsync_fd, fds):  # re-raises the first OSError
        pass


def _wait_all(futures: list[Future]) -> None:
    """Wait for every future (none is left running), then re-raise the first failure."""
    error = None
    for f in futures:
        try:
            f.result()
        except BaseException as exc:  # noqa: BLE001 - collected, raised once all are done
            error = error or exc
    if error is not None:
        raise error


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
        self._sync: Future | None = None  # the fsync started by start_sync()

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

    def start_sync(self) -> None:
        """Start fsyncing the (complete) temporary file in the background: the disk works while the request
        is checked. Nothing visible happens — the file is still only in the tmp folder."""
        if self._sync is None and not self.closed:
            self._file.flush()
            self._sync = _fsync_pool().submit(_fsync_fd, self._file.fileno())

    def _synced(self) -> None:
        """The file's data is on disk: the background fsync has finished (re-raising its error), or run one now."""
        if self._sync is not None:
            self._sync.result()
        else:
            self._file.flush()
            os.fsync(self._file.fileno())

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
            sync = self._sync
            if sync is not None and not sync.done() and threading.current_thread().name.startswith(FSYNC_THREAD):
                # Closed by the garbage collector inside a pool thread: waiting here for a future queued
                # behind it could block the whole pool (every later upload would hang). Finish when it is done.
                sync.add_done_callback(lambda _f: self._release())
                return
            if sync is not None:  # never close a descriptor a pool thread is still fsyncing
                try:
                    sync.result()
                except OSError:
                    pass
            self._release()
        finally:
            super().close()

    def _release(self) -> None:
        self._file.close()
        if not self.placed:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


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

    def sweep_tmp(self, older_than: float = TMP_MAX_AGE) -> int:
        """Remove files left in the tmp folder by a process that was killed mid-upload; returns how many.

        A file there is only ever in use while a body is received (a stalled one is refused after
        ``ZOUFANG_BODY_TIMEOUT``) and until its request commits: one untouched for ``older_than`` seconds
        belongs to no request any more. Nothing in it is referred to by the database."""
        removed, cutoff = 0, time.time() - older_than
        try:
            entries = list(os.scandir(self.tmp_dir))
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:  # another worker swept it first
                pass
        return removed

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
        results, synced = self.put_many_pending(items)
        synced()
        return results

    def put_many_pending(self, items: Iterable[bytes | BinaryIO]) -> tuple[list[tuple[str, int]], Callable[[], None]]:
        """``put_many``, except that the folders' fsyncs may still be running when it returns: the blobs are
        durable once the returned ``synced()`` has returned (call it before committing anything that refers
        to them — the caller can do other work meanwhile)."""
        results: list[tuple[str, int]] = []
        new: list[tuple[str, str, BinaryIO]] = []  # (tmp path, sha, open file to fsync)
        opened: list = []
        synced: Callable[[], None] = _nothing
        try:
            for item in items:
                if isinstance(item, SpooledBlob) and item.store is self and not item.closed:
                    sha, size = item.sha256, item.size
                    if not item.placed and not self.exists(sha) and sha not in {s for _, s, _ in new}:
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
                synced = self._commit(new)
        finally:
            for out, tmp in opened:
                out.close()
                if os.path.exists(tmp):
                    os.unlink(tmp)
        return results, synced

    def _commit(self, new: list[tuple[str, str, BinaryIO]]) -> Callable[[], None]:
        """fsync the new files (together, or wait for the fsync a spooled part started), rename them into
        place, start fsyncing their folders together; returns what waits for those."""
        spooled = [f for _, _, f in new if isinstance(f, SpooledBlob)]
        others = [f.fileno() for _, _, f in new if not isinstance(f, SpooledBlob)]
        if len(new) > 1:
            for f in spooled:
                f.start_sync()  # (a no-op for a part whose fsync already runs)
        _fsync_all(others)
        for f in spooled:
            f._synced()
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
        futures = []
        pool = _fsync_pool()
        for d in dirs:
            fd = os.open(d, os.O_RDONLY)
            try:
                future = pool.submit(_fsync_fd, fd)
            except BaseException:
                os.close(fd)
                raise
            future.add_done_callback(lambda _f, fd=fd: os.close(fd))
            futures.append(future)
        return lambda: _wait_all(futures)

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
