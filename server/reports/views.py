"""PDF downloads on the web UI: a household's 走访记录 and its 一户一档 (one household: rendered in the
service call). At registration the app checks a CJK font is installed and says what to install if not."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request

from server.accounts.auth import current_user, login_required
from server.db import unit_of_work
from server.inputs import load
from server.reports.render import check_cjk_font
from server.reports.schemas import VisitPeriodSchema
from server.reports.service import Document, household_file_pdf, visit_log_pdf

bp = Blueprint("reports", __name__)
bp.record_once(lambda state: check_cjk_font())


def pdf_response(doc: Document) -> Response:
    resp = Response(doc.data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(doc.filename)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/households/<code>/visits.pdf")
@login_required
def visits_pdf(code: str):
    period = load(VisitPeriodSchema(), request.args.to_dict())
    with unit_of_work():
        doc = visit_log_pdf(code, actor=current_user(), **period)
    return pdf_response(doc)


@bp.get("/households/<code>/file.pdf")
@login_required
def file_pdf(code: str):
    with unit_of_work():
        doc = household_file_pdf(code, actor=current_user())
    return pdf_response(doc)
