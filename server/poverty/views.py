"""The poverty lines page: the lines of the user's areas and above; admins add, change and delete."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.accounts import permissions
from server.accounts.auth import current_user, login_required
from server.areas.service import list_areas
from server.db import unit_of_work
from server.errors import DomainError
from server.inputs import load
from server.poverty.schemas import PovertyLineInSchema
from server.poverty.service import delete_line, list_lines, set_line

bp = Blueprint("poverty", __name__)


def _page(error=None, status=200, form=None):
    user = current_user()
    with unit_of_work():
        lines = list_lines(actor=user)
        manage = permissions.can(user, "poverty.manage")
        areas = [a for a in list_areas(actor=user) if permissions.can(user, "poverty.manage", a)] if manage else []
        return render_template("poverty/lines.html", lines=lines, areas=areas, error=error, form=form or {},
                               can_manage=manage), status


@bp.get("/poverty-lines")
@login_required
def page():
    return _page(form=request.args)  # "修改" links pre-fill the form with ?area=&year=&amount=&note=


@bp.post("/poverty-lines")
@login_required
def save():
    user = current_user()
    try:
        data = load(PovertyLineInSchema(), request.form.to_dict())
        with unit_of_work():
            line = set_line(data["area"], data["year"], data["amount"], data["note"], actor=user)
            message = _("已保存 %(area)s %(year)s 年贫困线 %(amount)s 元", area=line.area.name, year=line.year,
                        amount=line.amount)
    except DomainError as exc:
        return _page(exc, exc.status, request.form)
    flash(message, "success")
    return redirect(url_for("poverty.page"))


@bp.post("/poverty-lines/<int:line_id>/delete")
@login_required
def delete(line_id: int):
    try:
        with unit_of_work():
            delete_line(line_id, actor=current_user())
    except DomainError as exc:
        return _page(exc, exc.status)
    flash(_("已删除贫困线"), "success")
    return redirect(url_for("poverty.page"))
