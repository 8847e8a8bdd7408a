"""The floor the ingest bench compares against: a WSGI app that streams each request body to its own
file, fsyncs it and answers 201 with an OpenRosa message — no parsing, no database, no checks.

    gunicorn --workers 2 --chdir bench baseline_app:app    (BENCH_BASELINE_DIR: where bodies go)
"""
from __future__ import annotations

import os
import uuid

OUT_DIR = os.environ.get("BENCH_BASELINE_DIR", "/tmp/zoufang-baseline-bodies")
CHUNK = 64 * 1024
BODY = ('<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="submit_success">'
        "走访记录已提交成功</message></OpenRosaResponse>").encode("utf-8")


def app(environ, start_response):
    if environ["REQUEST_METHOD"] == "GET" and environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    if environ["REQUEST_METHOD"] != "POST":
        start_response("405 Method Not Allowed", [("Content-Length", "0")])
        return [b""]
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, uuid.uuid4().hex), "wb") as out:
        while remaining > 0:
            chunk = stream.read(min(CHUNK, remaining))
            if not chunk:
                break
            out.write(chunk)
            remaining -= len(chunk)
        out.flush()
        os.fsync(out.fileno())
    start_response("201 Created", [("Content-Type", "text/xml; charset=utf-8"), ("X-OpenRosa-Version", "1.0"),
                                   ("Content-Length", str(len(BODY)))])
    return [BODY]
