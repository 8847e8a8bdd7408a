"""WeasyPrint's URL fetcher: only ``zoufang-blob:<sha256>`` (a thumbnail of one of our blobs) is served.

Every other URL — http(s), file:, data:, relative paths — is refused, so a value typed on a phone can
never make the renderer read a local file or reach the network. Thumbnails are made before rendering
(``photos.thumbnail``), so a job's worker thread needs no app context here.
"""
from __future__ import annotations

import re

from weasyprint.urls import URLFetcher, URLFetcherResponse

BLOB_URL = re.compile(r"^zoufang-blob:([0-9a-f]{64})$")


class RefusedURL(ValueError):
    pass


class BlobFetcher(URLFetcher):
    """Serves the thumbnails it was given, keyed by blob sha256; refuses everything else."""

    def __init__(self, thumbnails: dict[str, bytes]):
        super().__init__(allowed_protocols=("zoufang-blob",))
        self._thumbnails = thumbnails

    def fetch(self, url, headers=None):
        match = BLOB_URL.match(url or "")
        if not match or match.group(1) not in self._thumbnails:
            raise RefusedURL(f"refused: {str(url)[:80]!r} (only our own blobs are read)")
        return URLFetcherResponse(url, self._thumbnails[match.group(1)], {"Content-Type": "image/jpeg"})
