"""OpenRosa submission: HEAD tells Collect our size limit (204), POST ingests one instance.

POST answers 201 (new or edited) or 202 (already had it) only after the unit of
work has committed; the blob store has fsync'd every file before that.
"""
from __future__ import annotations

from flask import Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from server.db import unit_of_work
from server.errors import Conflict
from server.openrosa.protocol import bp, error_response, openrosa_message, openrosa_route, phone_user
from server.storage.blobs import get_store
from server.submissions.service import DUPLICATE, EDITED, IngestResult, SubmissionRace, ingest_submission
from server.submissions.upload import read_submission, too_large

ENDPOINTS = ("openrosa.submission", "openrosa.submission_key")
RACE_RETRIES = 3


def _limit() -> int:
    return current_app.config["ZOUFANG"].submission_max_bytes


@bp.after_request
def _accept_length(response: Response) -> Response:
    if request.endpoint in ENDPOINTS:
        response.headers["X-OpenRosa-Accept-Content-Length"] = str(_limit())
    return response


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    return error_response(too_large(_limit()))


def _message(result: IngestResult) -> str:
    if result.status == DUPLICATE:
        text = "已收到" + (f"（补收 {len(result.added)} 个附件）" if result.added else "")
    elif result.status == EDITED:
        text = "修改后的走访记录已提交，原记录已保留"
    else:
        text = "走访记录已提交成功"
    if result.missing:
        text += f"；还有 {len(result.missing)} 个附件待上传"
    if result.ignored:
        text += f"；表单中未引用的文件未保存：{'、'.join(result.ignored[:5])}"
    return text


def _ingest(upload, user, device_id):
    """One unit of work; when a concurrent POST of the same instance won the insert, run again (→ duplicate)."""
    for _ in range(RACE_RETRIES):
        try:
            with unit_of_work():
                return ingest_submission(upload, actor=user, device_id=device_id)
        except SubmissionRace:
            current_app.logger.info("submission: a concurrent POST stored the same instance first; running again")
            continue
    raise Conflict("服务器正忙，请稍后重新发送", "Busy: send again later", code="busy")


@openrosa_route("/submission", methods=["HEAD", "POST"])
def submission(token=None):
    user = phone_user()  # before reading the body: a stranger's upload is not read at all
    if request.method == "HEAD":
        return Response(status=204)
    body_timeout = current_app.config["ZOUFANG"].body_timeout
    store = get_store()
    new_spool = getattr(store, "new_spool", None)  # local disk: parts are streamed into the store's tmp folder
    with read_submission(request.environ, max_bytes=_limit(), body_timeout=body_timeout,
                         new_spool=new_spool) as upload:
        result = _ingest(upload, user, request.args.get("deviceID"))
    status = 202 if result.status == DUPLICATE else 201
    return openrosa_message(_message(result), status=status, nature="submit_success")
