"""Query parameters of the PDF downloads."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load


class VisitPeriodSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    since = fields.Date(load_default=None, allow_none=True,
                        metadata={"description": "首次走访日期 YYYY-MM-DD（含，北京时间）/ first day, inclusive"})
    until = fields.Date(load_default=None, allow_none=True,
                        metadata={"description": "末次走访日期 YYYY-MM-DD（含，北京时间）/ last day, inclusive"})

    @pre_load
    def _blank(self, data, **_):
        return {k: v for k, v in dict(data).items() if v not in ("", None)}
