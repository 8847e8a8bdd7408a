"""Review input (one state, a bulk state, a sample to draw) and output (history events, samples with items)."""
from __future__ import annotations

from datetime import date, timedelta

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from server.audit.times import CHINA
from server.inputs import REQUIRED, blank_to_none
from server.review.sampling import MAX_NOTE, MAX_SEED
from server.review.service import MAX_BULK, MAX_COMMENT, REVIEW_STATES
from server.submissions.models import SUBMISSION_STATE_LABELS, SUBMISSION_STATE_LABELS_EN

_STATE_ERROR = ("应为 " + "、".join(f"{s}（{SUBMISSION_STATE_LABELS[s]}）" for s in REVIEW_STATES) + " 之一 / must be one of "
                + ", ".join(REVIEW_STATES))
DATE_ERROR = {"invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD", **REQUIRED}


class ReviewInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    state = fields.String(required=True, error_messages=REQUIRED,
                          validate=validate.OneOf(REVIEW_STATES, error=_STATE_ERROR),
                          metadata={"description": "审核状态：received 已接收、has_issues 有问题、approved 已通过、rejected 已退回"})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_COMMENT),
                            metadata={"description": "意见；有问题、已退回时必填（干部会看到）"})
    sample_id = fields.Integer(load_default=None, allow_none=True,
                               error_messages={"invalid": "应为整数 / must be an integer"},
                               metadata={"description": "在抽查样本中审核时，样本编号（该条计为已审核）"})

    @pre_load
    def _blanks(self, data, **_):
        return blank_to_none(data, "comment", "sample_id")


class BulkReviewInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    ids = fields.List(fields.Integer(error_messages={"invalid": "应为整数 / must be an integer"}), required=True,
                      error_messages=REQUIRED,
                      validate=validate.Length(min=1, max=MAX_BULK, error=f"请选择 1–{MAX_BULK} 条走访记录 / "
                                                                          f"choose 1–{MAX_BULK} visits"),
                      metadata={"description": "走访记录编号；全部可审核才会执行（一条不行则都不改）"})
    state = fields.String(required=True, error_messages=REQUIRED,
                          validate=validate.OneOf(REVIEW_STATES, error=_STATE_ERROR),
                          metadata={"description": "审核状态（同上）"})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_COMMENT),
                            metadata={"description": "意见；有问题、已退回时必填"})

    @pre_load
    def _blanks(self, data, **_):
        return blank_to_none(data, "comment")


def last_week() -> tuple[date, date]:
    """Monday to Sunday of the week before this one (China time)."""
    from datetime import datetime

    today = datetime.now(CHINA).date()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


class SampleInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    area = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(min=1, max=32),
                         metadata={"description": "区划代码：在该区划（含下级）内抽查"})
    since = fields.Date(required=True, error_messages=DATE_ERROR, metadata={"description": "接收日期起（含，北京时间）"})
    until = fields.Date(required=True, error_messages=DATE_ERROR, metadata={"description": "接收日期止（含，北京时间）"})
    percent = fields.Float(required=True, allow_nan=False,
                           error_messages={"invalid": "抽查比例应为数字 / percent must be a number", **REQUIRED},
                           metadata={"description": "每村抽取的比例（%），大于 0、不超过 100，向上取整"})
    min_per_cadre = fields.Integer(load_default=0,
                                   error_messages={"invalid": "应为整数 / must be an integer"},
                                   metadata={"description": "每名干部至少抽取的条数（不足时全部抽取）"})
    form = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255),
                         metadata={"description": "只抽某个表单（xml_form_id）"})
    seed = fields.Integer(load_default=None, allow_none=True, strict=False,
                          error_messages={"invalid": "随机种子应为整数 / seed must be an integer"},
                          metadata={"description": f"随机种子（0–{MAX_SEED}）；不填则随机生成并记录，"
                                                   "同样参数和种子在同样数据上抽出同样样本"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_NOTE),
                         metadata={"description": "备注"})

    @pre_load
    def _blanks(self, data, **_):
        data = blank_to_none(data, "form", "seed", "note", "min_per_cadre")
        if isinstance(data, dict) and data.get("min_per_cadre") is None:
            data.pop("min_per_cadre", None)  # a blank box: the default (0)
        return data


class ReviewEventSchema(Schema):
    at = fields.DateTime()
    actor = fields.Function(lambda e: e.actor.username if e.actor else e.actor_name)
    actor_name = fields.Function(lambda e: e.actor.display_name if e.actor else e.actor_name)
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    to_label = fields.Function(lambda e: SUBMISSION_STATE_LABELS.get(e.to_state, e.to_state))
    to_label_en = fields.Function(lambda e: SUBMISSION_STATE_LABELS_EN.get(e.to_state, e.to_state))
    comment = fields.String(allow_none=True)
    sample_id = fields.Integer(allow_none=True)


class ReviewStateSchema(Schema):
    """A visit's review state after a change."""

    submission_id = fields.Integer(attribute="id")
    state = fields.String()
    state_label = fields.Function(lambda s: SUBMISSION_STATE_LABELS.get(s.state, s.state))
    updated_at = fields.DateTime()


class SampleItemSchema(Schema):
    position = fields.Integer()
    submission_id = fields.Integer()
    reviewed_at = fields.DateTime(allow_none=True)
    state = fields.Function(lambda i: i.submission.state)
    household = fields.Function(lambda i: i.submission.household.code if i.submission.household else None)
    cadre = fields.Function(lambda i: i.submission.submitter.username if i.submission.submitter else None)
    received_at = fields.Function(lambda i: i.submission.received_at.isoformat())
    # Added by the API: how many evidence flags the visit has.
    flags = fields.Integer()


class SampleSchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    created_by = fields.String(attribute="created_by_name", allow_none=True)
    area = fields.Function(lambda s: s.area.code)
    area_name = fields.Function(lambda s: s.area.name)
    form = fields.Function(lambda s: s.form.xml_form_id if s.form else None)
    since = fields.Date()
    until = fields.Date()
    percent = fields.Float()
    min_per_cadre = fields.Integer()
    seed = fields.Integer()
    population = fields.Integer()
    size = fields.Integer()
    note = fields.String(allow_none=True)
    messages = fields.Function(lambda s: (s.params or {}).get("messages", []),
                               metadata={"description": "抽样说明（例如样本即全部、某干部不足每人最少条数）"})
    per_village = fields.Function(lambda s: (s.params or {}).get("per_village", []))
    population_sha256 = fields.Function(lambda s: (s.params or {}).get("population_sha256"))


class SampleDetailSchema(SampleSchema):
    reviewed = fields.Integer()
    items = fields.List(fields.Nested(SampleItemSchema))
