"""A small client that talks to the server as ODK Collect does for forms out.

It sends ``X-OpenRosa-Version: 1.0`` and ``Date`` on every request, fails on any
response without ``X-OpenRosa-Version``, and reads formList and manifests with
their real namespaces (through defusedxml, as a phone would refuse entities).
"""
from __future__ import annotations

import hashlib
from email.utils import formatdate
from urllib.parse import urlsplit

from defusedxml.ElementTree import fromstring

XFORMS_LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"


class CollectClient:
    def __init__(self, client, server_url: str, auth: tuple[str, str] | None = None):
        """``server_url`` is what the QR code configures, e.g. http://localhost/key/<token>."""
        self.client = client
        self.server_url = server_url.rstrip("/")
        self.auth = auth

    def get(self, url: str, headers: dict | None = None, method: str = "GET"):
        """A request to an absolute URL (as the server handed it out) or a path under the server URL."""
        if not urlsplit(url).scheme:
            url = self.server_url + url
        sent = {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True), "User-Agent": "org.odk.collect.android/v2024.2.0"}
        sent.update(headers or {})
        resp = self.client.open(url, method=method, headers=sent, auth=self.auth)
        assert resp.headers.get("X-OpenRosa-Version") == "1.0", f"{url}: no X-OpenRosa-Version ({resp.status})"
        assert resp.headers.get("Date"), f"{url}: no Date header"
        return resp

    def form_list(self, form_id: str | None = None) -> list[dict]:
        resp = self.get("/formList" + (f"?formID={form_id}" if form_id else ""))
        assert resp.status_code == 200, resp.data.decode()
        root = fromstring(resp.data)
        assert root.tag == f"{XFORMS_LIST}xforms", root.tag
        out = []
        for xform in root.findall(f"{XFORMS_LIST}xform"):
            item = {child.tag.removeprefix(XFORMS_LIST): (child.text or "") for child in xform}
            out.append(item)
        return out

    def manifest(self, url: str, etag: str | None = None):
        """(entries, response); entries is None on 304."""
        resp = self.get(url, headers={"If-None-Match": etag} if etag else None)
        if resp.status_code == 304:
            return None, resp
        assert resp.status_code == 200, resp.data.decode()
        root = fromstring(resp.data)
        assert root.tag == f"{MANIFEST}manifest", root.tag
        entries = [{child.tag.removeprefix(MANIFEST): (child.text or "") for child in media}
                   for media in root.findall(f"{MANIFEST}mediaFile")]
        return entries, resp

    def download_form(self, entry: dict) -> bytes:
        """Download a formList entry as Collect does, checking the bytes against the advertised hash."""
        resp = self.get(entry["downloadUrl"])
        assert resp.status_code == 200, resp.data.decode()
        assert entry["hash"] == "md5:" + hashlib.md5(resp.data).hexdigest(), "hash differs from the bytes served"
        return resp.data
