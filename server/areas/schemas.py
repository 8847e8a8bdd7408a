"""Load schemas (input) and dump schemas (output) for areas."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from server.areas.levels import level_label, normalise_level
from server.import_schemas import ImportErrorSchema, ImportFormSchema, StagedImportSchema
from server.inputs import REQUIRED, blank_to_none

def _known_level(value: str) -> None:
    if normalise_level(value) is None:
        raise ValidationError("未知层级，应为 县、乡镇、行政村 或 村民小组 / unknown level")


class AreaCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Length(min=1, max=32), error_messages=REQUIRED)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100), error_messages=REQUIRED)
    level = fields.String(required=True, error_messages=REQUIRED, validate=_known_level,
                          metadata={"description": "county/township/village/group，或 县/乡镇/行政村/村民小组"})
    parent_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))

    @pre_load
    def _clean(self, data, **_):
        return blank_to_none(data, "parent_code") if isinstance(data, dict) else data



class AreaQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    level = fields.String(load_default=None, allow_none=True)
    parent = fields.String(load_default=None, allow_none=True, metadata={"description": "上级区划代码：只列其直属下级"})

    @pre_load
    def _clean(self, data, **_):
        return blank_to_none(data, "level", "parent")


AreaImportFormSchema = ImportFormSchema


class AreaStagedImportSchema(StagedImportSchema):
    filename = fields.String(load_default="areas.xlsx")


class AreaSchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    level_label = fields.Function(lambda a: level_label(a.level))
    parent_code = fields.Function(lambda a: a.parent.code if a.parent is not None else None)


AreaImportErrorSchema = ImportErrorSchema


class AreaImportCreatedSchema(Schema):
    row = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String()


class AreaImportUpdatedSchema(Schema):
    row = fields.Integer()
    code = fields.String()
    name = fields.String()
    old_name = fields.String()


class AreaImportReportSchema(Schema):
    rows = fields.Integer(metadata={"description": "表头以下的非空行数"})
    created = fields.List(fields.Nested(AreaImportCreatedSchema))
    updated = fields.List(fields.Nested(AreaImportUpdatedSchema))
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(AreaImportErrorSchema))
    dry_run = fields.Boolean()
