"""Input and output of poverty lines (JSON API, the page's form, the CLI)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from server.inputs import REQUIRED, blank_to_none


class PovertyLineInSchema(Schema):
    """Set (create or change) the line of an area for a year; range checks are the service's."""

    class Meta:
        unknown = EXCLUDE

    area = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(min=1, max=32),
                         metadata={"description": "区划代码（县、乡镇、村或组）"})
    year = fields.Integer(required=True, error_messages={**REQUIRED, "invalid": "应为整数年份 / must be a year"},
                          metadata={"description": "年度，2000–2100"})
    amount = fields.Decimal(required=True, places=2, as_string=True,
                            error_messages={**REQUIRED, "invalid": "应为金额（元）/ must be an amount in yuan"},
                            metadata={"description": "人均纯收入标准（元/人·年），大于 0、小于 100000"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255),
                         metadata={"description": "依据或来源，如文件名"})

    @pre_load
    def _blanks(self, data, **_):
        return blank_to_none(data, "note", "year", "amount")


class PovertyLineOutSchema(Schema):
    id = fields.Integer()
    area = fields.Function(lambda line: line.area.code)
    area_name = fields.Function(lambda line: line.area.name)
    area_level = fields.Function(lambda line: line.area.level)
    year = fields.Integer()
    amount = fields.Decimal(as_string=True)
    note = fields.String(allow_none=True)
    set_by = fields.Function(lambda line: line.set_by.username if line.set_by else None)
    set_at = fields.DateTime()
