"""The floor of our own stack: Flask, zoufang's streaming multipart reader spooling each file part into the
content-addressed blob store, and the store's fsyncs (files and folders) — no database, no XML parsing, no
checks — answering 201. ``ingest.py`` runs it after the baseline: its ratio to the baseline is the most any
ingest keeping the instance and every attachment as durable sha256 blobs can reach through this reader.

    gunicorn --workers 2 --chdir bench floor_app:app    (BENCH_FLOOR_DIR: the blob store's folder)
"""
from __future__ import annotations

import os
from pathlib import Path

from baseline_app import BODY
from flask import Flask, Response, request

from server.config import Config
from server.storage.local import LocalBlobStore
from server.submissions.upload import read_submission

MAX_BYTES = Config().submission_max_bytes  # the server's default limit

app = Flask(__name__)
store = LocalBlobStore(Path(os.environ.get("BENCH_FLOOR_DIR", "/tmp/zoufang-floor-blobs")))


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/submission")
def submission():
    with read_submission(request.environ, max_bytes=MAX_BYTES, new_spool=store.new_spool) as upload:
        _, synced = store.put_many_pending([upload.xml_stream] + [part.stream for part in upload.attachments])
        synced()
    return Response(BODY, status=201, content_type="text/xml; charset=utf-8")
