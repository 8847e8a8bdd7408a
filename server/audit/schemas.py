"""Query (load) and event (dump) schemas for the audit log."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from server.audit.service import ACTION_LABELS

_str = {"invalid": "必须是文本"}


class AuditQueryFormSchema(Schema):
    """The web page's filters: China-time calendar days, both ends included."""

    class Meta:
        unknown = EXCLUDE

    action = fields.String(load_default=None, validate=validate.Length(max=64), error_messages=_str)
    username = fields.String(load_default=None, validate=validate.Length(max=64), error_messages=_str)
    since = fields.Date(load_default=None, error_messages={"invalid": "日期格式应为 YYYY-MM-DD"})
    until = fields.Date(load_default=None, error_messages={"invalid": "日期格式应为 YYYY-MM-DD"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000, error="页码应为 1–10000"),
                          error_messages={"invalid": "页码必须是整数"})


class AuditQuerySchema(Schema):
    """The API's filters: ISO 8601 instants (no zone means UTC), ``until`` excluded."""

    class Meta:
        unknown = EXCLUDE

    action = fields.String(load_default=None, validate=validate.Length(max=64), error_messages=_str)
    username = fields.String(load_default=None, validate=validate.Length(max=64), error_messages=_str)
    since = fields.DateTime(load_default=None, error_messages={"invalid": "时间格式应为 ISO 8601"})
    until = fields.DateTime(load_default=None, error_messages={"invalid": "时间格式应为 ISO 8601"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000, error="应为 1–1000"),
                           error_messages={"invalid": "必须是整数"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, error="不能为负数"),
                            error_messages={"invalid": "必须是整数"})


class AuditEventDumpSchema(Schema):
    id = fields.Integer()
    at = fields.Function(lambda e: e.at.isoformat() + "Z")
    actor = fields.String(attribute="actor_name", allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    action_label = fields.Function(lambda e: ACTION_LABELS.get(e.action, (e.action, e.action))[0])
    target = fields.String(allow_none=True)
    detail = fields.Dict()
    ip = fields.String(allow_none=True)
    area = fields.Function(lambda e: e.area.code if e.area is not None else None)
