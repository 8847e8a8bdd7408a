"""Gallery filters (load) and flags / photos (dump)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from server.evidence.models import FLAG_KINDS
from server.inputs import blank_to_none

DATE_ERROR = {"invalid": "日期格式应为 YYYY-MM-DD / dates are YYYY-MM-DD"}
FILTERS = ("area", "cadre", "form", "question", "since", "until", "flag")


class GalleryFilterSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    area = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                         metadata={"description": "区划代码（村或乡镇，含下级）/ area code"})
    cadre = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                          metadata={"description": "帮扶干部用户名 / cadre username"})
    form = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255),
                         metadata={"description": "表单编号 / form id"})
    question = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255),
                             metadata={"description": "照片题目名称，如 visit_photo / photo question name"})
    since = fields.Date(load_default=None, allow_none=True, error_messages=DATE_ERROR,
                        metadata={"description": "接收日期起（含）/ received on or after, YYYY-MM-DD"})
    until = fields.Date(load_default=None, allow_none=True, error_messages=DATE_ERROR,
                        metadata={"description": "接收日期止（含）/ received on or before, YYYY-MM-DD"})
    flag = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf(list(FLAG_KINDS), error="未知疑点类型 / unknown flag kind"),
                         metadata={"description": "疑点类型 / flag kind"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, error="页码从 1 开始 / pages start at 1"),
                          error_messages={"invalid": "页码应为整数 / page must be an integer"})
    per_page = fields.Integer(load_default=48, validate=validate.Range(min=1, max=200,
                                                                       error="每页 1–200 / 1 to 200 per page"),
                              error_messages={"invalid": "每页条数应为整数 / per_page must be an integer"})

    @pre_load
    def _blanks(self, data, **_kwargs):
        return blank_to_none(data, *FILTERS)


class EvidenceFlagSchema(Schema):
    kind = fields.String()
    label_zh = fields.Function(lambda f: FLAG_KINDS.get(f.kind, (f.kind, f.kind))[0])
    label_en = fields.Function(lambda f: FLAG_KINDS.get(f.kind, (f.kind, f.kind))[1])
    attachment = fields.String(allow_none=True)
    reason_zh = fields.String()
    reason_en = fields.String()
    detail = fields.Dict()
    created_at = fields.DateTime()


class GalleryPhotoSchema(Schema):
    submission_id = fields.Function(lambda i: i.submission.id)
    form = fields.Function(lambda i: i.submission.form.xml_form_id)
    attachment = fields.Function(lambda i: i.photo.attachment)
    question = fields.Function(lambda i: i.photo.question)
    household = fields.Function(lambda i: i.submission.household.code if i.submission.household else None)
    area = fields.Function(lambda i: i.submission.area.code if i.submission.area else None)
    cadre = fields.Function(lambda i: i.submission.submitter.username if i.submission.submitter else None)
    received_at = fields.Function(lambda i: i.submission.received_at.isoformat())
    exif_time = fields.Function(lambda i: i.photo.exif_time.isoformat() if i.photo.exif_time else None)
    width = fields.Function(lambda i: i.photo.width)
    height = fields.Function(lambda i: i.photo.height)
    sha256 = fields.Function(lambda i: i.photo.blob_sha256)
    url = fields.Function(lambda i: f"/api/v1/submissions/{i.submission.id}/attachments/{i.photo.attachment}")
    flags = fields.Function(lambda i: EvidenceFlagSchema(many=True).dump(i.flags))
