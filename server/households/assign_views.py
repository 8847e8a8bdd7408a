"""The bulk assignment page: pick a cadre, a way (add / replace / remove) and a village or a list of codes."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.accounts import permissions
from server.accounts.auth import current_user, login_required
from server.areas.service import get_area, list_areas
from server.db import unit_of_work
from server.errors import DomainError
from server.households.assign_schemas import AssignmentRequestSchema
from server.households.assignments import assign_households
from server.inputs import load
from server.submissions.queries import cadre_choices

bp = Blueprint("household_assign", __name__)


def _page(error=None, status=200, form=None):
    user = current_user()
    permissions.require(user, "household.assign")
    with unit_of_work():
        villages = [a for a in list_areas(actor=user) if a.level == "village"]
        return render_template("households/assign.html", error=error, form=form or {}, villages=villages,
                               cadres=cadre_choices(actor=user)), status


@bp.get("/households/assign")
@login_required
def page():
    return _page()


@bp.post("/households/assign")
@login_required
def assign():
    user = current_user()
    try:
        data = load(AssignmentRequestSchema(), request.form.to_dict())
        with unit_of_work():
            village = get_area(data["village"], actor=user) if data["village"] else None
            changed = assign_households(data["cadre"], actor=user, codes=data["codes"], village=village,
                                        mode=data["mode"])
    except DomainError as exc:
        return _page(exc, exc.status, request.form)
    flash(_("已更新 %(n)d 户的帮扶干部", n=changed), "success")
    return redirect(url_for("household_assign.page"))
