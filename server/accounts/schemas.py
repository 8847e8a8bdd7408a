"""Load (input) and dump (output) schemas for users and tokens.

Dump schemas list their fields explicitly: password and token hashes are never among them.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from server.accounts.models import ROLES
from server.errors import Invalid

FIELD_LABELS = {
    "username": "用户名", "password": "密码", "role": "角色", "areas": "区划", "display_name": "姓名",
    "phone": "电话", "active": "启用", "name": "名称", "next": "跳转地址", "current_password": "当前密码",
    "new_password": "新密码", "area": "区划",
}


def _flatten(messages, prefix="") -> list[dict]:
    out = []
    for key, value in messages.items():
        field = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{field}."))
        else:
            for msg in value if isinstance(value, list) else [value]:
                out.append({"field": field, "message": f"{FIELD_LABELS.get(str(key), field)}：{msg}"})
    return out


def load(schema: Schema, data) -> dict:
    """Validate input with ``schema``; bad input becomes a 422 Invalid listing every field's problem."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        details = _flatten(exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages})
        raise Invalid("输入有误：" + "；".join(d["message"] for d in details),
                      "Invalid input: " + "; ".join(f"{d['field']}: {d['message']}" for d in details),
                      details=details) from None


def form_data(form, *lists: str) -> dict:
    """request.form as a dict, with the named multi-value fields as lists and empty strings dropped."""
    data = {k: v for k, v in form.items() if k not in lists and v != ""}
    for name in lists:
        data[name] = [v for v in form.getlist(name) if v]
    return data


_required = {"required": "必填", "null": "不能为空"}
_Str = lambda **kw: fields.String(error_messages={**_required, "invalid": "必须是文本"}, **kw)  # noqa: E731


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = _Str(required=True, validate=validate.Length(min=1, max=64, error="长度应为 1–64"))
    password = _Str(required=True, validate=validate.Length(min=1, max=1024, error="长度不对"))
    next = _Str(load_default=None)


class UserCreateSchema(Schema):
    username = _Str(required=True)
    password = _Str(required=True)
    role = _Str(required=True, validate=validate.OneOf(ROLES, error="必须是 " + "、".join(ROLES) + " 之一"))
    areas = fields.List(_Str(), required=True, validate=validate.Length(min=1, error="至少选择一个区划"),
                        error_messages={**_required, "invalid": "必须是区划代码的列表"})
    display_name = _Str(load_default=None, validate=validate.Length(max=100, error="最多 100 字"))
    phone = _Str(load_default=None, validate=validate.Length(max=32, error="最多 32 字"))


class UserCreateFormSchema(UserCreateSchema):
    class Meta:
        unknown = EXCLUDE


class UserUpdateSchema(Schema):
    role = _Str(validate=validate.OneOf(ROLES, error="必须是 " + "、".join(ROLES) + " 之一"))
    areas = fields.List(_Str(), validate=validate.Length(min=1, error="至少选择一个区划"),
                        error_messages={"invalid": "必须是区划代码的列表"})
    active = fields.Boolean(error_messages={"invalid": "必须是 true 或 false"})
    display_name = _Str(validate=validate.Length(max=100, error="最多 100 字"))
    phone = _Str(validate=validate.Length(max=32, error="最多 32 字"))
    password = _Str()


class UserUpdateFormSchema(UserUpdateSchema):
    class Meta:
        unknown = EXCLUDE


class PasswordFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    password = _Str(required=True)


class OwnPasswordFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    current_password = _Str(required=True)
    new_password = _Str(required=True)


class UserQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    role = _Str(load_default=None, validate=validate.OneOf(ROLES, error="必须是 " + "、".join(ROLES) + " 之一"))
    area = _Str(load_default=None)


class TokenCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = _Str(load_default="token", validate=validate.Length(max=100, error="最多 100 字"))


class AreaRefSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()


class UserDumpSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    role_label = fields.String()
    phone = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()
    areas = fields.List(fields.Nested(AreaRefSchema))


class TokenDumpSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    active = fields.Function(lambda t: t.revoked_at is None)


class TokenCreatedDumpSchema(TokenDumpSchema):
    """Only in the answer to the create request: the secret, shown this once."""

    token = fields.String()
