"""Load schemas (input) and dump schemas (output) for forms."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from server.accounts.models import ROLES
from server.inputs import REQUIRED, blank_to_none
from server.forms.models import FORM_STATE_LABELS, FORM_STATES

class FormUploadSchema(Schema):
    """The non-file fields of an XLSForm upload (multipart)."""

    class Meta:
        unknown = EXCLUDE

    area = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                         metadata={"description": "新表单所属区划代码（默认为上传者的区划）；已有表单忽略此项"})
    publish = fields.Boolean(load_default=False, metadata={"description": "上传后立即发布"},
                             error_messages={"invalid": "应为 true 或 false / must be true or false"})

    @pre_load
    def _clean(self, data, **_):
        data = blank_to_none(data, "area")
        if isinstance(data.get("publish"), str):
            data["publish"] = data["publish"].strip().lower() or "false"
        return data


class FormStateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    state = fields.String(required=True, error_messages=REQUIRED,
                          validate=validate.OneOf(FORM_STATES, error="应为 open、closing 或 closed / "
                                                                    "must be open, closing or closed"),
                          metadata={"description": "open 开放；closing 停止下发（仍接收提交）；closed 已关闭"})


class AssignmentLoadSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    role = fields.String(load_default="cadre", validate=validate.OneOf(ROLES, error="未知角色 / unknown role"))
    area = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(min=1, max=32),
                         metadata={"description": "区划代码"})


class IssueSchema(Schema):
    sheet = fields.String(allow_none=True)
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    message = fields.String()
    message_en = fields.String()


class MediaSchema(Schema):
    filename = fields.String()
    md5 = fields.String()
    hash = fields.Function(lambda m: f"md5:{m.md5}")
    size = fields.Integer()
    content_type = fields.String()


class MediaStatusSchema(Schema):
    filename = fields.String()
    kind = fields.String(metadata={"description": "images/audio/video/file/file-csv，或空（表单未引用）"})
    expected = fields.Boolean(metadata={"description": "XForm 引用了这个文件"})
    uploaded = fields.Function(lambda s: s["media"] is not None)
    md5 = fields.Function(lambda s: s["media"].md5 if s["media"] is not None else None)
    size = fields.Function(lambda s: s["media"].size if s["media"] is not None else None)


class VersionSchema(Schema):
    id = fields.Integer()
    version = fields.String()
    status = fields.String(metadata={"description": "draft 或 published"})
    title = fields.String()
    source_filename = fields.String()
    xform_md5 = fields.String()
    hash = fields.Function(lambda v: f"md5:{v.xform_md5}")
    warnings = fields.List(fields.Nested(IssueSchema))
    validated = fields.Boolean(metadata={"description": "是否已通过 ODK Validate"})
    validate_note = fields.String(allow_none=True)
    uploaded_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    media = fields.List(fields.Nested(MediaSchema))


class VersionDetailSchema(VersionSchema):
    media_status = fields.Method("_media_status")

    def _media_status(self, version):
        from server.forms.service import media_status

        return MediaStatusSchema(many=True).dump(media_status(version))


class AssignmentSchema(Schema):
    role = fields.String()
    area = fields.Function(lambda a: a.area.code)
    area_name = fields.Function(lambda a: a.area.name)


class FormSchema(Schema):
    form_id = fields.String(attribute="xml_form_id")
    title = fields.String()
    state = fields.String()
    state_label = fields.Function(lambda f: FORM_STATE_LABELS.get(f.state, f.state))
    area = fields.Function(lambda f: f.area.code)
    current_version = fields.Function(lambda f: f.current.version if f.current is not None else None)
    draft_version = fields.Function(lambda f: f.draft.version if f.draft is not None else None)


class FormDetailSchema(FormSchema):
    draft = fields.Method("_draft")
    current = fields.Method("_current")
    versions = fields.List(fields.Nested(VersionSchema))
    assignments = fields.List(fields.Nested(AssignmentSchema))

    def _draft(self, form):
        return VersionDetailSchema().dump(form.draft) if form.draft is not None else None

    def _current(self, form):
        return VersionDetailSchema().dump(form.current) if form.current is not None else None
