"""Dump schemas for scores (in a submission's JSON)."""
from __future__ import annotations

from marshmallow import Schema, fields


class ScoreSchema(Schema):
    name = fields.String(metadata={"description": "评分行名称（scoring 表 name 列）"})
    label = fields.String()
    type = fields.String(metadata={"description": "number, boolean or grade"})
    status = fields.String(metadata={"description": "ok, or uncomputable (无法计算)"})
    value = fields.Raw(allow_none=True, metadata={"description": "number (float), boolean, or the grade's code"})
    display = fields.String(metadata={"description": "as shown: 2 decimals, 是/否, the grade's label, 无法计算：…"})
    reason = fields.String(allow_none=True, metadata={"description": "why it could not be computed"})


class ScoreParametersSchema(Schema):
    poverty_line = fields.Float(allow_none=True, metadata={"description": "元/人/年, the line used"})
    poverty_line_id = fields.Integer(allow_none=True)
    year = fields.Integer(allow_none=True)
    area = fields.String(allow_none=True, metadata={"description": "the area whose line applies"})
    computed_at = fields.DateTime()
