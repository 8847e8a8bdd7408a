"""Web pages for phones: a cadre's Collect QR code, new/revoke, and a printable sheet per village."""
from __future__ import annotations

import os

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from server.accounts import phone_setup
from server.accounts.auth import current_user, login_required
from server.db import unit_of_work

bp = Blueprint("phones", __name__)


def _base_url() -> str:
    """What phones should reach: ZOUFANG_BASE_URL when the server sits behind a proxy, else this request's root."""
    return os.environ.get("ZOUFANG_BASE_URL") or request.url_root


@bp.get("/me/phone")
@login_required
def my_phone():
    return redirect(url_for("phones.show_phone", user_id=current_user().id))


@bp.get("/users/<int:user_id>/phone")
@login_required
def show_phone(user_id: int):
    with unit_of_work():
        setup = phone_setup.show_phone(user_id, actor=current_user(), base_url=_base_url())
    return render_template("accounts/phone.html", setup=setup)


@bp.post("/users/<int:user_id>/phone/renew")
@login_required
def renew_phone(user_id: int):
    with unit_of_work():
        phone_setup.renew_phone(user_id, actor=current_user())
    flash(_("已生成新的二维码；旧二维码配置的手机将无法再连接"), "success")
    return redirect(url_for("phones.show_phone", user_id=user_id))


@bp.post("/users/<int:user_id>/phone/revoke")
@login_required
def revoke_phone(user_id: int):
    with unit_of_work():
        phone_setup.revoke_phone(user_id, actor=current_user())
    flash(_("手机链接已吊销"), "success")
    return redirect(url_for("phones.show_phone", user_id=user_id))


@bp.get("/areas/<code>/phone-sheet")
@login_required
def phone_sheet(code: str):
    with unit_of_work():
        area, setups = phone_setup.area_sheet(code, actor=current_user(), base_url=_base_url())
    return render_template("accounts/phone_sheet.html", area=area, setups=setups)


@bp.post("/areas/<code>/phone-sheet/issue")
@login_required
def issue_missing(code: str):
    with unit_of_work():
        count = phone_setup.issue_missing(code, actor=current_user())
    flash(_("已为 %(n)d 名干部生成二维码", n=count), "success")
    return redirect(url_for("phones.phone_sheet", code=code))
