"""Ledger input (list filters, a transition) and output (items with their history)."""
from __future__ import annotations

from datetime import date

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from server.inputs import REQUIRED, blank_to_none
from server.ledger.models import STATES

_STATE_ERROR = "应为 " + "、".join(STATES) + " 之一 / must be one of " + ", ".join(STATES)


class LedgerFilterSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    area = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                         metadata={"description": "区划代码：该区划内农户的问题"})
    cadre = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                          metadata={"description": "帮扶干部用户名：其帮扶户的问题"})
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATES, error=_STATE_ERROR),
                          metadata={"description": "状态：open 待整改、in_progress 整改中、fixed 已整改、verified 已验收销号"})
    overdue = fields.Boolean(load_default=False, truthy={"1", "true", "on", "yes", True},
                             falsy={"0", "false", "off", "no", "", False},
                             metadata={"description": "只列逾期未整改的问题"})

    @pre_load
    def _blanks(self, data, **_):
        return blank_to_none(data, "area", "cadre", "state")


class TransitionInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    to = fields.String(required=True, error_messages=REQUIRED, validate=validate.OneOf(STATES, error=_STATE_ERROR),
                       metadata={"description": "目标状态"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                         metadata={"description": "说明；标记已整改时可作佐证，重开时必填"})
    evidence_submission_id = fields.Integer(load_default=None, allow_none=True,
                                            metadata={"description": "佐证：该户之后一次走访记录的编号（含照片）"})

    @pre_load
    def _blanks(self, data, **_):
        return blank_to_none(data, "note", "evidence_submission_id")


class LedgerEventOutSchema(Schema):
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    note = fields.String(allow_none=True)
    evidence_submission_id = fields.Integer(allow_none=True)
    actor = fields.Function(lambda e: e.actor.username if e.actor else None)
    at = fields.DateTime()


class LedgerItemOutSchema(Schema):
    id = fields.Integer()
    household = fields.Function(lambda i: i.household.code)
    head_name = fields.Function(lambda i: i.household.head_name)
    village = fields.Function(lambda i: i.household.village.code)
    village_name = fields.Function(lambda i: i.household.village.name)
    submission_id = fields.Integer(allow_none=True)
    description = fields.String()
    aspect = fields.String(allow_none=True)
    aspect_label = fields.String(allow_none=True)
    measure = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True)
    state = fields.String()
    state_label = fields.String()
    overdue = fields.Function(lambda i: i.overdue_on(date.today()))
    raised_by = fields.Function(lambda i: i.raised_by.username if i.raised_by else None)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class LedgerItemDetailSchema(LedgerItemOutSchema):
    events = fields.List(fields.Nested(LedgerEventOutSchema))
