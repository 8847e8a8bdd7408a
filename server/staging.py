"""Uploads kept between an import's check and its confirmation (upload → report → confirm).

The bytes go to the blob store under their sha256; the page hands the sha256 back
on confirm, so the user need not upload the file again.
"""
from __future__ import annotations

from server.errors import BadRequest


def keep_upload(data: bytes) -> str:
    from server.storage.blobs import get_store

    return get_store().put_bytes(data)


def read_kept_upload(sha256: str) -> bytes:
    from server.storage.blobs import get_store

    try:
        return get_store().read_bytes(sha256)
    except (ValueError, OSError) as exc:
        raise BadRequest("上传的文件已失效，请重新上传", "The uploaded file is gone; upload it again",
                         code="stale_upload") from exc
