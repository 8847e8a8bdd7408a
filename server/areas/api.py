"""JSON API for areas: /api/v1/areas."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.areas import importer, service
from server.areas.schemas import (AreaCreateSchema, AreaQuerySchema, AreaSchema, AreaImportFormSchema,
                                  AreaImportReportSchema)
from server.db import unit_of_work
from server.inputs import load, uploaded_file

bp = Blueprint("areas_api", __name__, url_prefix="/api/v1/areas")


@bp.get("")
def list_areas():
    """List areas.
    ---
    get:
      summary: 区划列表（只含当前用户范围内的区划） / areas in the caller's scope, in tree order
      tags: [areas]
      parameters:
        - in: query
          schema: AreaQuerySchema
      responses:
        200:
          description: the areas
          content:
            application/json:
              schema:
                type: object
                properties:
                  areas:
                    type: array
                    items: AreaSchema
        401:
          description: no valid token
        404:
          description: unknown parent
        422:
          description: unknown level
    """
    actor = api_user()
    args = load(AreaQuerySchema(), request.args.to_dict())
    with unit_of_work():
        areas = service.list_areas(actor=actor, level=args["level"], parent=args["parent"])
        return jsonify({"areas": AreaSchema(many=True).dump(areas)})


@bp.get("/<code>")
def get_area(code: str):
    """One area.
    ---
    get:
      summary: 查看一个区划 / one area
      tags: [areas]
      parameters:
        - in: path
          name: code
          required: true
          schema: {type: string}
      responses:
        200:
          description: the area
          content:
            application/json:
              schema: AreaSchema
        404:
          description: no such area in the caller's scope
    """
    with unit_of_work():
        return jsonify(AreaSchema().dump(service.get_area(code, actor=api_user())))


@bp.post("")
def create_area():
    """Create one area.
    ---
    post:
      summary: 新建区划 / create an area
      tags: [areas]
      requestBody:
        required: true
        content:
          application/json:
            schema: AreaCreateSchema
      responses:
        201:
          description: created
          content:
            application/json:
              schema: AreaSchema
        403:
          description: the parent lies outside the caller's scope
        409:
          description: the code exists
        422:
          description: invalid input (unknown level, unknown parent, wrong parent level…)
    """
    actor = api_user()
    data = load(AreaCreateSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        area = service.create_area(data["code"], data["name"], data["level"], data["parent_code"], actor=actor)
        return jsonify(AreaSchema().dump(area)), 201


@bp.post("/import")
def import_areas():
    """Import areas from a table.
    ---
    post:
      summary: 从 XLSX/XLS/CSV 导入区划 / import areas from a spreadsheet
      description: >
        Columns 区划代码, 名称, 层级, 上级代码 (download the template at /areas/template.xlsx).
        CSV may be UTF-8 (with or without BOM) or GBK/GB18030. With dry_run the report is returned and
        nothing is stored (errors are in the report); without it, a file with any error is refused
        with 422 and the per-row errors in error.details, and nothing is stored.
      tags: [areas]
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties:
                file: {type: string, format: binary}
                dry_run: {type: boolean, default: false}
      responses:
        200:
          description: the import report
          content:
            application/json:
              schema: AreaImportReportSchema
        400:
          description: no file, undecodable CSV
        403:
          description: the caller may not manage areas
        413:
          description: file or sheet too large
        415:
          description: not a spreadsheet or CSV
        422:
          description: bad header, or rows with errors (error.details lists row, code, message)
    """
    actor = api_user()
    form = load(AreaImportFormSchema(), request.form.to_dict())
    data, filename = uploaded_file()
    with unit_of_work():
        report = importer.import_areas(data, filename, actor=actor, dry_run=form["dry_run"])
        return jsonify(AreaImportReportSchema().dump(report))
