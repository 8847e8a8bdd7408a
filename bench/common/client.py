"""The HTTP side of a phone: Collect's headers, one POST per connection, formList."""
from __future__ import annotations

import http.client
import urllib.request
from email.utils import formatdate

from .instances import FORM_ID, Form

OPENROSA_HEADERS = {"X-OpenRosa-Version": "1.0", "User-Agent": "org.odk.collect.android/v2024.2.0 (bench)"}
REQUEST_TIMEOUT = 60  # seconds, per HTTP request: no client waits for ever
SUCCESS = (201, 202)


# ---- HTTP ------------------------------------------------------------------------------------------

def post(port: int, path: str, content_type: str, body: bytes, timeout: float = REQUEST_TIMEOUT) -> int:
    """One Collect-style POST on a fresh connection (gunicorn's sync worker closes after each); the status.
    Connection errors and timeouts raise OSError / http.client.HTTPException."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={**OPENROSA_HEADERS, "Date": formatdate(usegmt=True),
                                                       "Content-Type": content_type})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status not in SUCCESS:
            _remember_failure(resp.status, body)
        return resp.status
    finally:
        conn.close()


FAILURE_SAMPLES: dict[int, str] = {}  # status → the first answer body seen with it (for the report)


def _remember_failure(status: int, body: bytes) -> None:
    if status not in FAILURE_SAMPLES:
        FAILURE_SAMPLES[status] = body[:300].decode("utf-8", errors="replace")


def get(url: str, timeout: float = 10) -> bytes:
    req = urllib.request.Request(url, headers={**OPENROSA_HEADERS, "Date": formatdate(usegmt=True)})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.read()


def fetch_form(port: int, key_path: str, form_id: str = FORM_ID) -> Form:
    """The form's id and version as the server's formList announces them to the cadre."""
    from defusedxml.ElementTree import fromstring

    ns = "{http://openrosa.org/xforms/xformsList}"
    root = fromstring(get(f"http://127.0.0.1:{port}{key_path}/formList?formID={form_id}"))
    for xform in root.iter(f"{ns}xform"):
        if xform.findtext(f"{ns}formID") == form_id:
            return Form(form_id, xform.findtext(f"{ns}version") or "")
    raise SystemExit(f"formList of {key_path} does not list {form_id}")
