"""Bad input beyond the Must-show six: zip bombs, formulas without values, huge sheets,
unsafe form ids, .xls files. Each is a specific 4xx with a readable message, storing nothing."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook

from server.accounts.permissions import SYSTEM
from server.errors import Invalid, TooLarge, UnsupportedType
from server.forms import service
from tests.forms.conftest import DATA, SURVEY, snap, xlsform, zip_bomb
from tests.forms.test_must_show import api_upload


def upload(svc, data, name="f.xlsx", **kw):
    return svc(lambda: snap(service.upload_xlsform(data, name, actor=SYSTEM, **kw)))


def test_zip_bomb_disguised_as_xlsx_is_413_and_stores_nothing(client, api_token, designer, stored):
    before = stored()
    resp = api_upload(client, api_token(designer), zip_bomb(), "bomb.xlsx")
    assert resp.status_code == 413
    assert "压缩炸弹" in resp.json["error"]["message"]
    assert stored() == before


def test_formula_without_cached_value_names_the_cell(svc, areas, stored):
    survey = [["type", "name", "label", "calculation"], ["text", "a", "A", None], ["calculate", "c", None, "=1+1"]]
    before = stored()
    with pytest.raises(Invalid) as err:
        upload(svc, xlsform(survey=survey))
    assert err.value.code == "formula_without_value" and err.value.status == 422
    detail = err.value.details[0]
    assert (detail["sheet"], detail["row"], detail["cell"]) == ("survey", 3, "D3")
    assert "survey!D3" in detail["message"] and "公式" in detail["message"]
    assert stored() == before


def test_formulas_on_sheets_pyxform_ignores_are_allowed(svc, areas):
    form = upload(svc, xlsform(extra_sheets={"notes": [["name", "expression"], ["x", "=SUM(1,2)"]]}))
    assert form.xml_form_id == "visit"


def test_a_sheet_over_20000_rows_is_413(svc, areas, stored):
    survey = [SURVEY[0]] + [["text", f"q{i}", f"Q{i}"] for i in range(20_001)]
    before = stored()
    with pytest.raises(TooLarge) as err:
        upload(svc, xlsform(survey=survey))
    assert err.value.code == "sheet_too_large" and "20000" in err.value.message
    assert stored() == before


def test_a_value_in_an_absurd_column_is_413(svc, areas):
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in SURVEY:
        ws.append(row)
    ws.cell(row=2, column=16_000, value="x")
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(TooLarge) as err:
        upload(svc, out.getvalue())
    assert "第 2 行" in err.value.message and "16000" in err.value.message


def test_a_lying_dimension_is_ignored(svc, areas):
    """A sheet claiming A1:XFD1048576 but holding four rows converts normally and quickly."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(xlsform()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", b"<dimension ref=\"A1:XFD1048576\"/>", data)
                assert b"XFD1048576" in data
            zf.writestr(info, data)
    assert upload(svc, out.getvalue()).xml_form_id == "visit"


@pytest.mark.parametrize("form_id", ["../../etc/passwd", "a/b", "名字", "1abc", "x" * 101])
def test_form_ids_with_path_characters_are_refused(svc, areas, stored, form_id):
    before = stored()
    with pytest.raises(Invalid) as err:
        upload(svc, xlsform(form_id=form_id))
    detail = err.value.details[0]
    assert (detail["sheet"], detail["column"]) == ("settings", "form_id")
    assert "form_id" in detail["message"]
    assert stored() == before


def test_without_form_id_the_file_name_is_used_or_refused(svc, areas):
    form = upload(svc, xlsform(settings_rows=[]), "village_check.xlsx")
    assert (form.xml_form_id, form.title) == ("village_check", "village_check")
    xml = svc(lambda: service.get_xform_bytes(service.get_form("village_check", actor=SYSTEM).draft))
    assert b'<data id="village_check"' in xml and b"<h:title>village_check</h:title>" in xml
    with pytest.raises(Invalid) as err:
        upload(svc, xlsform(settings_rows=[]), "走访 表.xlsx")
    assert "form_id" in err.value.details[0]["message"]


def test_xls_workbook_converts(svc, areas):
    """tests/forms/data/*.xls were written once with xlwt (not a dependency): a real BIFF8 workbook."""
    form = upload(svc, (DATA / "xls_visit.xls").read_bytes(), "xls_visit.xls")
    assert (form.xml_form_id, form.title, form.draft.version) == ("xls_visit", "XLS 走访表", "2024010101")
    assert form.draft.source_filename == "xls_visit.xls"


def test_xls_errors_name_the_row(svc, areas, stored):
    before = stored()
    with pytest.raises(Invalid) as err:
        upload(svc, (DATA / "xls_duplicate.xls").read_bytes(), "xls_duplicate.xls")
    assert [(d["sheet"], d["row"]) for d in err.value.details] == [("survey", 3)]
    assert stored() == before


def test_an_ole2_file_that_is_not_a_workbook_is_415(svc, areas):
    with pytest.raises(UnsupportedType) as err:
        upload(svc, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "fake.xls")
    assert err.value.code == "corrupt_xls"


def test_a_zip_that_is_not_a_workbook_is_415(svc, areas):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(UnsupportedType):
        upload(svc, out.getvalue(), "notes.xlsx")


def test_empty_file_is_400(client, api_token, designer):
    resp = api_upload(client, api_token(designer), b"", "empty.xlsx")
    assert resp.status_code == 400 and resp.json["error"]["code"] == "empty_file"


def test_api_upload_without_file_is_400(client, api_token, designer):
    resp = client.post("/api/v1/forms", data={}, headers=api_token(designer), content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.json["error"]["code"] == "no_file"


def test_warnings_carry_sheet_and_row(svc, areas):
    choices = [["list_name", "name", "label"], ["yn", "yes", "是"], ["yn", "no", None]]
    form = upload(svc, xlsform(choices=choices))
    warnings = form.draft.warnings
    assert [(w["sheet"], w["row"]) for w in warnings] == [("choices", 3)]
    assert warnings[0]["message"] == "选项缺少标签（label）"
