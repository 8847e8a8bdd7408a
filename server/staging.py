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


def stage_import(import_fn, data: bytes, filename: str, *, actor, changes) -> dict:
    """A dry run of ``import_fn``; when the file is clean and ``changes(report)``, keep its bytes so the user
    can confirm without re-uploading (the report then carries ``upload_sha256``)."""
    report = import_fn(data, filename, actor=actor, dry_run=True)
    if not report["errors"] and changes(report):
        report["upload_sha256"] = keep_upload(data)
    return report


def commit_staged(import_fn, sha256: str, filename: str, *, actor) -> dict:
    return import_fn(read_kept_upload(sha256), filename, actor=actor)
