"""Load schema for the submission list's filters; dump schemas for lists and one submission."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from server.inputs import blank_to_none
from server.scoring.schemas import ScoreParametersSchema, ScoreSchema
from server.submissions.models import SUBMISSION_STATES
from server.submissions.queries import MAX_PER_PAGE

DATE_ERROR = {"invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"}


class SubmissionFilterSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    area = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                         metadata={"description": "区划代码：只列出该区划（含下级）的走访"})
    cadre = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                          metadata={"description": "帮扶干部用户名"})
    since = fields.Date(load_default=None, allow_none=True, error_messages=DATE_ERROR,
                        metadata={"description": "接收日期起（含）YYYY-MM-DD"})
    until = fields.Date(load_default=None, allow_none=True, error_messages=DATE_ERROR,
                        metadata={"description": "接收日期止（含）YYYY-MM-DD"})
    state = fields.String(load_default=None, allow_none=True,
                          validate=validate.OneOf(SUBMISSION_STATES, error="未知审核状态 / unknown review state"),
                          metadata={"description": "审核状态"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, error="页码从 1 开始 / pages start at 1"),
                          error_messages={"invalid": "页码应为整数 / page must be an integer"})
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE,
                                                                        error=f"每页 1–{MAX_PER_PAGE} 条 / "
                                                                              f"1–{MAX_PER_PAGE} per page"),
                              error_messages={"invalid": "每页条数应为整数 / per_page must be an integer"})

    @pre_load
    def _clean(self, data, **_):
        """Blank fields (an HTML form sends "") count as not given."""
        data = blank_to_none(data, "area", "cadre", "since", "until", "state", "page", "per_page")
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data

    @validates_schema
    def _range(self, data, **_):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("起始日期晚于截止日期 / since is after until", "since")


class AttachmentSchema(Schema):
    name = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    sha256 = fields.String()


class SubmissionSchema(Schema):
    id = fields.Integer()
    instance_id = fields.String()
    current_instance_id = fields.String()
    form_id = fields.Function(lambda s: s.form.xml_form_id)
    form_version = fields.Function(lambda s: s.form_version.version)
    instance_name = fields.String(allow_none=True)
    submitter = fields.Function(lambda s: s.submitter.username if s.submitter else None)
    submitter_name = fields.Function(lambda s: s.submitter.display_name if s.submitter else None)
    area = fields.Function(lambda s: s.area.code if s.area else None)
    area_name = fields.Function(lambda s: s.area.name if s.area else None)
    device_id = fields.String(allow_none=True)
    household = fields.Function(lambda s: s.household.code if s.household else None)
    household_flag = fields.String(allow_none=True, metadata={
        "description": "unknown_household, not_assigned, entity_conflict (待人工处理), entity_error"})
    household_code = fields.String(allow_none=True, metadata={
        "description": "the household code the visit named (an unknown one is linked once it is registered)"})
    state = fields.String()
    incomplete = fields.Boolean()
    version_count = fields.Integer()
    received_at = fields.DateTime()
    updated_at = fields.DateTime()
    attachments_expected = fields.Function(lambda s: list(s.current.expected_attachments))
    attachments_missing = fields.Function(lambda s: s.current.missing_attachments)


class AnswerSchema(Schema):
    path = fields.String()
    name = fields.String()
    label = fields.String()
    value = fields.String()
    display = fields.String()
    kind = fields.String()
    type = fields.String()


class SubmissionVersionSchema(Schema):
    instance_id = fields.String()
    deprecated_id = fields.String(allow_none=True)
    received_at = fields.DateTime()
    xml_sha256 = fields.String()
    attachments = fields.List(fields.Nested(AttachmentSchema))


class SubmissionDetailSchema(SubmissionSchema):
    attachments = fields.Function(lambda s: AttachmentSchema(many=True).dump(s.current.attachments))
    versions = fields.List(fields.Nested(SubmissionVersionSchema))
    # Not an attribute of the model: the API adds the answers it read for the caller's language.
    answers = fields.List(fields.Nested(AnswerSchema))
    # Likewise: the scoring sheet's results for the current version (empty when the form has no scoring).
    scores = fields.List(fields.Nested(ScoreSchema))
    score_parameters = fields.Nested(ScoreParametersSchema, allow_none=True)


class EntityConflictSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    action = fields.String(required=True, validate=validate.OneOf(("apply", "dismiss"), error="应为 apply 或 dismiss / "
                                                                                             "must be apply or dismiss"),
                           metadata={"description": "apply：仍按此记录更新农户信息；dismiss：不更新"})


class BulkReviewFormSchema(Schema):
    """The list page's bulk review: the checked visits (ids), a state and a comment (see server/review)."""

    class Meta:
        unknown = EXCLUDE

    ids = fields.List(fields.Integer(error_messages={"invalid": "应为整数 / must be an integer"}), required=True,
                      validate=validate.Length(min=1, error="请勾选要审核的走访记录 / tick the visits to review"),
                      error_messages={"required": "请勾选要审核的走访记录 / tick the visits to review"})
    state = fields.String(required=True, validate=validate.OneOf(
        ("received", "has_issues", "approved", "rejected"), error="请选择审核状态 / choose a review state"),
        error_messages={"required": "请选择审核状态 / choose a review state",
                        "null": "请选择审核状态 / choose a review state"})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @pre_load
    def _blanks(self, data, **_):
        return blank_to_none(data, "comment", "state")
