"""Load schemas (input) and dump schemas (output) for households."""
from __future__ import annotations

from marshmallow import Schema, fields

from server.import_schemas import ImportErrorSchema, ImportFormSchema, StagedImportSchema

HouseholdImportFormSchema = ImportFormSchema


class HouseholdStagedImportSchema(StagedImportSchema):
    filename = fields.String(load_default="households.xlsx")


class ImportMessageSchema(Schema):
    message = fields.String()
    message_en = fields.String()


class HouseholdImportNewSchema(Schema):
    row = fields.Integer(metadata={"description": "户主行的行号"})
    code = fields.String()
    head_name = fields.String()
    village_code = fields.String()
    members = fields.Integer()


class HouseholdImportUpdatedSchema(Schema):
    row = fields.Integer(metadata={"description": "户主行的行号"})
    code = fields.String()
    changes = fields.Dict(keys=fields.String(), metadata={
        "description": "字段 → [原值, 新值]；members 为 [原成员姓名列表, 新成员姓名列表]；village/group 为区划代码"})


class HouseholdImportReportSchema(Schema):
    rows = fields.Integer(metadata={"description": "表头以下的非空行数（每行一名成员）"})
    households = fields.Integer(metadata={"description": "文件中的户数（按户编号）"})
    created = fields.Integer(metadata={"description": "将新建（或已新建）的户数"})
    created_preview = fields.List(fields.Nested(HouseholdImportNewSchema),
                                  metadata={"description": "新建户的前 100 户"})
    updated = fields.List(fields.Nested(HouseholdImportUpdatedSchema))
    unchanged = fields.Integer()
    errors = fields.List(fields.Nested(ImportErrorSchema))
    warnings = fields.List(fields.Nested(ImportMessageSchema), metadata={"description": "例如被忽略的未知列"})
    dry_run = fields.Boolean()
