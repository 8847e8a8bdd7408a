"""Job requests (load) and job status (dump)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from server.reports.tasks import KINDS


class JobCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)),
                         metadata={"description": "village_book | township_book | cadre_month"})
    area = fields.String(load_default=None, metadata={"description": "区划代码（村有册：行政村；乡有簿：乡镇）"})
    cadre = fields.String(load_default=None, metadata={"description": "干部用户名（cadre_month）"})
    month = fields.String(load_default=None, metadata={"description": "YYYY-MM（cadre_month，默认本月）"})


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    params = fields.Dict()
    status = fields.String(metadata={"description": "queued | running | done | failed | expired"})
    status_label = fields.String()
    progress = fields.Integer(metadata={"description": "0–100"})
    message = fields.String(allow_none=True)
    filename = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
