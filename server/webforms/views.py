"""Web Forms pages for cadres: the forms of a phone link (or of the logged-in cadre) and one form to fill.

The page loads the XForm, its media (households.csv: the cadre's own) and sends
submissions through the same OpenRosa URLs Collect uses under ``/key/<token>``.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, send_file, url_for

from server.accounts.auth import current_user, login_required
from server.accounts.phones import ensure_phone_token, user_for_phone_token
from server.db import unit_of_work
from server.errors import Forbidden
from server.webforms import assets, csp, pages

bp = Blueprint("webforms", __name__)


def _phone_user(token: str):
    user = user_for_phone_token(token)
    if user is None:
        raise Forbidden("链接无效、已过期或已被吊销，请向管理员重新获取手机链接或二维码",
                        "This link is invalid, expired or revoked; ask for a new one", code="bad_phone_token")
    return user


@bp.after_request
def _policy(response):
    return csp.protect(response) if response.mimetype == "text/html" else response


@bp.get("/web")
@login_required
def my_forms():
    """A logged-in cadre fills through their own phone link (issued now when they have none)."""
    user = current_user()
    with unit_of_work():
        token = ensure_phone_token(user, actor=user).token
    return redirect(url_for("webforms.form_list", token=token))


@bp.get("/key/<token>/web")
def form_list(token: str):
    with unit_of_work():
        user = _phone_user(token)
        forms = pages.cadre_forms(user)
        return render_template("webforms/list.html", user=user, forms=forms, token=token)


@bp.get("/key/<token>/web/<xml_form_id>")
def fill(token: str, xml_form_id: str):
    with unit_of_work():
        user = _phone_user(token)
        web_form = pages.cadre_form(user, xml_form_id)
        urls = {
            "form": url_for("openrosa.form_download_key", token=token, xml_form_id=xml_form_id),
            "media": url_for("openrosa.form_media_key", token=token, xml_form_id=xml_form_id, filename="x")[:-1],
            "submit": url_for("openrosa.submission_key", token=token),
            "back": url_for("webforms.form_list", token=token),
        }
        return render_template("webforms/fill.html", web_form=web_form, urls=urls, preview=False,
                               installed=assets.installed(), nonce=csp.nonce())


@bp.get("/webforms/assets/<path:name>")
def asset(name: str):
    path = assets.asset_path(name)
    if path is None:
        abort(404)
    return send_file(path, mimetype="text/javascript", max_age=3600, conditional=True)
from server.webforms import preview_views  # noqa: E402,F401  the draft preview registers on bp
