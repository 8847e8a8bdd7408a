"""Form pages: the list, uploading an XLSForm, one form (draft, versions, media, state, assignments)."""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from server.accounts import permissions
from server.accounts.auth import current_user, login_required
from server.accounts.models import ROLE_LABELS, ROLES
from server.db import unit_of_work
from server.errors import DomainError
from server.forms import service
from server.forms.models import FORM_STATE_LABELS, FORM_STATES
from server.forms.schemas import AssignmentLoadSchema, FormStateSchema, FormUploadSchema

from server.inputs import load, uploaded_file

bp = Blueprint("forms", __name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/forms")
@login_required
def list_forms():
    user = current_user()
    with unit_of_work():
        forms = service.list_forms(actor=user)
        return render_template("forms/list.html", forms=forms, state_labels=FORM_STATE_LABELS,
                               can_upload=permissions.can(user, "form.manage"))


def _upload_page(error=None, status=200):
    from server.areas.service import list_areas

    user = current_user()
    permissions.require(user, "form.manage")
    with unit_of_work():
        areas = [a for a in list_areas(actor=user) if a.level in ("county", "township")]
        return render_template("forms/upload.html", error=error, areas=areas), status


@bp.get("/forms/upload")
@login_required
def upload_page():
    return _upload_page()


@bp.post("/forms/upload")
@login_required
def upload():
    user = current_user()
    try:
        fields = load(FormUploadSchema(), request.form.to_dict())
        data, filename = uploaded_file()
        with unit_of_work():
            form = service.upload_xlsform(data, filename, actor=user, area_code=fields["area"])
            if fields["publish"]:
                service.publish_draft(form.id, actor=user)
            form_id, version = form.xml_form_id, (form.draft or form.current).version
    except DomainError as exc:
        return _upload_page(exc, exc.status)
    flash(_("已上传表单 %(form_id)s，版本 %(version)s", form_id=form_id, version=version), "success")
    return redirect(url_for("forms.show", form_id=form_id))


def _form_page(form_id: str, error=None, status=200):
    from server.areas.service import list_areas

    user = current_user()
    with unit_of_work():
        form = service.get_form(form_id, actor=user)
        can_assign = permissions.can(user, "form.assign", form.area)
        return render_template(
            "forms/show.html", form=form, error=error, states=FORM_STATES, state_labels=FORM_STATE_LABELS,
            roles=ROLES, role_labels=ROLE_LABELS, can_manage=service.can_manage_form(user, form),
            can_assign=can_assign, areas=list_areas(actor=user) if can_assign else [],
            draft_media=service.media_status(form.draft) if form.draft else [],
            current_media=service.media_status(form.current) if form.current else []), status


@bp.get("/forms/<form_id>")
@login_required
def show(form_id: str):
    return _form_page(form_id)


def _act(form_id: str, action, done_message: str):
    """Run one service call for the form page; on a domain error show the page with the error."""
    try:
        with unit_of_work():
            action()
    except DomainError as exc:
        return _form_page(form_id, exc, exc.status)
    flash(done_message, "success")
    return redirect(url_for("forms.show", form_id=form_id))


@bp.post("/forms/<form_id>/publish")
@login_required
def publish(form_id: str):
    return _act(form_id, lambda: service.publish_draft(form_id, actor=current_user()), _("已发布"))


@bp.post("/forms/<form_id>/media")
@login_required
def upload_media(form_id: str):
    def run():
        data, filename = uploaded_file()
        service.upload_media(form_id, filename, data, actor=current_user())

    return _act(form_id, run, _("媒体文件已上传"))


@bp.post("/forms/<form_id>/state")
@login_required
def set_state(form_id: str):
    def run():
        data = load(FormStateSchema(), request.form.to_dict())
        service.set_form_state(form_id, data["state"], actor=current_user())

    return _act(form_id, run, _("表单状态已更新"))


@bp.post("/forms/<form_id>/assignments")
@login_required
def assign(form_id: str):
    def run():
        data = load(AssignmentLoadSchema(), request.form.to_dict())
        service.assign_form(form_id, data["role"], data["area"], actor=current_user())

    return _act(form_id, run, _("已分配"))


@bp.post("/forms/<form_id>/assignments/remove")
@login_required
def unassign(form_id: str):
    def run():
        data = load(AssignmentLoadSchema(), request.form.to_dict())
        service.unassign_form(form_id, data["role"], data["area"], actor=current_user())

    return _act(form_id, run, _("已取消分配"))


def _version(form_id: str, version_id: int):
    form = service.get_form(form_id, actor=current_user())
    return form, service.get_version(form, version_id)


@bp.get("/forms/<form_id>/versions/<int:version_id>/source")
@login_required
def download_source(form_id: str, version_id: int):
    with unit_of_work():
        _, version = _version(form_id, version_id)
        data, name = service.get_source_bytes(version), version.source_filename
    mimetype = "application/vnd.ms-excel" if name.lower().endswith(".xls") else XLSX_TYPE
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/forms/<form_id>/versions/<int:version_id>/xform")
@login_required
def download_xform(form_id: str, version_id: int):
    with unit_of_work():
        form, version = _version(form_id, version_id)
        data, name = service.get_xform_bytes(version), f"{form.xml_form_id}-{version.version}.xml"
    return send_file(io.BytesIO(data), mimetype="application/xml", as_attachment=True, download_name=name)


@bp.get("/forms/<form_id>/versions/<int:version_id>/media/<filename>")
@login_required
def download_media(form_id: str, version_id: int, filename: str):
    with unit_of_work():
        _, version = _version(form_id, version_id)
        media, data = service.get_media_bytes(version, filename)
        content_type = media.content_type
    return send_file(io.BytesIO(data), mimetype=content_type, as_attachment=True, download_name=filename)
