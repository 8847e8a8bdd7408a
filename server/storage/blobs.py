"""The blob store the app uses, chosen by STORAGE_URL.

- empty: ``<data dir>/blobs`` on local disk
- ``file:///path``: local disk at that folder
- ``s3://bucket[/prefix]?endpoint=http://host:port&region=…``: an S3-compatible
  bucket, credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; the bucket
  is checked at start-up.

Both stores are content-addressed by sha256 and offer the same methods:
``exists``, ``put_bytes``, ``put_stream`` → (sha256, size), ``read_bytes``, ``open``.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from server.config import ConfigError
from server.storage.local import LocalBlobStore

if TYPE_CHECKING:
    from server.storage.s3 import S3BlobStore

    BlobStore = LocalBlobStore | S3BlobStore


def store_from_config(cfg) -> "BlobStore":
    url = cfg.storage_url
    if not url:
        return LocalBlobStore(Path(cfg.data_dir) / "blobs")
    if url.startswith("file://"):
        return LocalBlobStore(Path(url[len("file://"):]))
    if url.startswith("s3://"):
        from server.storage.s3 import S3BlobStore  # boto3 is imported only when S3 is used

        return S3BlobStore.from_url(url, spool_dir=Path(cfg.data_dir) / "tmp")
    raise ConfigError(f"STORAGE_URL 只支持 file:// 或 s3://，而不是 {url!r} / "
                      f"STORAGE_URL must be file:///path or s3://bucket/prefix?endpoint=…, not {url!r}")


def init_app(app) -> None:
    store = store_from_config(app.config["ZOUFANG"])
    app.extensions["zoufang_blobs"] = store
    if isinstance(store, LocalBlobStore):
        removed = store.sweep_tmp()  # what a kill -9 mid-upload left behind
        if removed:
            logging.getLogger(__name__).info("blob store: removed %d leftover upload files from tmp", removed)


def get_store() -> "BlobStore":
    from flask import current_app

    return current_app.extensions["zoufang_blobs"]
