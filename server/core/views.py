"""Health check, home page, language switch."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from sqlalchemy import text

from server.accounts.auth import current_user, login_required
from server.accounts import permissions
from server.db import get_session

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    try:
        get_session().execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means unhealthy
        return jsonify({"status": "error", "database": "unreachable", "detail": str(exc)[:200]}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.get("/")
@login_required
def index():
    user = current_user()
    actions = {a: permissions.can(user, a) for a in permissions.ACTIONS}
    return render_template("core/index.html", user=user, can=actions)


@bp.get("/lang/<lang>")
def switch_lang(lang: str):
    target = request.args.get("next") or url_for("core.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("core.index")
    resp = redirect(target)
    if lang in ("zh", "en"):
        resp.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax")
    return resp


@bp.app_context_processor
def _template_helpers():
    return {"current_user": current_user, "can_do": permissions.can}
