"""Schemas every table import shares (areas, households): the upload form, the staged confirm, a row error."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from server.inputs import REQUIRED


class ImportFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    dry_run = fields.Boolean(load_default=False, error_messages={"invalid": "应为 true 或 false / must be true or false"})

    @pre_load
    def _clean(self, data, **_):
        data = dict(data)
        if isinstance(data.get("dry_run"), str):
            data["dry_run"] = data["dry_run"].strip().lower() or "false"
        return data


class StagedImportSchema(Schema):
    """The confirm step of the upload → report → confirm pages: the sha256 of the kept upload."""

    class Meta:
        unknown = EXCLUDE

    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"), error_messages=REQUIRED)
    filename = fields.String(load_default="import.xlsx")


class ImportErrorSchema(Schema):
    row = fields.Integer(metadata={"description": "行号（与 Excel 显示的一致）"})
    code = fields.String()
    message = fields.String()
    message_en = fields.String()
