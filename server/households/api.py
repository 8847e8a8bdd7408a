"""JSON API for households: /api/v1/households."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.households.importer import import_households
from server.households.schemas import HouseholdImportFormSchema, HouseholdImportReportSchema
from server.inputs import load, uploaded_file

bp = Blueprint("households_api", __name__, url_prefix="/api/v1/households")


@bp.post("/import")
def import_register():
    """Import households from a register.
    ---
    post:
      summary: 从 XLSX/XLS/CSV 导入农户 / import households from a spreadsheet register
      description: >
        One row per member; rows with the same 户编号 form one household, whose columns are read from its
        户主 row (download the template at /households/import/template.xlsx). CSV may be UTF-8 or GBK/GB18030.
        Existing households (same 户编号) are updated where the file differs, each change logged and the
        household's version bumped; households absent from the file are left alone. With dry_run the report
        is returned and nothing is stored (errors are in the report); without it, a file with any error is
        refused with 422 and the per-row errors in error.details, and nothing is stored.
      tags: [households]
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
              schema: HouseholdImportReportSchema
        400:
          description: no file, undecodable CSV
        401:
          description: no valid token
        403:
          description: the caller may not manage households
        413:
          description: file or sheet too large
        415:
          description: not a spreadsheet or CSV, or a damaged one
        422:
          description: bad header, or rows with errors (error.details lists row, code, message)
    """
    actor = api_user()
    form = load(HouseholdImportFormSchema(), request.form.to_dict())
    data, filename = uploaded_file()
    with unit_of_work():
        report = import_households(data, filename, actor=actor, dry_run=form["dry_run"])
        return jsonify(HouseholdImportReportSchema().dump(report))
