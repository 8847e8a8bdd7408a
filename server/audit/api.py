"""GET /api/v1/audit: the audit log, filtered."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.accounts.schemas import load
from server.audit import service
from server.audit.schemas import AuditEventDumpSchema, AuditQuerySchema
from server.audit.times import utc_naive
from server.db import unit_of_work

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")


@bp.get("/audit")
def list_events():
    """Audit events, newest first.
    ---
    get:
      summary: 审计日志（仅管理员，限其区划）/ audit log (admins, within their areas)
      parameters:
        - {in: query, name: action, schema: {type: string}, description: "action prefix, e.g. login or user.create"}
        - {in: query, name: username, schema: {type: string}, description: "who acted (as typed, for failed logins)"}
        - {in: query, name: since, schema: {type: string, format: date-time}, description: "from (included); no zone means UTC"}
        - {in: query, name: until, schema: {type: string, format: date-time}, description: "to (excluded); no zone means UTC"}
        - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
        - {in: query, name: offset, schema: {type: integer, minimum: 0, default: 0}}
      responses:
        200:
          description: "{events: [...]}"
        401:
          description: no or bad token
        403:
          description: not an admin
        422:
          description: bad filter value
    """
    actor = api_user()
    q = load(AuditQuerySchema(), request.args)
    with unit_of_work():
        events = service.list_events(actor=actor, action=q["action"], username=q["username"],
                                     since=utc_naive(q["since"]) if q["since"] else None,
                                     until=utc_naive(q["until"]) if q["until"] else None,
                                     limit=q["limit"], offset=q["offset"])
        body = {"events": AuditEventDumpSchema(many=True).dump(events)}
    return jsonify(body)
