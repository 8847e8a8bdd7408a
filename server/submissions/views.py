"""Submission pages: the forms with visits, one form's visits with filters, one visit with its answers and photos."""
from __future__ import annotations

import urllib.parse

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.accounts import permissions
from server.accounts.auth import current_user, login_required, safe_next
from server.db import unit_of_work
from server.errors import DomainError
from server.households.entities import resolve_conflict
from server.households.linking import FLAG_LABELS
from server.i18n import select_locale
from server.inputs import load
from server.submissions import queries
from server.submissions.files import attachment_response, xml_download
from server.review.schemas import ReviewInSchema
from server.review.service import REVIEW_STATES, bulk_set_state, set_state
from server.review.views import review_context
from server.submissions.models import SUBMISSION_STATE_LABELS
from server.submissions.schemas import BulkReviewFormSchema, EntityConflictSchema, SubmissionFilterSchema

bp = Blueprint("submissions", __name__)


@bp.get("/submissions")
@login_required
def index():
    with unit_of_work():
        return render_template("submissions/index.html", forms=queries.form_counts(actor=current_user()))


@bp.get("/forms/<form_id>/submissions")
@login_required
def list_for_form(form_id: str):
    return _list(form_id, request.args.to_dict())


def _list(form_id: str, args: dict, bulk_error=None, bulk_status=200, bulk_form=None):
    from server.areas.service import list_areas

    user = current_user()
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
                               state_labels=SUBMISSION_STATE_LABELS, review_states=REVIEW_STATES,
                               can_review=permissions.can(user, "submission.review"), bulk_error=bulk_error,
                               bulk_form=bulk_form or {}), (error.status if error else bulk_status)


@bp.post("/forms/<form_id>/submissions/review")
@login_required
def bulk_review(form_id: str):
    """Checked visits of the list → one review state (all or nothing), back to the same filtered list."""
    back = safe_next(request.form.get("next"), url_for("submissions.list_for_form", form_id=form_id))
    try:
        data = load(BulkReviewFormSchema(), {**request.form.to_dict(), "ids": request.form.getlist("ids")})
        with unit_of_work():
            subs = bulk_set_state(data["ids"], data["state"], actor=current_user(), comment=data["comment"])
            message = _("已将 %(n)s 条走访记录标记为“%(state)s”", n=len(subs),
                        state=_(SUBMISSION_STATE_LABELS[data["state"]]))
    except DomainError as exc:
        args = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))
        return _list(form_id, args, exc, exc.status, {**request.form.to_dict(), "ids": request.form.getlist("ids")})
    flash(message, "success")
    return redirect(back)


def _show(submission_id: int, error=None, status=200, review_error=None, review_form=None):
    user = current_user()
    with unit_of_work():
        sub = queries.get_submission(submission_id, actor=user)
        can_resolve = sub.household is not None and permissions.can(user, "household.manage", sub.household.village)
        return render_template("submissions/show.html", sub=sub, state_labels=SUBMISSION_STATE_LABELS,
                               flag_labels=FLAG_LABELS, can_resolve=can_resolve, error=error,
                               answers=queries.submission_answers(sub, lang=select_locale()),
                               review=review_context(sub, user), review_error=review_error,
                               review_values=review_form or {}), status


@bp.get("/submissions/<int:submission_id>")
@login_required
def show(submission_id: int):
    return _show(submission_id)


@bp.post("/submissions/<int:submission_id>/review")
@login_required
def review(submission_id: int):
    try:
        data = load(ReviewInSchema(), request.form.to_dict())
        with unit_of_work():
            sub = set_state(submission_id, data["state"], actor=current_user(), comment=data["comment"])
            message = _("已标记为“%(state)s”", state=_(SUBMISSION_STATE_LABELS[sub.state]))
    except DomainError as exc:
        return _show(submission_id, status=exc.status, review_error=exc, review_form=request.form)
    flash(message, "success")
    return redirect(url_for("submissions.show", submission_id=submission_id) + "#review")


@bp.post("/submissions/<int:submission_id>/entity-conflict")
@login_required
def resolve_entity_conflict(submission_id: int):
    try:
        data = load(EntityConflictSchema(), request.form.to_dict())
        with unit_of_work():
            resolve_conflict(queries.get_submission(submission_id, actor=current_user()), data["action"],
                             actor=current_user())
    except DomainError as exc:
        return _show(submission_id, exc, exc.status)
    flash(_("已处理农户信息冲突"), "success")
    return redirect(url_for("submissions.show", submission_id=submission_id))


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
