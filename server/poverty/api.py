"""JSON API: poverty lines — /api/v1/poverty-lines."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.inputs import load
from server.poverty.schemas import PovertyLineInSchema, PovertyLineOutSchema
from server.poverty.service import check_year, delete_line, list_lines, set_line

bp = Blueprint("poverty_api", __name__, url_prefix="/api/v1/poverty-lines")


@bp.get("")
def list_():
    """List poverty lines.
    ---
    get:
      summary: 贫困线列表（本人区划及其上级区划）/ poverty lines of the caller's areas and the areas above
      tags: [poverty]
      parameters:
        - {in: query, name: year, schema: {type: integer}, description: 只列该年度 / only this year}
      responses:
        200:
          description: the lines, newest year first
          content:
            application/json:
              schema:
                type: object
                properties:
                  lines: {type: array, items: PovertyLineOutSchema}
        401:
          description: no valid token
        403:
          description: the caller may not view poverty lines
        422:
          description: invalid year
    """
    actor = api_user()
    year = request.args.get("year")
    with unit_of_work():
        lines = list_lines(actor=actor, year=check_year(year) if year else None)
        return jsonify({"lines": PovertyLineOutSchema(many=True).dump(lines)})


@bp.post("")
def set_():
    """Set the poverty line of an area for a year.
    ---
    post:
      summary: 设定或修改某区划某年度的贫困线 / set or change an area's line for a year
      description: >
        The line applying to a household is that of the most specific area containing it. Setting or changing a
        line re-scores the households under the area for that year.
      tags: [poverty]
      requestBody:
        required: true
        content:
          application/json:
            schema: PovertyLineInSchema
      responses:
        200:
          description: the line as stored
          content:
            application/json:
              schema: PovertyLineOutSchema
        401:
          description: no valid token
        403:
          description: the area lies outside the caller's areas, or the caller may not set lines
        404:
          description: unknown area
        422:
          description: invalid year (2000–2100) or amount (above 0, below 100000)
    """
    actor = api_user()
    data = load(PovertyLineInSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        line = set_line(data["area"], data["year"], data["amount"], data["note"], actor=actor)
        return jsonify(PovertyLineOutSchema().dump(line))


@bp.delete("/<int:line_id>")
def delete(line_id: int):
    """Delete a poverty line.
    ---
    delete:
      summary: 删除一条贫困线 / delete a poverty line
      tags: [poverty]
      parameters:
        - {in: path, name: line_id, required: true, schema: {type: integer}}
      responses:
        204:
          description: deleted
        401:
          description: no valid token
        403:
          description: the caller may not set lines for that area
        404:
          description: no such line among those the caller may see
    """
    actor = api_user()
    with unit_of_work():
        delete_line(line_id, actor=actor)
    return "", 204
