"""The three shipped instruments in forms/xlsform/ convert, pass ODK Validate,
carry both languages, and their scoring sheets only name things that exist.

The scoring-sheet convention is documented in docs/instruments.md."""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms" / "xlsform"
ZH, EN = "Chinese (zh)", "English (en)"
LANGS = (ZH, EN)
NS = {"h": "http://www.w3.org/1999/xhtml", "xf": "http://www.w3.org/2002/xforms",
      "jr": "http://openrosa.org/javarosa"}

INSTRUMENTS = {
    "household_survey": "入户调查测算表",
    "four_ones_visit": "四个一走访",
    "living_environment": "五净一有一整齐",
}

# Fields each instrument must keep: name -> XForm type ("repeat" for repeats, the
# bind type otherwise; "calculate" for calculates).
KEY_FIELDS = {
    "household_survey": {
        "member": "repeat", "m_id_number": "string", "m_birth_date": "date", "m_migrant_months": "int",
        "m_schooling": "string", "m_insurance": "string",
        "inc_wage_local": "decimal", "inc_wage_migrant": "decimal", "inc_farming_gross": "decimal",
        "inc_business_gross": "decimal", "cost_production": "decimal", "inc_property": "decimal",
        "inc_dibao": "decimal", "inc_pension": "decimal", "inc_eco_comp": "decimal", "inc_subsidy_other": "decimal",
        "calc_hh_size": "calculate", "calc_net_income": "calculate", "calc_per_capita": "calculate",
        "food_secured": "string", "clothing_secured": "string", "edu_secured": "string",
        "medical_secured": "string", "housing_secured": "string", "water_quantity": "string",
        "water_quality": "string", "water_convenience": "string", "water_reliability": "string",
        "cause_main": "string", "cause_secondary": "string",
        "house_gps": "geopoint", "house_photo": "binary", "sig_household": "binary", "sig_surveyor": "binary",
    },
    "four_ones_visit": {
        "talk_done": "string", "measures_done": "string", "data_done": "string", "env_done": "string",
        "measures_reviewed": "string", "data_status": "string", "problem": "repeat",
        "problem_desc": "string", "problem_area": "string", "problem_measure": "string",
        "problem_unit": "string", "problem_deadline": "date", "calc_items_done": "calculate",
        "calc_problem_count": "calculate",
        "visit_gps": "geopoint", "visit_photo": "binary", "sig_household": "binary", "sig_cadre": "binary",
    },
    "living_environment": {
        **{f"{item}{suffix}": kind
           for item in ("clean_doors", "clean_bedroom", "clean_kitchen", "clean_hygiene", "clean_yard",
                        "has_necessities", "tidy")
           for suffix, kind in (("", "string"), ("_photo", "binary"), ("_note", "string"))},
        "necessities": "string", "calc_items_passed": "calculate",
        "visit_gps": "geopoint", "sig_household": "binary", "sig_inspector": "binary",
    },
}

SIGNATURES = {
    "household_survey": {"sig_household", "sig_surveyor"},
    "four_ones_visit": {"sig_household", "sig_cadre"},
    "living_environment": {"sig_household", "sig_inspector"},
}

# What a scoring expression may use (docs/instruments.md, "The scoring sheet").
SCORING_FUNCTIONS = {"if", "not", "selected", "count-selected", "count", "sum", "coalesce", "round"}
SCORING_OPERATORS = {"and", "or", "div", "mod"}
SCORING_PARAMS = {"poverty_line"}
SCORING_TYPES = {"number", "boolean", "grade"}
NO_LABEL_TYPES = {"calculate", "start", "end", "today", "deviceid", "end_group", "end_repeat", "end group", "end repeat"}


def workbook_path(form_id: str) -> Path:
    return FORMS_DIR / f"{form_id}.xlsx"


def sheet_rows(form_id: str, sheet: str) -> list[dict]:
    wb = openpyxl.load_workbook(workbook_path(form_id), read_only=True)
    try:
        rows = list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    out = []
    for values in rows[1:]:
        row = {h: (str(v).strip() if v is not None else "") for h, v in zip(header, values) if h}
        if any(row.values()):
            out.append(row)
    return out


def sheet_names(form_id: str) -> list[str]:
    wb = openpyxl.load_workbook(workbook_path(form_id), read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


@pytest.fixture(scope="module")
def xforms() -> dict[str, ET.Element]:
    """Each workbook converted once (without ODK Validate, which has its own test)."""
    return {
        form_id: ET.fromstring(convert(xlsform=str(workbook_path(form_id)), file_type=".xlsx", validate=False).xform)
        for form_id in INSTRUMENTS
    }


def survey_field_names(form_id: str) -> set[str]:
    return {r["name"] for r in sheet_rows(form_id, "survey")
            if r.get("name") and r.get("type") not in {"end_group", "end_repeat", "end group", "end repeat"}}


def bind_by_name(root: ET.Element) -> dict[str, ET.Element]:
    return {b.get("nodeset").rsplit("/", 1)[-1]: b for b in root.iter(f"{{{NS['xf']}}}bind")}


# --------------------------------------------------------------------------- conversion


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_converts_and_passes_odk_validate(form_id):
    if shutil.which("java") is None:
        pytest.skip("java is not installed, so ODK Validate cannot run")
    result = convert(xlsform=str(workbook_path(form_id)), file_type=".xlsx", validate=True)
    assert result.warnings == []
    assert f'id="{form_id}"' in result.xform


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_settings_form_id_title_version_language(form_id, xforms):
    root = xforms[form_id]
    assert root.find("h:head/h:title", NS).text == INSTRUMENTS[form_id]
    data = root.find("h:head/xf:model/xf:instance", NS)[0]
    assert data.get("id") == form_id
    assert re.fullmatch(r"20\d{8}", data.get("version"))
    settings = sheet_rows(form_id, "settings")[0]
    assert settings["default_language"] == ZH
    itext_langs = {t.get("lang") for t in root.iter(f"{{{NS['xf']}}}translation")}
    assert itext_langs == set(LANGS)
    default = [t.get("lang") for t in root.iter(f"{{{NS['xf']}}}translation") if t.get("default")]
    assert default == [ZH]


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_household_is_chosen_from_households_csv(form_id, xforms):
    root = xforms[form_id]
    instances = {i.get("id"): i.get("src") for i in root.iter(f"{{{NS['xf']}}}instance") if i.get("id")}
    assert instances.get("households") == "jr://file-csv/households.csv"
    selects = [s for s in root.iter(f"{{{NS['xf']}}}select1") if s.get("ref", "").endswith("/household")]
    assert len(selects) == 1
    itemset = selects[0].find("xf:itemset", NS)
    assert itemset.get("nodeset").startswith("instance('households')/root/item")
    assert itemset.find("xf:value", NS).get("ref") == "name"
    assert bind_by_name(root)["household"].get("required") == "true()"


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_key_fields_exist_with_their_types(form_id, xforms):
    root = xforms[form_id]
    binds = bind_by_name(root)
    repeats = {r.get("nodeset").rsplit("/", 1)[-1] for r in root.iter(f"{{{NS['xf']}}}repeat")}
    for name in ("start", "end", "today", "deviceid"):
        assert name in binds, name
    for name, kind in KEY_FIELDS[form_id].items():
        if kind == "repeat":
            assert name in repeats, name
        elif kind == "calculate":
            assert binds[name].get("calculate"), name
        else:
            assert name in binds, name
            assert binds[name].get("type") == kind, (name, binds[name].get("type"))


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_photos_and_signatures(form_id, xforms):
    root = xforms[form_id]
    uploads = {u.get("ref").rsplit("/", 1)[-1]: u for u in root.iter(f"{{{NS['xf']}}}upload")}
    signatures = {n for n, u in uploads.items() if u.get("appearance") == "signature"}
    assert signatures == SIGNATURES[form_id]
    photos = {n for n, u in uploads.items() if u.get("appearance") is None}
    assert photos, "every instrument takes photos"
    binds = bind_by_name(root)
    assert all(binds[n].get("required") == "true()" for n in SIGNATURES[form_id])
    assert all(u.get("mediatype") == "image/*" for u in uploads.values())


# --------------------------------------------------------------------------- domain rules


def test_household_survey_constraints_and_calculations(xforms):
    binds = bind_by_name(xforms["household_survey"])
    for name, kind in KEY_FIELDS["household_survey"].items():
        if name.startswith(("inc_", "cost_")):
            assert ". >= 0" in binds[name].get("constraint"), name
    assert "regex(., '^[0-9]{17}[0-9Xx]$')" in binds["m_id_number"].get("constraint")
    assert binds["m_migrant_months"].get("constraint") == ". >= 0 and . <= 12"
    assert "<= 120" in binds["m_birth_date"].get("constraint")
    assert "m_age" in binds["m_schooling"].get("relevant")
    assert binds["calc_hh_size"].get("calculate") == "count( /data/member )"
    # Per-capita income never divides by zero on the phone.
    assert binds["calc_per_capita"].get("calculate").startswith("if( /data/calc_hh_size  > 0")


def test_living_environment_items_need_photo_and_note_when_failed(xforms):
    binds = bind_by_name(xforms["living_environment"])
    for item in ("clean_doors", "clean_bedroom", "clean_kitchen", "clean_hygiene", "clean_yard", "has_necessities", "tidy"):
        assert binds[f"{item}_photo"].get("required") == "true()", item
        assert binds[f"{item}_note"].get("required") == "true()", item
        assert binds[f"{item}_note"].get("relevant").endswith(f"/{item}  = 'fail'"), item


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_every_label_hint_and_message_in_both_languages(form_id):
    for row in sheet_rows(form_id, "survey"):
        where = (form_id, row.get("name"))
        if row["type"] not in NO_LABEL_TYPES:
            assert all(row.get(f"label::{lang}") for lang in LANGS), where
        for col in ("hint", "constraint_message", "required_message"):
            present = [bool(row.get(f"{col}::{lang}")) for lang in LANGS]
            assert present[0] == present[1], (where, col)
        if row.get("constraint"):
            assert row.get(f"constraint_message::{ZH}"), where
        if row.get("required"):
            assert row.get(f"required_message::{ZH}"), where
        assert not row.get("label"), f"{where}: use label::{ZH} / label::{EN}, not a bare label"
    for row in sheet_rows(form_id, "choices"):
        assert all(row.get(f"label::{lang}") for lang in LANGS), (form_id, row)


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_xform_itext_has_every_text_in_both_languages(form_id, xforms):
    texts = {}
    for translation in xforms[form_id].iter(f"{{{NS['xf']}}}translation"):
        texts[translation.get("lang")] = {t.get("id") for t in translation.iter(f"{{{NS['xf']}}}text")}
    assert texts[ZH] == texts[EN]
    assert len(texts[ZH]) > 50


# --------------------------------------------------------------------------- scoring sheet

REF = re.compile(r"\$\{([^}]*)\}")
FUNC = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)\s*\(")
STRING = re.compile(r"'[^']*'")


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_scoring_sheet_is_ignored_by_pyxform(form_id, xforms):
    assert "scoring" in sheet_names(form_id)
    body = ET.tostring(xforms[form_id], encoding="unicode")
    assert "score:" not in body and "param:" not in body
    binds = bind_by_name(xforms[form_id])
    for row in sheet_rows(form_id, "scoring"):
        assert row["name"] not in binds, f"scoring row {row['name']} must not collide with a survey field"


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_scoring_rows_reference_only_known_names(form_id):
    fields = survey_field_names(form_id)
    rows = sheet_rows(form_id, "scoring")
    assert rows, "every instrument carries scoring rows"
    grade_lists: dict[str, set[str]] = {}
    if "scoring_choices" in sheet_names(form_id):
        for c in sheet_rows(form_id, "scoring_choices"):
            assert c.get(f"label::{ZH}") and c.get(f"label::{EN}"), c
            grade_lists.setdefault(c["list_name"], set()).add(c["name"])
    earlier: set[str] = set()
    for row in rows:
        name, expr = row["name"], row["expression"]
        where = (form_id, name)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), where
        assert name not in earlier, f"{where}: duplicate scoring row"
        assert row["type"] in SCORING_TYPES, where
        assert row.get(f"label::{ZH}") and row.get(f"label::{EN}"), where
        refs = REF.findall(expr)
        assert refs, f"{where}: an expression must read the submission"
        for ref in refs:
            if ref.startswith("score:"):
                assert ref[6:] in earlier, f"{where}: ${{{ref}}} must name a scoring row above it"
            elif ref.startswith("param:"):
                assert ref[6:] in SCORING_PARAMS, f"{where}: unknown parameter ${{{ref}}}"
            else:
                assert ref in fields, f"{where}: ${{{ref}}} is not a field of the survey"
        bare = STRING.sub("''", REF.sub("x", expr))
        assert set(FUNC.findall(bare)) <= SCORING_FUNCTIONS, where
        words = set(re.findall(r"[A-Za-z][A-Za-z_-]*", FUNC.sub("(", bare))) - {"x"}
        assert words <= SCORING_OPERATORS, (where, words - SCORING_OPERATORS)
        assert bare.count("(") == bare.count(")"), where
        if row["type"] == "grade":
            values = set(STRING.findall(expr))
            assert row.get("choice_list") in grade_lists, where
            assert {v.strip("'") for v in values} <= grade_lists[row["choice_list"]], where
        earlier.add(name)


EXPECTED_RESULTS = {
    # issue #5 item 4: the results the seeds define.
    "household_survey": {"net_income": "number", "per_capita_income": "number", "income_line": "grade",
                         "check_food": "boolean", "check_clothing": "boolean", "check_education": "boolean",
                         "check_medical": "boolean", "check_housing": "boolean", "check_water": "boolean",
                         "exit_ready": "boolean"},
    "four_ones_visit": {"four_ones_complete": "boolean", "problems_count": "number"},
    "living_environment": {"items_passed": "number", "all_pass": "boolean"},
}


@pytest.mark.parametrize("form_id", INSTRUMENTS)
def test_scoring_carries_the_results_the_seeds_define(form_id):
    types = {r["name"]: r["type"] for r in sheet_rows(form_id, "scoring")}
    for name, kind in EXPECTED_RESULTS[form_id].items():
        assert types.get(name) == kind, (form_id, name)


def test_exit_readiness_needs_the_line_and_all_six_checks():
    rows = {r["name"]: r["expression"] for r in sheet_rows("household_survey", "scoring")}
    assert "${param:poverty_line}" in rows["exit_ready"]
    assert "${score:checks_met} = 6" in rows["exit_ready"]
    for check in ("food", "clothing", "education", "medical", "housing", "water"):
        assert f"${{score:check_{check}}}" in rows["checks_met"], check
    assert rows["per_capita_income"] == "${score:net_income} div ${score:household_size}"
