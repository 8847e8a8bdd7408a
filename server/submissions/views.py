"""Submission pages: the forms with visits, one form's visits with filters, one visit with its answers and photos."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from server.accounts.auth import current_user, login_required
from server.db import unit_of_work
from server.errors import DomainError
from server.i18n import select_locale
from server.inputs import load
from server.submissions import queries
from server.submissions.files import attachment_response, xml_download
from server.submissions.models import SUBMISSION_STATE_LABELS
from server.submissions.schemas import SubmissionFilterSchema

bp = Blueprint("submissions", __name__)


@bp.get("/submissions")
@login_required
def index():
    with unit_of_work():
        return render_template("submissions/index.html", forms=queries.form_counts(actor=current_user()))


@bp.get("/forms/<form_id>/submissions")
@login_required
def list_for_form(form_id: str):
    from server.areas.service import list_areas

    user = current_user()
    args = request.args.to_dict()
    with unit_of_work():
        error, page = None, None
        try:
            filters = load(SubmissionFilterSchema(), args)
            page = queries.list_submissions(form_id, actor=user, **filters)
        except DomainError as exc:
            if exc.status == 404 and exc.code == "form_not_found":
                raise
            error = exc
        villages = [a for a in list_areas(actor=user) if a.level in ("township", "village")] \
            if user.role != "cadre" else []
        return render_template("submissions/list.html", form_id=form_id, page=page, error=error, args=args,
                               villages=villages, cadres=queries.cadre_choices(actor=user),
                               state_labels=SUBMISSION_STATE_LABELS), (error.status if error else 200)


@bp.get("/submissions/<int:submission_id>")
@login_required
def show(submission_id: int):
    with unit_of_work():
        sub = queries.get_submission(submission_id, actor=current_user())
        return render_template("submissions/show.html", sub=sub, state_labels=SUBMISSION_STATE_LABELS,
                               answers=queries.submission_answers(sub, lang=select_locale()))


@bp.get("/submissions/<int:submission_id>/xml")
@login_required
def download_xml(submission_id: int):
    with unit_of_work():
        data = queries.submission_xml(submission_id, actor=current_user(),
                                      instance_id=request.args.get("instance_id"))
    return xml_download(data, submission_id)


@bp.get("/submissions/<int:submission_id>/attachments/<name>")
@login_required
def attachment(submission_id: int, name: str):
    with unit_of_work():
        att, stream = queries.open_attachment(submission_id, name, actor=current_user(),
                                              instance_id=request.args.get("instance_id"))
        return attachment_response(att, stream)
