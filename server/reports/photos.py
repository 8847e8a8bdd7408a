"""Photo thumbnails for PDFs: EXIF orientation applied, downscaled with Pillow, or a reason why not.

A thumbnail is made from the blob store only (never a path or URL from the instance). Unusable
images — a missing blob, bytes Pillow cannot read, an image with more pixels than ``MAX_PIXELS`` —
give ``None`` and a reason the document prints in a placeholder box instead of failing.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageOps

from server.storage.blobs import get_store

MAX_PIXELS = 120_000_000  # a 40-megapixel phone photo is fine; beyond this the image is refused unread
MAX_BYTES = 60 * 1024 * 1024
THUMB_SIZE = (480, 480)  # about 4 cm at 300 dpi
REASONS = {"missing": "照片缺失（未上传或已丢失）", "corrupt": "照片已损坏，无法读取", "huge": "照片过大，未嵌入"}


@dataclass(frozen=True)
class Photo:
    name: str
    sha256: str | None
    reason: str | None = None  # None: usable; else a key of REASONS

    @property
    def url(self) -> str | None:
        return f"zoufang-blob:{self.sha256}" if self.reason is None and self.sha256 else None

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason or "", "")


def _read(sha256: str) -> bytes | None:
    try:
        fh = get_store().open(sha256)
    except Exception:  # a missing file or S3 key, whatever the store raises: no image
        return None
    try:
        return fh.read(MAX_BYTES + 1)
    except Exception:
        return None
    finally:
        fh.close()


def make_thumbnail(data: bytes) -> tuple[bytes | None, str | None]:
    """(JPEG bytes, None) or (None, reason)."""
    if len(data) > MAX_BYTES:
        return None, "huge"
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                return None, "huge"
            img.draft("RGB", THUMB_SIZE)  # JPEG: decode at 1/2…1/8 scale, so 40 MP costs little
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
            img.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            img.save(out, "JPEG", quality=80)
            return out.getvalue(), None
    except (Image.DecompressionBombError, MemoryError):
        return None, "huge"
    except Exception:  # truncated, corrupt or not an image at all
        return None, "corrupt"


@lru_cache(maxsize=512)
def _thumbnail_cached(store_key, sha256: str) -> tuple[bytes | None, str | None]:
    data = _read(sha256)
    if data is None:
        raise LookupError(sha256)  # not cached: the blob may still arrive
    return make_thumbnail(data)


def thumbnail(sha256: str) -> tuple[bytes | None, str | None]:
    """Content-addressed, so the cache never goes stale (keyed by the store's folder too: tests use many)."""
    store = get_store()
    try:
        return _thumbnail_cached(str(getattr(store, "root", "")) or id(store), sha256)
    except LookupError:
        return None, "missing"


def photo(name: str, sha256: str | None) -> Photo:
    if not sha256:
        return Photo(name, None, "missing")
    return Photo(name, sha256, thumbnail(sha256)[1])
