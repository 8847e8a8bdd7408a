"""The household register as rows: one row per member, rows with the same 户编号 form one household.

``parse_rows`` reads and checks each row on its own; ``group_rows`` gathers the
households and checks what needs several rows (exactly one 户主 row, household
columns that agree, ID numbers unique in the file). Row numbers are as Excel
shows them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from server.errors import Invalid
from server.households import import_cells as cells
from server.households.idcard import BadIdNumber, check_id_number
from server.sheets import cell_text, find_header, header_key, parse_code

# field, template header, other spellings seen in registers (compared after NFKC, without spaces, lower case)
COLUMNS = [
    ("code", "户编号", {"户码", "户号", "建档立卡户编号", "户编码", "家庭编号"}),
    ("head_name", "户主姓名", {"户主"}),
    ("village", "行政村代码", {"村代码", "行政村编码", "村编码", "行政村区划代码"}),
    ("group", "村民小组代码", {"组代码", "村民小组编码", "小组代码", "组编码"}),
    ("address", "住址", {"地址", "家庭住址", "详细地址", "家庭地址"}),
    ("phone", "联系电话", {"电话", "手机", "手机号", "电话号码", "联系方式", "手机号码"}),
    ("category", "户类别", {"户类型", "农户类别", "户属性", "贫困户属性", "类别"}),
    ("main_cause", "主要致贫原因", {"致贫原因"}),
    ("secondary_cause", "次要致贫原因", {"其他致贫原因"}),
    ("longitude", "经度", {"lon", "lng", "longitude"}),
    ("latitude", "纬度", {"lat", "latitude"}),
    ("name", "成员姓名", {"姓名", "家庭成员姓名", "成员"}),
    ("relation", "与户主关系", {"关系", "家庭关系", "与户主的关系"}),
    ("sex", "性别", set()),
    ("birth_date", "出生日期", {"出生年月", "出生年月日", "生日"}),
    ("id_number", "身份证号", {"身份证号码", "证件号码", "公民身份号码", "身份证"}),
    ("health", "健康状况", {"健康状态"}),
    ("labour", "劳动能力", {"劳动技能"}),
    ("schooling", "在校情况", {"在校生状况", "在校生情况", "在校状况"}),
    ("migrant_months", "务工月数", {"务工时间", "务工时间(月)", "外出务工月数", "务工时间(月数)"}),
    ("basic_insurance", "基本医疗保险", {"是否参加基本医疗保险", "参加基本医疗保险", "城乡居民基本医疗保险"}),
    ("serious_illness_insurance", "大病保险", {"是否参加大病保险", "参加大病保险"}),
]
TEMPLATE_HEADERS = [header for _, header, _ in COLUMNS]
HEADER_ALIASES = {name: {header_key(a) for a in {header, *others}} for name, header, others in COLUMNS}
LABELS = {name: header for name, header, _ in COLUMNS}
HOUSEHOLD_COLUMNS = ("head_name", "village", "group", "address", "phone", "category", "main_cause",
                     "secondary_cause", "longitude", "latitude")
REQUIRED_COLUMNS = ("code", "name", "relation", "id_number", "category")
NAME_MAX = 50


@dataclass
class Row:
    row: int
    code: str = ""
    household: dict = field(default_factory=dict)  # HOUSEHOLD_COLUMNS → value or None
    member: dict = field(default_factory=dict)  # MEMBER_FIELDS → value
    errors: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, zh: str, en: str) -> None:
        self.errors.append((zh, en))


@dataclass
class HouseholdRows:
    code: str
    rows: list[Row] = field(default_factory=list)
    head: Row | None = None

    @property
    def ok(self) -> bool:
        return all(not r.errors for r in self.rows)


def find_columns(sheets) -> tuple[object, int, dict[str, int], list[str]]:
    """(sheet, header index, field → column, warnings about ignored columns); Invalid when unusable."""
    found = find_header(sheets, HEADER_ALIASES, {"code", "name", "relation"})
    if found is None:
        raise Invalid("找不到表头：应有 户编号、成员姓名、与户主关系 等列（可下载导入模板）。如果表头显示为乱码，请另存为 "
                      "UTF-8 编码的 CSV 或 .xlsx",
                      "No header row found: expected 户编号, 成员姓名, 与户主关系 … (download the template). If the "
                      "headers look garbled, save the file as UTF-8 CSV or .xlsx", code="bad_header")
    sheet, index, columns = found
    missing = [LABELS[n] for n in REQUIRED_COLUMNS if n not in columns]
    if "village" not in columns and "group" not in columns:
        missing.append("行政村代码（或 村民小组代码）")
    if missing:
        raise Invalid(f"缺少必需的列：{'、'.join(missing)}", f"Missing columns: {', '.join(missing)}",
                      code="bad_header")
    used = set(columns.values())
    warnings = [{"message": f"忽略未知列“{cell_text(v)}”", "message_en": f"Ignored unknown column {cell_text(v)!r}"}
                for col, v in enumerate(sheet.rows[index][1]) if col not in used and cell_text(v)]
    return sheet, index, columns, warnings


def parse_rows(sheet, header_index: int, columns: dict[str, int]) -> list[Row]:
    rows = []
    wanted = sorted(columns.items(), key=lambda kv: kv[1])
    for number, values in sheet.rows[header_index + 1:]:
        raw = {name: values[col] if col < len(values) else None for name, col in wanted}
        if all(cell_text(v) == "" for v in raw.values()):
            continue  # blank row
        rows.append(parse_row(number, raw))
    return rows


def parse_row(number: int, raw: dict) -> Row:
    row = Row(number)
    get = raw.get
    row.code = parse_code(get("code"), row, "户编号", "Household code")
    if not row.code:
        row.fail("缺少户编号", "Household code is missing")
    row.household = {
        "head_name": cells.text(get("head_name"), row, "户主姓名", "Head's name", NAME_MAX),
        "village": parse_code(get("village"), row, "行政村代码", "Village code") or None,
        "group": parse_code(get("group"), row, "村民小组代码", "Group code") or None,
        "address": cells.text(get("address"), row, "住址", "Address", 255),
        "phone": cells.phone(get("phone"), row),
        "category": cells.category(get("category"), row),
        "main_cause": cells.cause(get("main_cause"), row, "主要致贫原因", "main cause of poverty"),
        "secondary_cause": cells.cause(get("secondary_cause"), row, "次要致贫原因", "secondary cause of poverty"),
        "longitude": cells.number(get("longitude"), row, "经度", "Longitude", -180, 180),
        "latitude": cells.number(get("latitude"), row, "纬度", "Latitude", -90, 90),
    }
    name = cells.text(get("name"), row, "成员姓名", "Member name", NAME_MAX)
    rel = cells.relation(get("relation"), row)
    if not name:
        row.fail("缺少成员姓名", "Member name is missing")
    if not rel and not cell_text(get("relation")):
        row.fail("缺少与户主关系", "Relation to the head is missing")
    id_number, born, sex = _identity(get("id_number"), get("birth_date"), get("sex"), row)
    row.member = {
        "name": name, "relation": rel, "sex": sex, "birth_date": born, "id_number": id_number,
        "health": cells.health(get("health"), row), "labour": cells.labour(get("labour"), row),
        "schooling": cells.schooling(get("schooling"), row),
        "basic_insurance": cells.yes_no(get("basic_insurance"), row, "基本医疗保险", "Basic medical insurance"),
        "serious_illness_insurance": cells.yes_no(get("serious_illness_insurance"), row, "大病保险",
                                                  "Serious-illness insurance"),
        "migrant_months": cells.number(get("migrant_months"), row, "务工月数", "Months of migrant work", 0, 12,
                                       whole=True),
    }
    return row


def _identity(id_value, born_value, sex_value, row: Row):
    """(ID number, birth date, sex): the date and sex come from the ID number and must agree with the columns."""
    given_born = cells.birth_date(born_value, row)
    given_sex = cells.sex(sex_value, row)
    if isinstance(id_value, str) and not id_value.strip() or id_value is None:
        row.fail("缺少身份证号", "ID number is missing")
        return None, given_born if not isinstance(given_born, tuple) else None, given_sex
    try:
        number, born = check_id_number(id_value)
    except BadIdNumber as exc:
        row.fail(f"身份证号“{cell_text(id_value)}”无效：{exc.zh}", f"ID number {cell_text(id_value)!r} is invalid: {exc.en}")
        return cell_text(id_value)[:18], None, given_sex
    if given_born is not None and given_born != born and given_born != (born.year, born.month):
        shown = given_born.isoformat() if not isinstance(given_born, tuple) else "%d-%02d" % given_born
        row.fail(f"出生日期 {shown} 与身份证号中的 {born.isoformat()} 不一致",
                 f"Birth date {shown} does not match {born.isoformat()} in the ID number")
    sex = "男" if int(number[16]) % 2 else "女"
    if given_sex is not None and given_sex != sex:
        row.fail(f"性别“{given_sex}”与身份证号（{sex}）不一致", f"Sex {given_sex} does not match the ID number ({sex})")
    return number, born, sex


def group_rows(rows: list[Row]) -> list[HouseholdRows]:
    """Households in file order, with the checks that span rows."""
    households: dict[str, HouseholdRows] = {}
    first_id: dict[str, int] = {}
    for row in rows:
        number = row.member.get("id_number")
        if number and len(number) == 18:
            if number in first_id:
                row.fail(f"身份证号与第 {first_id[number]} 行重复", f"Same ID number as row {first_id[number]}")
            first_id.setdefault(number, row.row)
        if row.code:
            households.setdefault(row.code, HouseholdRows(row.code)).rows.append(row)
    for group in households.values():
        _check_household(group)
    return list(households.values())


def _check_household(group: HouseholdRows) -> None:
    heads = [r for r in group.rows if r.member.get("relation") == "户主"]
    if not heads:
        group.rows[0].fail(f"户 {group.code} 没有户主行（与户主关系为“户主”的一行）",
                           f"Household {group.code} has no row whose relation is 户主 (head)")
        return
    group.head = head = heads[0]
    for extra in heads[1:]:
        extra.fail(f"户 {group.code} 有多个户主行（第 {head.row} 行已是户主）",
                   f"Household {group.code} has more than one head row (row {head.row} is the head)")
    values = head.household
    if values["head_name"] is None:
        values["head_name"] = head.member.get("name")
    elif head.member.get("name") and values["head_name"] != head.member["name"]:
        head.fail(f"户主姓名“{values['head_name']}”与户主行的成员姓名“{head.member['name']}”不一致",
                  f"Head's name {values['head_name']!r} differs from the member name on the head row")
    if not values["village"] and not values["group"]:
        head.fail("户主行缺少行政村代码（或村民小组代码）", "The head row has no village (or group) code")
    if not values["category"] and not any("户类别" in zh for zh, _ in head.errors):
        head.fail("户主行缺少户类别", "The head row has no household category")
    for row in group.rows:
        if row is head:
            continue
        for name in HOUSEHOLD_COLUMNS:
            value = row.household.get(name)
            if value is not None and value != values[name]:
                row.fail(f"{LABELS[name]}“{value}”与户主行（第 {head.row} 行）的“{values[name] or ''}”不一致",
                         f"{LABELS[name]} {value!r} contradicts the head row {head.row} ({values[name]!r})")
