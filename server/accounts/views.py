"""Web pages: log in and out, users and their permissions, my API tokens, my password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError

from server.accounts import permissions, service
from server.accounts.auth import current_user, login_required, login_session, safe_next
from server.accounts.models import ROLE_LABELS, ROLES
from server.accounts.schemas import (LoginSchema, OwnPasswordFormSchema, PasswordFormSchema, TokenCreateSchema,
                                     UserCreateFormSchema, UserQuerySchema, UserUpdateFormSchema, form_data, load)
from server.areas.service import list_areas
from server.audit.service import record_event
from server.db import unit_of_work
from server.errors import DomainError
from server.extensions import limiter

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["ZOUFANG"].login_rate_limit


def _login_key() -> str:
    """Failures are counted per client address and username."""
    return f"{get_remote_address()}|{request.form.get('username', '').strip().lower()[:64]}"


def _login_page(status: int, error: dict | None = None, username: str = "", next_url: str = ""):
    return render_template("accounts/login.html", error=error, username=username, next_url=next_url), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_login_key, methods=["POST"],
               deduct_when=lambda response: response.status_code == 401)
def login():
    next_url = safe_next(request.values.get("next"), "")
    if request.method == "GET":
        if current_user() is not None and not request.headers.get("Authorization"):
            return redirect(next_url or url_for("core.index"))
        return _login_page(200, next_url=next_url)
    username = request.form.get("username", "")
    try:
        data = load(LoginSchema(), request.form)
    except DomainError:
        return _login_page(400, {"message": _("请输入用户名和密码")}, username, next_url)
    with unit_of_work():
        user = service.authenticate(data["username"], data["password"])
    if user is None:
        return _login_page(401, {"message": _("用户名或密码错误，或账号已停用")}, username, next_url)
    login_session(user)
    return redirect(next_url or url_for("core.index"))


@bp.errorhandler(429)
def _too_many(_exc):
    """Only the login form is rate-limited here: show it again, with the reason."""
    return _login_page(429, {"message": _("登录失败次数过多，请稍后再试")}, request.form.get("username", ""),
                       safe_next(request.values.get("next"), ""))


@bp.errorhandler(CSRFError)
def _csrf(exc):
    message = _("页面已过期或缺少安全令牌，请刷新页面后重试")
    if request.endpoint == "accounts.login":
        return _login_page(400, {"message": message}, request.form.get("username", ""))
    return render_template("errors/error.html", status=400,
                           error={"code": "csrf", "message": message, "message_en": ""}), 400


@bp.post("/logout")
def logout():
    user = current_user()
    if user is not None:
        with unit_of_work():
            record_event("logout", actor=user, area=service.home_area(user))
    session.clear()
    return redirect(url_for("accounts.login"))


# ---- users -------------------------------------------------------------------------------------

def _role_choices():
    return [(r, _(ROLE_LABELS[r])) for r in ROLES]


@bp.get("/users")
@login_required
def list_users():
    actor = current_user()
    query = load(UserQuerySchema(), request.args)
    with unit_of_work():
        users = service.list_users(actor=actor, role=query["role"], area_code=query["area"])
        areas = list_areas(actor=actor)
    return render_template("accounts/users.html", users=users, areas=areas, roles=_role_choices(), query=query,
                           may_manage=permissions.can(actor, "user.manage"))


def _user_form(template_user, status: int, *, values: dict, error: dict | None = None):
    actor = current_user()
    with unit_of_work():
        areas = list_areas(actor=actor)
        tokens = service.list_tokens(template_user, actor=actor) if template_user is not None else []
    return render_template("accounts/user_form.html", target=template_user, values=values, error=error,
                           areas=areas, roles=_role_choices(), tokens=tokens), status


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def create_user():
    actor = current_user()
    permissions.require(actor, "user.manage")
    if request.method == "GET":
        return _user_form(None, 200, values={"role": "cadre", "areas": []})
    values = form_data(request.form, "areas")
    try:
        data = load(UserCreateFormSchema(), values)
        with unit_of_work():
            user = service.create_user(data["username"], data["password"], data["role"], data["areas"], actor=actor,
                                       display_name=data["display_name"], phone=data["phone"])
    except DomainError as exc:
        values.pop("password", None)
        return _user_form(None, exc.status, values=values, error=exc.to_dict())
    flash(_("用户已创建"), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


def _values_of(user) -> dict:
    return {"display_name": user.display_name, "phone": user.phone or "", "role": user.role,
            "areas": [a.code for a in user.areas], "active": "true" if user.active else "false"}


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    actor = current_user()
    permissions.require(actor, "user.manage")  # the page is for admins, even about themselves
    with unit_of_work():
        user = service.get_user(user_id, actor=actor)
    if request.method == "GET":
        return _user_form(user, 200, values=_values_of(user))
    values = form_data(request.form, "areas")
    values.pop("password", None)
    try:
        data = load(UserUpdateFormSchema(), values)
        with unit_of_work():
            service.update_user(user_id, actor=actor, role=data.get("role"), area_codes=data.get("areas"),
                                active=data.get("active"), display_name=data.get("display_name"),
                                phone=data.get("phone", ""))
    except DomainError as exc:
        return _user_form(user, exc.status, values={**_values_of(user), **values}, error=exc.to_dict())
    flash(_("已保存"), "success")
    return redirect(url_for("accounts.edit_user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@login_required
def reset_password(user_id: int):
    actor = current_user()
    try:
        data = load(PasswordFormSchema(), request.form)
        with unit_of_work():
            user = service.get_user(user_id, actor=actor)
            service.set_password(user, data["password"], actor=actor)
    except DomainError as exc:
        with unit_of_work():
            user = service.get_user(user_id, actor=actor)
        return _user_form(user, exc.status, values=_values_of(user), error=exc.to_dict())
    if user.id == actor.id:
        login_session(user)
    flash(_("密码已重置，该用户的其他登录会话已失效"), "success")
    return redirect(url_for("accounts.edit_user", user_id=user_id))


# ---- my account: tokens and password -----------------------------------------------------------

def _tokens_page(status: int, *, new_token=None, secret: str | None = None, error: dict | None = None):
    actor = current_user()
    with unit_of_work():
        tokens = service.list_tokens(actor, actor=actor)
    return render_template("accounts/tokens.html", tokens=tokens, new_token=new_token, secret=secret,
                           error=error), status


@bp.get("/tokens")
@login_required
def my_tokens():
    return _tokens_page(200)


@bp.post("/tokens")
@login_required
def create_token():
    actor = current_user()
    try:
        data = load(TokenCreateSchema(), request.form)
        with unit_of_work():
            token, secret = service.create_token(actor, data["name"], actor=actor)
    except DomainError as exc:
        return _tokens_page(exc.status, error=exc.to_dict())
    # Rendered, not redirected: the secret must not travel through the (signed, unencrypted) session cookie.
    resp = current_app.make_response(_tokens_page(201, new_token=token, secret=secret))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    actor = current_user()
    with unit_of_work():
        token = service.revoke_token(token_id, actor=actor)
    flash(_("令牌已吊销"), "success")
    if token.user_id != actor.id:
        return redirect(url_for("accounts.edit_user", user_id=token.user_id))
    return redirect(url_for("accounts.my_tokens"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    actor = current_user()
    if request.method == "GET":
        return render_template("accounts/password.html", error=None)
    try:
        data = load(OwnPasswordFormSchema(), request.form)
        with unit_of_work():
            service.change_own_password(actor, data["current_password"], data["new_password"])
    except DomainError as exc:
        return render_template("accounts/password.html", error=exc.to_dict()), exc.status
    login_session(actor)  # this session stays; every other one ends
    flash(_("密码已修改，其他设备上的登录已失效"), "success")
    return redirect(url_for("core.index"))
