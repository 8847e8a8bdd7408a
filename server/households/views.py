"""Household pages. Import: upload → dry-run report → confirm, and the template download."""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _

from server.accounts import permissions
from server.accounts.auth import current_user, login_required
from server.db import unit_of_work
from server.errors import BadRequest, DomainError
from server.households.import_template import template_xlsx
from server.households.importer import commit_staged_import, stage_household_import
from server.households.schemas import HouseholdStagedImportSchema
from server.inputs import load

bp = Blueprint("households", __name__)
STAGED = "household_import"  # session key: the sha256 of the upload this user may confirm


def _import_page(report=None, error=None, filename="", status=200):
    return render_template("households/import.html", report=report, error=error, filename=filename), status


@bp.get("/households/import/template.xlsx")
@login_required
def import_template():
    return send_file(io.BytesIO(template_xlsx()), as_attachment=True, download_name="农户导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/households/import")
@login_required
def import_form():
    permissions.require(current_user(), "household.manage")
    return _import_page()


@bp.post("/households/import")
@login_required
def import_upload():
    """Step 1: a dry run of the uploaded register; a clean file is kept for step 2."""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise BadRequest("请选择要上传的文件", "Choose a file to upload", code="no_file")
        with unit_of_work():
            report = stage_household_import(upload.read(), upload.filename, actor=current_user())
    except DomainError as exc:
        return _import_page(error=exc, status=exc.status)
    session[STAGED] = report.get("upload_sha256")
    return _import_page(report, filename=upload.filename, status=422 if report["errors"] else 200)


@bp.post("/households/import/confirm")
@login_required
def import_confirm():
    """Step 2: store the file kept in step 1 (only the one this session uploaded)."""
    try:
        data = load(HouseholdStagedImportSchema(), request.form.to_dict())
        if session.get(STAGED) != data["sha256"]:
            raise BadRequest("上传已过期，请重新上传文件", "This upload has expired; upload the file again",
                             code="stale_upload")
        with unit_of_work():
            report = commit_staged_import(data["sha256"], data["filename"], actor=current_user())
    except DomainError as exc:
        return _import_page(error=exc, status=exc.status)
    session.pop(STAGED, None)
    flash(_("导入完成：新建 %(created)d 户，更新 %(updated)d 户，无变化 %(unchanged)d 户", created=report["created"],
            updated=len(report["updated"]), unchanged=report["unchanged"]), "success")
    return redirect(url_for("households.import_form"))
