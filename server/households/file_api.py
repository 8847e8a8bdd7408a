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


@bp.get("/areas/<code>/register")
def get_village_register(code: str):
    """A village register.
    ---
    get:
      summary: 村有册：本村每户的户类别、帮扶责任人、最近走访、本月走访次数 / the village register
      description: >
        Every household of the village the caller may see (a cadre only their own), with the visits of one
        calendar month in China time (?month=YYYY-MM, this month by default). No ID numbers.
      tags: [households]
      parameters:
      - in: path
        name: code
        schema: {type: string}
        required: true
        description: 行政村区划代码
      - in: query
        schema: RegisterMonthSchema
      responses:
        200:
          description: the register
          content:
            application/json:
              schema: VillageRegisterSchema
        401:
          description: no valid token
        403:
          description: the caller's role may not view households
        404:
          description: no such area, or outside the caller's areas
        422:
          description: the area is not a village, or the month is malformed
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(VillageRegisterSchema().dump(village_register(code, actor=actor, **_month())))


@bp.get("/areas/<code>/register.xlsx")
def get_village_register_xlsx(code: str):
    """A village register as a spreadsheet.
    ---
    get:
      summary: 村有册 Excel 下载（不含身份证号）/ the village register as .xlsx (no ID numbers)
      tags: [households]
      parameters:
      - in: path
        name: code
        schema: {type: string}
        required: true
        description: 行政村区划代码
      - in: query
        schema: RegisterMonthSchema
      responses:
        200:
          description: the workbook
          content:
            application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {}
        401:
          description: no valid token
        403:
          description: the caller's role may not view households
        404:
          description: no such area, or outside the caller's areas
        422:
          description: the area is not a village, or the month is malformed
    """
    actor = api_user()
    with unit_of_work():
        register = village_register(code, actor=actor, **_month())
        data, name = register_xlsx(register), register_filename(register)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/areas/<code>/book")
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
      parameters:
      - in: path
        name: code
        schema: {type: string}
        required: true
        description: 乡镇（或县）区划代码
      - in: query
        schema: RegisterMonthSchema
      responses:
        200:
          description: the book
          content:
            application/json:
              schema: TownshipBookSchema
        401:
          description: no valid token
        403:
          description: the caller's role may not view households
        404:
          description: no such area, or outside the caller's areas
        422:
          description: the area is not a township or county, or the month is malformed
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(TownshipBookSchema().dump(township_book(code, actor=actor, **_month())))
