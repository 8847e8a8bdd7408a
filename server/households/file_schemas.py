"""Marshmallow at the boundary of the household file, the village register and the township book:
the month to count visits in (load), and what the API returns (dump)."""
from __future__ import annotations

from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load

from server.households.models import CATEGORIES
from server.households.register import Month
from server.inputs import blank_to_none


class RegisterMonthSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    month = fields.String(load_default=None, allow_none=True,
                          metadata={"description": "统计走访的月份 YYYY-MM（北京时间），默认本月 / the month to count "
                                                   "visits in, China time; this month by default"})

    @pre_load
    def _clean(self, data, **_):
        return blank_to_none(data, "month")

    @post_load
    def _month(self, data, **_):
        value = data.get("month")
        if value is None:
            return {"month": Month.of()}
        try:
            year, month = value.split("-")
            return {"month": Month(date(int(year), int(month), 1))}
        except ValueError:
            raise ValidationError("月份格式应为 YYYY-MM / month must be YYYY-MM", "month") from None


class FileMemberSchema(Schema):
    name = fields.String()
    relation = fields.String(allow_none=True)
    sex = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    id_number = fields.String(allow_none=True, metadata={"description": "身份证号；仅管理员可见完整号码，其他人为掩码"})
    health = fields.String(allow_none=True)
    labour = fields.String(allow_none=True)
    schooling = fields.String(allow_none=True)
    basic_insurance = fields.Boolean(allow_none=True)
    serious_illness_insurance = fields.Boolean(allow_none=True)
    migrant_months = fields.Integer(allow_none=True)


class FileCategorySchema(Schema):
    category = fields.String()
    label = fields.String()
    since = fields.Date()
    until = fields.Date(allow_none=True)
    reason = fields.String()
    reason_label = fields.String()


class FileHelperSchema(Schema):
    username = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
    start = fields.Date()
    end = fields.Date(allow_none=True)
    current = fields.Boolean()


class FileScoreSchema(Schema):
    name = fields.String()
    label = fields.String()
    type = fields.String()
    status = fields.String(metadata={"description": "ok，或 uncomputable（无法计算，reason 说明原因）"})
    value = fields.Raw(allow_none=True)
    display = fields.String()
    reason = fields.String(allow_none=True)


class FileVisitSchema(Schema):
    submission_id = fields.Function(lambda v: v.submission.id)
    received_at = fields.Function(lambda v: v.submission.received_at.isoformat())
    cadre = fields.Function(lambda v: v.submission.submitter.username if v.submission.submitter else None)
    cadre_name = fields.Function(lambda v: v.submission.submitter.display_name if v.submission.submitter else None)
    form_id = fields.Function(lambda v: v.submission.form.xml_form_id)
    form_title = fields.Function(lambda v: v.submission.form.title)
    state = fields.Function(lambda v: v.submission.state)
    state_label = fields.String()
    counted = fields.Function(lambda v: not v.rejected,
                              metadata={"description": "是否计入走访次数（督查退回的走访不计入）"})
    household_flag = fields.Function(lambda v: v.submission.household_flag)
    household_flag_label = fields.String(attribute="flag_label", allow_none=True)
    photos = fields.List(fields.String(), metadata={"description": "照片附件名（可由 /submissions/{id}/attachments/{name} "
                                                                   "取得，需有权查看该走访）"})
    openable = fields.Boolean(metadata={"description": "调用者能否打开该走访记录及照片"})
    scores = fields.List(fields.Nested(FileScoreSchema), metadata={"description": "评分结果（表单 scoring 表）"})


class FileProblemSchema(Schema):
    id = fields.Integer()
    description = fields.String()
    aspect_label = fields.String(allow_none=True)
    measure = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True)
    state = fields.String()
    state_label = fields.String()
    submission_id = fields.Integer(allow_none=True, metadata={"description": "提出该问题的走访"})


class FileIncomeSchema(Schema):
    submission_id = fields.Integer()
    received_at = fields.DateTime()
    reference_year = fields.Integer(allow_none=True)
    survey_date = fields.Date(allow_none=True)
    household_size = fields.Integer(allow_none=True)
    net_income = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "家庭纯收入（元）"})
    per_capita_income = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "人均纯收入（元）"})


class HouseholdFileSchema(Schema):
    code = fields.Function(lambda f: f.household.code)
    head_name = fields.Function(lambda f: f.household.head_name)
    village = fields.Function(lambda f: f.household.village.code)
    village_name = fields.Function(lambda f: f.household.village.name)
    group = fields.Function(lambda f: f.household.group.code if f.household.group else None)
    group_name = fields.Function(lambda f: f.household.group.name if f.household.group else None)
    address = fields.Function(lambda f: f.household.address)
    phone = fields.Function(lambda f: f.household.phone)
    latitude = fields.Function(lambda f: f.household.latitude)
    longitude = fields.Function(lambda f: f.household.longitude)
    category = fields.Function(lambda f: f.household.category)
    category_label = fields.Function(lambda f: f.household.category_label)
    main_cause = fields.Function(lambda f: f.household.main_cause)
    secondary_cause = fields.Function(lambda f: f.household.secondary_cause)
    version = fields.Function(lambda f: f.household.version)
    members = fields.List(fields.Nested(FileMemberSchema))
    categories = fields.List(fields.Nested(FileCategorySchema), attribute="household.categories",
                             metadata={"description": "户类别变动，按时间先后"})
    helpers = fields.List(fields.Nested(FileHelperSchema))
    visits = fields.List(fields.Nested(FileVisitSchema), metadata={"description": "走访时间线，最新在前"})
    incomes = fields.List(fields.Nested(FileIncomeSchema), metadata={"description": "入户调查测算表中的收入，最新在前"})
    problems = fields.List(fields.Nested(FileProblemSchema), metadata={"description": "问题台账，最新在前"})


class RegisterRowSchema(Schema):
    code = fields.Function(lambda r: r.household.code)
    head_name = fields.Function(lambda r: r.household.head_name)
    group_name = fields.Function(lambda r: r.household.group.name if r.household.group else None)
    members = fields.Integer()
    category = fields.Function(lambda r: r.household.category)
    category_label = fields.Function(lambda r: r.household.category_label)
    helpers = fields.List(fields.String())
    last_visit = fields.DateTime(allow_none=True, metadata={"description": "最近一次走访的接收时间（UTC）"})
    visits_in_month = fields.Integer()
    visits_total = fields.Integer()
    open_problems = fields.Integer(metadata={"description": "未销号（待整改、整改中）的问题数"})
    results = fields.List(fields.Nested(FileScoreSchema), metadata={
        "description": "各表最近一次走访中，scoring 表 register 列标记的评分"})


class VillageRegisterSchema(Schema):
    village = fields.Function(lambda r: r.village.code)
    village_name = fields.Function(lambda r: r.village.name)
    month = fields.Function(lambda r: r.month.label)
    households = fields.List(fields.Nested(RegisterRowSchema), attribute="rows")


class BookRowSchema(Schema):
    village = fields.Function(lambda r: r.village.code if r.village else None)
    village_name = fields.Function(lambda r: r.village.name if r.village else None)
    households = fields.Integer()
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    visited_in_month = fields.Integer(metadata={"description": "本月有走访的户数"})
    visits_in_month = fields.Integer(metadata={"description": "本月走访次数"})
    never_visited = fields.Integer(metadata={"description": "从未走访的户数"})


class TownshipBookSchema(Schema):
    area = fields.Function(lambda b: b.area.code)
    area_name = fields.Function(lambda b: b.area.name)
    month = fields.Function(lambda b: b.month.label)
    categories = fields.List(fields.String())
    category_labels = fields.Function(lambda b: {c: CATEGORIES.get(c, c) for c in b.categories})
    villages = fields.List(fields.Nested(BookRowSchema), attribute="rows")
    totals = fields.Nested(BookRowSchema)
