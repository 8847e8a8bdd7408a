"""XLSForm → XForm: sniff the upload, check the workbook, run pyxform (and ODK Validate).

``convert_xlsform(data, filename)`` touches no database and no storage. It raises
a 4xx domain error for a bad upload, ``Invalid`` (422) with one detail per
problem for a workbook pyxform rejects, and returns a ``Conversion`` otherwise.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePath

from flask import current_app

from server.errors import DomainError, Invalid
from server.forms import issues, xform
from server.forms.workbook import read_workbook
from server.scoring.sheet import read_scoring
from server.uploads import sniff_spreadsheet


class ValidatorUnavailable(DomainError):
    """ODK Validate is required by configuration (ZOUFANG_ODK_VALIDATE=on) but Java is missing."""

    status = 503
    exit_code = 10
    code = "validator_unavailable"


NOTE_PASSED = "已通过 ODK Validate 检查 / passed ODK Validate"
NOTE_OFF = "未运行 ODK Validate：已在配置中关闭（ZOUFANG_ODK_VALIDATE=off）/ ODK Validate not run: disabled by configuration"
NOTE_NO_JAVA = ("未运行 ODK Validate：服务器上没有 Java，公式和条件中的错误可能要到手机上才会发现 / "
                "ODK Validate not run: Java is not installed on the server")


@dataclass
class Conversion:
    form_id: str
    version: str | None          # from settings; None when the workbook has none (the service assigns one)
    title: str
    xform: str
    kind: str                    # ".xlsx" or ".xls"
    warnings: list[dict] = field(default_factory=list)
    itemsets: str | None = None  # pyxform's itemsets.csv, for select_one_external
    validated: bool = False
    validate_note: str = ""
    media: list[dict] = field(default_factory=list)
    scoring: dict | None = None  # the checked scoring sheet (server.scoring.sheet), None without one

    def with_version(self, version: str) -> "Conversion":
        self.xform = xform.set_root_attributes(self.xform, version=version)
        self.version = version
        return self


def validate_mode() -> tuple[bool, str]:
    """(run ODK Validate?, the note to show when it is not run)."""
    mode = current_app.config["ZOUFANG"].odk_validate
    if mode == "off":
        return False, NOTE_OFF
    if shutil.which("java"):
        return True, ""
    if mode == "on":
        raise ValidatorUnavailable("配置要求运行 ODK Validate，但服务器上没有 Java",
                                   "ODK Validate is required (ZOUFANG_ODK_VALIDATE=on) but Java is not installed")
    return False, NOTE_NO_JAVA


def _invalid(found: list[dict]) -> Invalid:
    return Invalid(f"XLSForm 有 {len(found)} 个错误，未保存任何内容", f"The XLSForm has {len(found)} error(s); "
                   "nothing was stored", details=found, code="xlsform_invalid")


def _run_pyxform(data: bytes, kind: str, validate: bool, rows):
    from pyxform.errors import PyXFormError
    from pyxform.validators.odk_validate import ODKValidateError
    from pyxform.xls2xform import convert

    try:
        return convert(xlsform=BytesIO(data), file_type=kind, validate=validate)
    except ODKValidateError as exc:
        text = issues.clean_validate_text(str(exc))
        issue = issues.make_issue(text, rows=rows)
        issue["message"] = f"ODK Validate 检查未通过（常见原因：公式、relevant 或 constraint 写错）：{text}"
        issue["message_en"] = f"ODK Validate: {text}"
        raise _invalid([issue]) from exc
    except PyXFormError as exc:
        raise _invalid([issues.make_issue(str(exc), context=getattr(exc, "context", None), rows=rows,
                                          default_sheet="survey")]) from exc
    except Exception as exc:  # pyxform lets some of its own mistakes escape as KeyError, TypeError, …
        text = f"{type(exc).__name__}: {exc}"
        raise _invalid([{"sheet": None, "row": None, "column": None,
                         "message": f"转换失败（pyxform 内部错误）：{text}",
                         "message_en": f"Conversion failed (pyxform raised {text})"}]) from exc


def convert_xlsform(data: bytes, filename: str) -> Conversion:
    cfg = current_app.config["ZOUFANG"]
    kind = sniff_spreadsheet(data, filename, max_bytes=cfg.xlsform_max_bytes, max_unpacked=cfg.xlsform_max_unpacked)
    rows = read_workbook(data, kind)
    validate, note = validate_mode()
    result = _run_pyxform(data, kind, validate, rows)
    warnings = [issues.make_issue(w, rows=rows) for w in result.warnings if str(w).strip()]
    text = result.xform
    info = xform.read_info(text)

    form_id = rows.setting("form_id") or rows.setting("id_string")
    if form_id is None:  # pyxform named it "data": take the file name instead
        form_id = PurePath(filename).stem
        if not xform.is_safe_form_id(form_id):
            raise _invalid([{"sheet": "settings", "row": 2, "column": "form_id",
                             "message": f"settings 表没有 form_id，文件名“{form_id}”也不能用作表单编号：请在 settings 表填写 "
                                        "form_id（字母开头，只含字母、数字、下划线、连字符、句点）",
                             "message_en": "No form_id in the settings sheet and the file name is not a usable id: "
                                           "add a form_id (letters, digits, _ - .) to the settings sheet"}])
        text = xform.set_root_attributes(text, id=form_id)
        if not rows.setting("form_title"):
            text = xform.set_title(text, form_id)
        info = xform.read_info(text)
    if not xform.is_safe_form_id(info.form_id):
        raise _invalid([{"sheet": "settings", "row": 2, "column": "form_id",
                         "message": f"form_id“{info.form_id}”无效：须以字母开头，只能包含字母、数字、下划线、连字符和句点"
                                    "（最多 100 个字符）",
                         "message_en": f"form_id {info.form_id!r} is invalid: start with a letter; letters, digits, "
                                       "_ - . only (at most 100)"}])
    if info.version is not None and len(info.version) > 64:
        raise _invalid([{"sheet": "settings", "row": 2, "column": "version", "message": "version 不能超过 64 个字符",
                         "message_en": "version is longer than 64 characters"}])
    scoring, problems = read_scoring(rows, text)
    if problems:
        raise _invalid(problems)
    return Conversion(form_id=info.form_id, version=info.version, title=(info.title or info.form_id)[:255],
                      xform=text, kind=kind, warnings=warnings, itemsets=result.itemsets,
                      validated=validate, validate_note=NOTE_PASSED if validate else note,
                      media=xform.media_references(text), scoring=scoring)
