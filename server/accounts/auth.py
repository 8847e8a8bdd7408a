"""Who is acting: the session user for the UI, the bearer token for the API."""
from __future__ import annotations

from functools import wraps

from flask import g, redirect, request, session, url_for

from server.accounts.models import User
from server.db import get_session
from server.errors import Unauthenticated


def current_user() -> User | None:
    if "current_user" in g:
        return g.current_user
    user = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        from server.accounts.service import user_for_token

        user = user_for_token(header[len("Bearer "):].strip())
    elif "user_id" in session:
        candidate = get_session().get(User, session["user_id"])
        # A password change or deactivation ends other sessions.
        if candidate is not None and candidate.active and session.get("pw") == candidate.password_hash[-16:]:
            user = candidate
    g.current_user = user
    return user


def login_session(user: User) -> None:
    session.clear()
    session["user_id"] = user.id
    session["pw"] = user.password_hash[-16:]
    session.permanent = True


def api_user() -> User:
    """The user of an API request.

    API blueprints skip CSRF, so a request that changes something must carry a
    bearer token; the browser session is accepted only for reading.
    """
    user = current_user()
    if user is not None and request.method not in ("GET", "HEAD", "OPTIONS") \
            and not request.headers.get("Authorization", "").startswith("Bearer "):
        user = None
    if user is None:
        raise Unauthenticated("需要有效的 API 令牌（Authorization: Bearer …）",
                              "A valid API token is required (Authorization: Bearer …)")
    return user


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("accounts.login", next=target))
        return view(*args, **kwargs)

    return wrapper


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    from urllib.parse import urlsplit

    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
