"""Content-addressed blob store (sha256) on local disk.

Writes go to a temporary file in the same directory, are fsync'd, then renamed
into place and the directory fsync'd: a blob that ``put`` returned is durable.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024
HEX = frozenset("0123456789abcdef")


def blob_key(sha256: str) -> str:
    """``ab/cd/abcd…``: where a blob lives under a store's root, on disk or in a bucket."""
    if len(sha256) != 64 or not HEX.issuperset(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class LocalBlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if not self.exists(sha):
            self.put_stream(io.BytesIO(data))
        return sha

    def put_stream(self, stream: BinaryIO) -> tuple[str, int]:
        """Copy a stream into the store; returns (sha256, size).

        A seekable stream (a spooled upload part) is hashed first: content the store already holds —
        a re-sent photo, a split upload's repeated parts — is neither written nor fsync'd again."""
        known = self._known(stream)
        if known is not None:
            return known
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(exist_ok=True)
        h = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=tmp_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    h.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = h.hexdigest()
            self._place(Path(tmp), sha)
            return sha, size
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

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

    def _place(self, tmp: Path, sha: str) -> None:
        dest = self.path(sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            return
        os.replace(tmp, dest)
        dir_fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
