"""OpenRosa protocol plumbing shared by every OpenRosa route: headers, the
OpenRosaResponse body, and who the phone is (path token or HTTP Basic over HTTPS).

No domain logic here: routes translate the protocol and call services.
"""
from __future__ import annotations

from email.utils import formatdate
from xml.sax.saxutils import escape

from flask import Blueprint, Response, g, request

from server.errors import DomainError, Forbidden, Unauthenticated

OPENROSA_VERSION = "1.0"
RESPONSE_NS = "http://openrosa.org/http/response"

bp = Blueprint("openrosa", __name__)


def openrosa_headers(response: Response) -> Response:
    response.headers["X-OpenRosa-Version"] = OPENROSA_VERSION
    response.headers["Date"] = formatdate(usegmt=True)
    return response


def xml_response(body: str | bytes, status: int = 200, content_type: str = "text/xml; charset=utf-8") -> Response:
    return Response(body, status=status, content_type=content_type)


def openrosa_message(message: str, *, status: int, nature: str = "") -> Response:
    """<OpenRosaResponse><message nature=…>…</message></OpenRosaResponse> — Collect shows the text."""
    nature_attr = f' nature="{escape(nature)}"' if nature else ""
    body = (f'<OpenRosaResponse xmlns="{RESPONSE_NS}"><message{nature_attr}>{escape(message)}</message>'
            f"</OpenRosaResponse>")
    return xml_response(body, status=status)


def error_response(exc: DomainError) -> Response:
    text = exc.message if not exc.message_en else f"{exc.message}（{exc.message_en}）"
    resp = openrosa_message(text, status=exc.status, nature="error")
    if isinstance(exc, Unauthenticated):
        resp.headers["WWW-Authenticate"] = 'Basic realm="zoufang", charset="UTF-8"'
    return resp


def phone_user():
    """The user behind this OpenRosa request, or raise.

    ``/key/<token>/…``: a bad or revoked token → 403 (so Collect shows an error
    instead of prompting for a password). Without a token: HTTP Basic, accepted
    only over HTTPS (or in testing) → 401 with a challenge otherwise.
    """
    if "phone_user" in g:
        return g.phone_user
    from server.accounts.phones import user_for_phone_token

    token = (request.view_args or {}).get("token")
    if token is not None:
        user = user_for_phone_token(token)
        if user is None:
            raise Forbidden("手机链接无效或已被吊销，请向管理员重新获取二维码",
                            "This phone link is invalid or revoked; ask for a new QR code", code="bad_phone_token")
    else:
        user = _basic_user()
    g.phone_user = user
    return user


def _basic_user():
    from flask import current_app

    from server.accounts.service import authenticate

    auth = request.authorization
    if auth is None or auth.type != "basic":
        raise Unauthenticated("请登录（用户名和密码）", "Authentication required", code="auth_required")
    if not (request.is_secure or current_app.testing):
        raise Forbidden("只在 HTTPS 下接受用户名密码登录；请使用手机专用链接",
                        "Passwords are accepted over HTTPS only; use your phone link", code="https_required")
    user = authenticate(auth.username or "", auth.password or "")
    if user is None:
        raise Unauthenticated("用户名或密码错误", "Wrong username or password", code="bad_credentials")
    return user


@bp.after_request
def _headers(response: Response) -> Response:
    return openrosa_headers(response)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    return error_response(exc)


def openrosa_route(rule: str, **options):
    """Register a view at ``rule`` and at ``/key/<token>`` + ``rule``."""
    def decorator(view):
        endpoint = options.pop("endpoint", view.__name__)
        bp.add_url_rule(rule, endpoint, view, **options)
        bp.add_url_rule("/key/<token>" + rule, endpoint + "_key", view, **options)
        return view

    return decorator
