"""PDF downloads over the JSON API (token auth): a household's 走访记录 and its 一户一档."""
from __future__ import annotations

from flask import Blueprint, request

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.inputs import load
from server.reports.schemas import VisitPeriodSchema
from server.reports.service import household_file_pdf, visit_log_pdf
from server.reports.views import pdf_response

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")

_COMMON = """
        401:
          description: no valid token
        403:
          description: the caller's role may not view households
        404:
          description: no such household, or not one the caller may see (another township; a cadre's other
            households)
"""


def _with_common_responses(view):
    view.__doc__ = view.__doc__.rstrip() + _COMMON
    return view


@bp.get("/households/<code>/visits.pdf")
@_with_common_responses
def get_visits_pdf(code: str):
    """A household's visit records as PDF.
    ---
    get:
      summary: 走访记录（PDF）/ a household's visit records as a printable A4 PDF
      description: >
        Every visit linked to the household in the period (China time), oldest first: date, cadre, form,
        answers, scores, problems raised and their status, photo thumbnails and signatures. ID numbers are
        masked unless the caller may see them whole.
      tags: [reports]
      parameters:
      - in: path
        name: code
        schema: {type: string}
        required: true
        description: 户编号
      - in: query
        schema: VisitPeriodSchema
      responses:
        200:
          description: the PDF
          content:
            application/pdf:
              schema: {type: string, format: binary}
        422:
          description: a malformed date, or since after until
    """
    actor = api_user()
    period = load(VisitPeriodSchema(), request.args.to_dict())
    with unit_of_work():
        doc = visit_log_pdf(code, actor=actor, **period)
    return pdf_response(doc)


@bp.get("/households/<code>/file.pdf")
@_with_common_responses
def get_file_pdf(code: str):
    """A household's file (一户一档) as PDF.
    ---
    get:
      summary: 一户一档（PDF）/ the household file as a printable A4 PDF
      description: >
        The six sections of the 扶贫手册 (basic situation with members, causes, helpers, plan, measures,
        results with the income history), the category history, a signature block, then every visit record.
      tags: [reports]
      parameters:
      - in: path
        name: code
        schema: {type: string}
        required: true
        description: 户编号
      responses:
        200:
          description: the PDF
          content:
            application/pdf:
              schema: {type: string, format: binary}
    """
    actor = api_user()
    with unit_of_work():
        doc = household_file_pdf(code, actor=actor)
    return pdf_response(doc)
