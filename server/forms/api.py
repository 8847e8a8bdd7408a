"""JSON API for forms: /api/v1/forms."""
from __future__ import annotations

import io

from flask import Blueprint, jsonify, request, send_file

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.inputs import load, uploaded_file
from server.forms import service
from server.forms.schemas import (AssignmentLoadSchema, AssignmentSchema, FormDetailSchema, FormSchema,
                                  FormStateSchema, FormUploadSchema, MediaSchema, VersionDetailSchema)

bp = Blueprint("forms_api", __name__, url_prefix="/api/v1/forms")


@bp.get("")
def list_forms():
    """List forms.
    ---
    get:
      summary: 表单列表（本人区划及上级区划的表单）/ forms of the caller's areas and the areas above them
      tags: [forms]
      responses:
        200:
          description: the forms
          content:
            application/json:
              schema:
                type: object
                properties:
                  forms:
                    type: array
                    items: FormSchema
        401:
          description: no valid token
        403:
          description: the caller's role may not view forms
    """
    actor = api_user()
    with unit_of_work():
        return jsonify({"forms": FormSchema(many=True).dump(service.list_forms(actor=actor))})


@bp.post("")
def upload_form():
    """Upload an XLSForm.
    ---
    post:
      summary: 上传 XLSForm（.xlsx/.xls），成为该表单的草稿 / upload an XLSForm as the form's draft
      description: >
        Converted with pyxform (and ODK Validate when Java is present; validate_note says when it was not run).
        A new form_id creates the form; an existing one has its draft replaced. With publish=true the draft is
        published at once. When conversion fails nothing is stored and error.details lists each problem
        with sheet, row and column where known.
      tags: [forms]
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties:
                file: {type: string, format: binary}
                area: {type: string, description: 新表单所属区划代码}
                publish: {type: boolean, default: false}
      responses:
        201:
          description: stored as draft (or published)
          content:
            application/json:
              schema: FormDetailSchema
        400:
          description: no file, empty file
        403:
          description: the caller may not manage forms (in that area)
        409:
          description: the version is already published
        413:
          description: file too large, sheet too large, or a zip bomb
        415:
          description: not an Excel workbook, or a damaged/truncated one
        422:
          description: pyxform or ODK Validate rejected the form (error.details has sheet/row/column/message)
    """
    actor = api_user()
    form_fields = load(FormUploadSchema(), request.form.to_dict())
    data, filename = uploaded_file()
    with unit_of_work():
        form = service.upload_xlsform(data, filename, actor=actor, area_code=form_fields["area"])
        if form_fields["publish"]:
            service.publish_draft(form.id, actor=actor)
        return jsonify(FormDetailSchema().dump(form)), 201


@bp.get("/<form_id>")
def get_form(form_id: str):
    """One form.
    ---
    get:
      summary: 查看表单：草稿、已发布版本、媒体文件、分配 / a form with its draft, versions, media and assignments
      tags: [forms]
      parameters:
        - {in: path, name: form_id, required: true, schema: {type: string}}
      responses:
        200:
          description: the form
          content:
            application/json:
              schema: FormDetailSchema
        404:
          description: no such form visible to the caller
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(FormDetailSchema().dump(service.get_form(form_id, actor=actor)))


@bp.post("/<form_id>/publish")
def publish(form_id: str):
    """Publish the draft.
    ---
    post:
      summary: 发布草稿（冻结 XForm、MD5 和媒体文件）/ publish the draft (freezes XForm, MD5 and media)
      tags: [forms]
      parameters:
        - {in: path, name: form_id, required: true, schema: {type: string}}
      responses:
        200:
          description: the published version
          content:
            application/json:
              schema: VersionDetailSchema
        403:
          description: the caller may not manage this form
        404:
          description: no such form
        409:
          description: no draft, or its version is already published
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(VersionDetailSchema().dump(service.publish_draft(form_id, actor=actor)))


@bp.post("/<form_id>/media")
def upload_media(form_id: str):
    """Upload a media file to the draft.
    ---
    post:
      summary: 为草稿上传媒体文件（图片、CSV 等）/ add or replace a media file of the draft
      tags: [forms]
      parameters:
        - {in: path, name: form_id, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties:
                file: {type: string, format: binary}
      responses:
        201:
          description: stored
          content:
            application/json:
              schema: MediaSchema
        400:
          description: no file, empty file, or a file name with a path (../x)
        403:
          description: the caller may not manage this form
        409:
          description: no draft (published versions are frozen)
        413:
          description: file too large
    """
    actor = api_user()
    data, filename = uploaded_file()
    with unit_of_work():
        return jsonify(MediaSchema().dump(service.upload_media(form_id, filename, data, actor=actor))), 201


@bp.post("/<form_id>/state")
def set_state(form_id: str):
    """Open, close or stop serving a form.
    ---
    post:
      summary: 设置表单状态 / set the form's state
      tags: [forms]
      parameters:
        - {in: path, name: form_id, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: FormStateSchema
      responses:
        200:
          description: the form
          content:
            application/json:
              schema: FormSchema
        403:
          description: the caller may not manage this form
        422:
          description: unknown state
    """
    actor = api_user()
    data = load(FormStateSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        return jsonify(FormSchema().dump(service.set_form_state(form_id, data["state"], actor=actor)))


@bp.get("/<form_id>/assignments")
def list_assignments(form_id: str):
    """Who receives the form.
    ---
    get:
      summary: 表单分配（哪些区划的哪些角色接收该表单）/ the form's assignments
      tags: [forms]
      parameters:
        - {in: path, name: form_id, required: true, schema: {type: string}}
      responses:
        200:
          description: the assignments
          content:
            application/json:
              schema:
                type: object
                properties:
                  assignments:
                    type: array
                    items: AssignmentSchema
        404:
          description: no such form
    """
    actor = api_user()
    with unit_of_work():
        form = service.get_form(form_id, actor=actor)
        return jsonify({"assignments": AssignmentSchema(many=True).dump(form.assignments)})


@bp.post("/<form_id>/assignments")
def assign(form_id: str):
    """Assign the form to a role in an area.
    ---
    post:
      summary: 分配表单 / assign the form to a role within an area
      tags: [forms]
      parameters:
        - {in: path, name: form_id, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: AssignmentLoadSchema
      responses:
        201:
          description: assigned (or already was)
          content:
            application/json:
              schema: AssignmentSchema
        403:
          description: the caller may not assign this form, or not in that area
        422:
          description: unknown role or area
    """
    actor = api_user()
    data = load(AssignmentLoadSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        assignment = service.assign_form(form_id, data["role"], data["area"], actor=actor)
        return jsonify(AssignmentSchema().dump(assignment)), 201


@bp.delete("/<form_id>/assignments")
def unassign(form_id: str):
    """Remove an assignment.
    ---
    delete:
      summary: 取消分配 / remove an assignment
      tags: [forms]
      parameters:
        - {in: path, name: form_id, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: AssignmentLoadSchema
      responses:
        204:
          description: removed
        404:
          description: no such form or assignment
    """
    actor = api_user()
    data = load(AssignmentLoadSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        service.unassign_form(form_id, data["role"], data["area"], actor=actor)
    return "", 204


@bp.get("/<form_id>/versions/<int:version_id>/xform")
def download_xform(form_id: str, version_id: int):
    """The XForm XML of one version.
    ---
    get:
      summary: 下载某个版本的 XForm XML / the XForm of a version
      tags: [forms]
      parameters:
        - {in: path, name: form_id, required: true, schema: {type: string}}
        - {in: path, name: version_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: the XForm bytes (their MD5 is the version's xform_md5)
          content:
            application/xml: {}
        404:
          description: no such form or version
    """
    actor = api_user()
    with unit_of_work():
        version = service.get_version(service.get_form(form_id, actor=actor), version_id)
        data = service.get_xform_bytes(version)
        name = f"{form_id}-{version.version}.xml"
    return send_file(io.BytesIO(data), mimetype="application/xml", as_attachment=True, download_name=name)
