"""Input of a bulk assignment: a cadre, how (add / replace / remove) and which households (a village or codes)."""
from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from server.households.assignments import MODES
from server.inputs import REQUIRED, blank_to_none


class AssignmentRequestSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    cadre = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(min=1, max=64),
                          metadata={"description": "帮扶干部用户名"})
    mode = fields.String(load_default="add", validate=validate.OneOf(MODES, error="应为 add、replace 或 remove / "
                                                                                 "must be add, replace or remove"),
                         metadata={"description": "add 增加帮扶人；replace 改由此人帮扶（原帮扶人结束）；remove 结束此人帮扶"})
    village = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                            metadata={"description": "区划代码：该区划的全部农户"})
    codes = fields.List(fields.String(validate=validate.Length(min=1, max=32)), load_default=None, allow_none=True,
                        validate=validate.Length(max=5000, error="一次最多 5000 户 / at most 5000 households"),
                        metadata={"description": "户编号列表"})

    @pre_load
    def _clean(self, data, **_):
        data = blank_to_none(data, "village", "codes")
        if isinstance(data, dict) and isinstance(data.get("codes"), str):  # a textarea: one per line, or commas
            data["codes"] = [c for c in re.split(r"[\s,，、;；]+", data["codes"]) if c] or None
        return data

    @validates_schema
    def _one_selection(self, data, **_):
        if bool(data.get("village")) == bool(data.get("codes")):
            raise ValidationError("请指定区划或户编号列表（二选一）/ give either a village or a list of codes", "village")
