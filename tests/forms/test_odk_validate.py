"""ODK Validate (Java) runs when configured and available, and the result says when it did not run.
Slow (a JVM start per upload), so only these tests use it."""
from __future__ import annotations

import shutil

import pytest

from server.accounts.permissions import SYSTEM
from server.errors import Invalid
from server.forms import service
from server.forms.xlsform import ValidatorUnavailable
from tests.forms.conftest import SURVEY, snap, xlsform

BAD_XPATH = SURVEY[:2] + [["integer", "members", "家庭人口", "${household} = = 'x'"]]
BAD_XPATH[0] = SURVEY[0] + ["relevant"]

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed here")


def upload(svc, data):
    return svc(lambda: snap(service.upload_xlsform(data, "visit.xlsx", actor=SYSTEM)))


@needs_java
@pytest.mark.odk_validate("auto")
def test_valid_form_passes_odk_validate(svc, areas):
    form = upload(svc, xlsform())
    assert form.draft.validated is True and "已通过 ODK Validate" in form.draft.validate_note


@needs_java
@pytest.mark.odk_validate("auto")
def test_bad_xpath_is_caught_by_odk_validate_and_stores_nothing(svc, areas, stored, client, api_token, designer):
    from tests.forms.test_must_show import api_upload

    before = stored()
    resp = api_upload(client, api_token(designer), xlsform(survey=BAD_XPATH), "visit.xlsx")
    assert resp.status_code == 422
    detail = resp.json["error"]["details"][0]
    assert "ODK Validate" in detail["message"] and "= = 'x'" in detail["message"]
    assert (detail["sheet"], detail["row"]) == ("survey", 3)  # found from "node [${members}]"
    assert "tmp" not in detail["message_en"]
    assert stored() == before


def test_bad_xpath_passes_without_validate_and_the_note_says_so(svc, areas):
    form = upload(svc, xlsform(survey=BAD_XPATH))
    assert form.draft.validated is False and "已在配置中关闭" in form.draft.validate_note


@pytest.mark.odk_validate("auto")
def test_without_java_the_note_says_validate_did_not_run(svc, areas, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no java
    form = upload(svc, xlsform())
    assert form.draft.validated is False and "服务器上没有 Java" in form.draft.validate_note


@pytest.mark.odk_validate("on")
def test_validate_required_without_java_is_503_and_stores_nothing(svc, areas, monkeypatch, tmp_path, stored):
    monkeypatch.setenv("PATH", str(tmp_path))
    before = stored()
    with pytest.raises(ValidatorUnavailable) as err:
        upload(svc, xlsform())
    assert err.value.status == 503 and "Java" in err.value.message
    assert stored() == before
    assert not isinstance(err.value, Invalid)
