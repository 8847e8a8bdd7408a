"""Input at the transport boundary, shared by every domain's views and API:
marshmallow loading that turns errors into a 422 naming each field, and the
uploaded file of a multipart request."""
from __future__ import annotations

from flask import request
from marshmallow import Schema, ValidationError

from server.errors import BadRequest, Invalid

REQUIRED = {"required": "必填 / required", "null": "必填 / required"}


def load(schema: Schema, data) -> dict:
    """Validate input; a marshmallow error becomes Invalid (422) naming each field."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        details = [{"field": name, "message": "；".join(map(str, msgs)) if isinstance(msgs, list) else str(msgs)}
                   for name, msgs in exc.normalized_messages().items()]
        raise Invalid("输入有误：" + "；".join(f"{d['field']}：{d['message']}" for d in details),
                      "Invalid input", details=details, code="invalid_input") from exc


def blank_to_none(data, *names: str):
    """Empty strings in the named fields become None (HTML forms send "" for nothing)."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for name in names:
        if isinstance(data.get(name), str) and not data[name].strip():
            data[name] = None
    return data


def uploaded_file(field: str = "file") -> tuple[bytes, str]:
    """The bytes and client-side name of the multipart file ``field``, or a 400."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise BadRequest(f"请选择要上传的文件（表单字段 {field}）", f"No file uploaded (form field {field!r})",
                         code="no_file")
    return upload.read(), upload.filename
