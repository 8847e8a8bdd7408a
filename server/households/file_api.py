"""JSON API for the household file (一户一档), the village register (村有册) and the township book (乡有簿)."""
from __future__ import annotations

import io

from flask import Blueprint, jsonify, request, send_file

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.households.file import household_file
from server.households.file_schemas import HouseholdFileSchema, RegisterMonthSchema, TownshipBookSchema, \
    VillageRegisterSchema
from server.households.register import register_filename, register_xlsx, township_book, village_register
from server.inputs import load

bp = Blueprint("household_files_api", __name__, url_prefix="/api/v1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month() -> dict:
    return load(RegisterMonthSchema(), request.args.to_dict())


@bp.get("/households/<code>")
def get_household_file(code: str):
    """One household's file.
    ---
    get:
      summary: 一户一档：基本情况、家庭成员、户类别变动、帮扶责任人、走访记录、收入 / the household file
      description: >
        ID numbers are masked unless the caller may see them whole (admins). A cadre sees only the households
        assigned to them; anything outside the caller's scope is answered 404. The visit timeline lists every
        visit linked to the household, newest first; ``openable`` says whether the caller may open it.
      tags: [households]
      parameters:
      - in: path
        name: code
        schema: {type: string}
        required: true
        description: 户编号
      responses:
        200:
          description: the file
          content:
            application/json:
              schema: HouseholdFileSchema
        401:
          description: no valid token
        403:
          description: the caller's role may not view households
        404:
          description: no such household, or not one the caller may see
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(HouseholdFileSchema().dump(household_file(code, actor=actor)))


def _area_operation(area: str, result: str, content: str, level: str):
    """Append the parameters and responses the three area routes share to the view's OpenAPI docstring."""
    def decorate(view):
        view.__doc__ = view.__doc__.rstrip() + f"""
      parameters:
      - in: path
        name: code
        schema: {{type: string}}
        required: true
        description: {area}
      - in: query
        schema: RegisterMonthSchema
      responses:
        200:
          description: {result}
          content:
            {content}
        401:
          description: no valid token
        403:
          description: the caller's role may not view households
        404:
          description: no such area, or outside the caller's areas
        422:
          description: the area is not {level}, or the month is malformed
"""
        return view

    return decorate


@bp.get("/areas/<code>/register")
@_area_operation("行政村区划代码", "the register", "application/json: {schema: VillageRegisterSchema}", "a village")
def get_village_register(code: str):
    """A village register.
    ---
    get:
      summary: 村有册：本村每户的户类别、帮扶责任人、最近走访、本月走访次数 / the village register
      description: >
        Every household of the village the caller may see (a cadre only their own), with the visits of one
        calendar month in China time (?month=YYYY-MM, this month by default). No ID numbers.
      tags: [households]
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(VillageRegisterSchema().dump(village_register(code, actor=actor, **_month())))


@bp.get("/areas/<code>/register.xlsx")
@_area_operation("行政村区划代码", "the workbook", f"{XLSX}: {{}}", "a village")
def get_village_register_xlsx(code: str):
    """A village register as a spreadsheet.
    ---
    get:
      summary: 村有册 Excel 下载（不含身份证号）/ the village register as .xlsx (no ID numbers)
      tags: [households]
    """
    actor = api_user()
    with unit_of_work():
        register = village_register(code, actor=actor, **_month())
        data, name = register_xlsx(register), register_filename(register)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/areas/<code>/book")
@_area_operation("乡镇（或县）区划代码", "the book", "application/json: {schema: TownshipBookSchema}",
                 "a township or county")
def get_township_book(code: str):
    """A township book.
    ---
    get:
      summary: 乡有簿：各村按户类别的户数、本月走访户数和次数、从未走访户数 / the township book
      description: >
        Per village of a township (or of the county): households by category, households visited and visits in
        the month (?month=YYYY-MM, China time), households never visited; totals. A cadre's book counts only
        their own households.
      tags: [households]
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(TownshipBookSchema().dump(township_book(code, actor=actor, **_month())))
