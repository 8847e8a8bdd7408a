"""Area pages: the tree, adding one area, importing a table (upload → report → confirm)."""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _

from server.accounts import permissions
from server.accounts.auth import current_user, login_required
from server.areas import service
from server.areas.levels import LEVEL_LABELS
from server.areas.models import LEVELS
from server.areas.schemas import AreaCreateSchema, AreaStagedImportSchema
from server.inputs import load
from server.areas.template import template_xlsx
from server.db import unit_of_work
from server.errors import BadRequest, DomainError

bp = Blueprint("areas", __name__)
STAGED = "area_import"  # session key: the sha256 of the upload this user may confirm


def _tree_page(form=None, error=None, status=200):
    user = current_user()
    with unit_of_work():
        roots = service.area_tree(actor=user)
        parents = [a for a in service.list_areas(actor=user) if a.level != "group"] \
            if permissions.can(user, "area.manage") else []
        return render_template("areas/tree.html", roots=roots, parents=parents, levels=LEVELS,
                               level_labels=LEVEL_LABELS, form=form or {}, error=error,
                               can_manage=permissions.can(user, "area.manage")), status


@bp.get("/areas")
@login_required
def tree():
    return _tree_page()


@bp.post("/areas")
@login_required
def create():
    form = request.form.to_dict()
    try:
        data = load(AreaCreateSchema(), form)
        with unit_of_work():
            area = service.create_area(data["code"], data["name"], data["level"], data["parent_code"],
                                       actor=current_user())
            flash(_("已新建区划：%(name)s（%(code)s）", name=area.name, code=area.code), "success")
    except DomainError as exc:
        return _tree_page(form, exc, exc.status)
    return redirect(url_for("areas.tree"))


@bp.get("/areas/template.xlsx")
@login_required
def template():
    return send_file(io.BytesIO(template_xlsx()), as_attachment=True, download_name="区划导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/areas/import")
@login_required
def import_form():
    permissions.require(current_user(), "area.manage")
    return render_template("areas/import.html", report=None, error=None)


@bp.post("/areas/import")
@login_required
def import_upload():
    """Step 1: a dry run of the uploaded file; a clean file is kept for step 2."""
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise BadRequest("请选择要上传的文件", "Choose a file to upload", code="no_file")
        with unit_of_work():
            report = service.stage_area_import(upload.read(), upload.filename, actor=current_user())
    except DomainError as exc:
        return render_template("areas/import.html", report=None, error=exc), exc.status
    session[STAGED] = report.get("upload_sha256")
    page = render_template("areas/import.html", report=report, filename=upload.filename, error=None)
    return page, 422 if report["errors"] else 200


@bp.post("/areas/import/confirm")
@login_required
def import_confirm():
    """Step 2: import the file kept in step 1 (only the one this session uploaded)."""
    try:
        data = load(AreaStagedImportSchema(), request.form.to_dict())
        if not data["sha256"] or session.get(STAGED) != data["sha256"]:
            raise BadRequest("上传已过期，请重新上传文件", "This upload has expired; upload the file again",
                             code="stale_upload")
        with unit_of_work():
            report = service.commit_staged_import(data["sha256"], data["filename"], actor=current_user())
    except DomainError as exc:
        return render_template("areas/import.html", report=None, error=exc), exc.status
    session.pop(STAGED, None)
    flash(_("导入完成：新建 %(created)d 个，更新 %(updated)d 个区划", created=len(report["created"]),
            updated=len(report["updated"])), "success")
    return redirect(url_for("areas.tree"))
