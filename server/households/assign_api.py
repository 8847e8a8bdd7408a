"""JSON API: assign cadres to households in bulk — /api/v1/households/assignments."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.areas.service import get_area
from server.db import unit_of_work
from server.households.assign_schemas import AssignmentRequestSchema
from server.households.assignments import assign_households
from server.inputs import load

bp = Blueprint("household_assign_api", __name__, url_prefix="/api/v1/households")


@bp.post("/assignments")
def assign():
    """Assign a cadre to households.
    ---
    post:
      summary: 批量分配帮扶干部（按村或按户编号）/ assign a cadre to households in bulk
      description: >
        add: the cadre becomes one more helper; replace: the current helpers' assignments end today (kept in the
        history) and the cadre becomes the only helper; remove: the cadre's assignment ends. The cadre's phone
        receives the new households.csv at its next refresh.
      tags: [households]
      requestBody:
        required: true
        content:
          application/json:
            schema: AssignmentRequestSchema
      responses:
        200:
          description: how many households changed
          content:
            application/json:
              schema:
                type: object
                properties:
                  changed: {type: integer}
        401:
          description: no valid token
        403:
          description: a household lies outside the caller's areas, or the caller may not assign
        404:
          description: unknown cadre, village or household code (all unknown codes are listed)
        422:
          description: invalid input, or the cadre does not work in the households' village
    """
    actor = api_user()
    data = load(AssignmentRequestSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        village = get_area(data["village"], actor=actor) if data["village"] else None
        changed = assign_households(data["cadre"], actor=actor, codes=data["codes"], village=village,
                                    mode=data["mode"])
    return jsonify({"changed": changed})
