"""Problem ledger pages: the list (filters, overdue per village and cadre) and one item with its history."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.accounts.auth import current_user, login_required
from server.areas.service import list_areas
from server.db import unit_of_work
from server.errors import DomainError
from server.inputs import load
from server.ledger.models import STATE_LABELS
from server.ledger.schemas import LedgerFilterSchema, TransitionInSchema
from server.ledger.service import allowed_moves, get_item, later_visits, list_items, overdue_summary, transition
from server.submissions.queries import cadre_choices

bp = Blueprint("ledger", __name__)


@bp.get("/ledger")
@login_required
def index():
    user = current_user()
    filters = load(LedgerFilterSchema(), request.args.to_dict())
    with unit_of_work():
        items = list_items(actor=user, **filters)
        staff = user.role != "cadre"
        areas = [a for a in list_areas(actor=user) if a.level in ("township", "village")] if staff else []
        return render_template("ledger/index.html", items=items, filters=filters, areas=areas,
                               cadres=cadre_choices(actor=user), states=STATE_LABELS, today=date.today(),
                               summary=overdue_summary(actor=user))


def _show(item_id: int, error=None, status=200, form=None):
    user = current_user()
    with unit_of_work():
        item = get_item(item_id, actor=user)
        return render_template("ledger/item.html", item=item, moves=allowed_moves(item, user),
                               visits=later_visits(item), states=STATE_LABELS, today=date.today(), error=error,
                               form=form or {}), status


@bp.get("/ledger/<int:item_id>")
@login_required
def show(item_id: int):
    return _show(item_id)


@bp.post("/ledger/<int:item_id>/transition")
@login_required
def move(item_id: int):
    try:
        data = load(TransitionInSchema(), request.form.to_dict())
        with unit_of_work():
            item = transition(item_id, data["to"], data["note"], data["evidence_submission_id"],
                              actor=current_user())
            message = _("问题已改为“%(state)s”", state=_(item.state_label))
    except DomainError as exc:
        return _show(item_id, exc, exc.status, request.form)
    flash(message, "success")
    return redirect(url_for("ledger.show", item_id=item_id))
