"""Domain exceptions, and how each transport shows them.

Services raise these (never ``abort()``); the handlers below turn them into JSON
for /api, XML for OpenRosa and an HTML page for the UI. Every message is Chinese
first, with English beside it.
"""
from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """Base of every error a service raises; ``exit_code`` is what the CLI exits with."""

    status = 400
    exit_code = 1
    code = "bad_request"

    def __init__(self, message: str, message_en: str = "", *, details: list | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.message_en = message_en
        self.details = details or []
        if code:
            self.code = code

    def to_dict(self) -> dict:
        out = {"code": self.code, "message": self.message, "message_en": self.message_en}
        if self.details:
            out["details"] = self.details
        return out


class Invalid(DomainError):
    exit_code = 9
    status = 422
    code = "invalid"


class BadRequest(DomainError):
    exit_code = 3
    status = 400
    code = "bad_request"


class Unauthenticated(DomainError):
    exit_code = 4
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    exit_code = 4
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    exit_code = 5
    status = 404
    code = "not_found"


class Conflict(DomainError):
    exit_code = 6
    status = 409
    code = "conflict"


class RequestTimeout(DomainError):
    """The client stopped sending the request body."""

    exit_code = 1
    status = 408
    code = "request_timeout"


class TooLarge(DomainError):
    exit_code = 7
    status = 413
    code = "too_large"


class UnsupportedType(DomainError):
    exit_code = 8
    status = 415
    code = "unsupported_type"


class StorageUnavailable(DomainError):
    """The blob store (e.g. S3) could not be reached or refused the request; worth retrying later."""

    exit_code = 10
    status = 503
    code = "storage_unavailable"


HTTP_MESSAGES = {
    400: ("请求格式不正确", "Bad request"),
    401: ("请先登录", "Please log in"),
    403: ("没有权限", "Forbidden"),
    404: ("找不到该页面或资源", "Not found"),
    405: ("不支持该请求方法", "Method not allowed"),
    413: ("上传内容过大", "Upload too large"),
    429: ("尝试次数过多，请稍后再试", "Too many attempts; try again later"),
    500: ("服务器内部错误", "Internal server error"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(err: dict, status: int):
    if _wants_json():
        return jsonify({"error": err}), status
    return render_template("errors/error.html", error=err, status=status), status


def init_app(app) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return _render(exc.to_dict(), exc.status)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        zh, en = HTTP_MESSAGES.get(exc.code or 500, (exc.name, exc.name))
        if exc.code == 413:
            limit = request.max_content_length
            if limit:
                zh = f"{zh}（上限 {limit // (1024 * 1024)} MB）"
                en = f"{en} (limit {limit // (1024 * 1024)} MB)"
        err = {"code": exc.name.lower().replace(" ", "_"), "message": zh, "message_en": en}
        response = _render(err, exc.code or 500)
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            resp = app.make_response(response)
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
            return resp
        return response
