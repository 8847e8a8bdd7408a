"""JSON API: the problem ledger — /api/v1/ledger."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.inputs import load
from server.ledger.schemas import LedgerFilterSchema, LedgerItemDetailSchema, LedgerItemOutSchema, TransitionInSchema
from server.ledger.service import get_item, list_items, overdue_summary, transition

bp = Blueprint("ledger_api", __name__, url_prefix="/api/v1/ledger")


@bp.get("")
def list_():
    """List ledger items.
    ---
    get:
      summary: 问题台账（按区划、帮扶干部、状态、是否逾期筛选）/ problem ledger items, filtered
      description: Only items of households the caller may see (a cadre sees only their assigned households).
      tags: [ledger]
      parameters:
        - {in: query, name: area, schema: {type: string}, description: 区划代码 / area code}
        - {in: query, name: cadre, schema: {type: string}, description: 帮扶干部用户名 / cadre username}
        - {in: query, name: state, schema: {type: string, enum: [open, in_progress, fixed, verified]}}
        - {in: query, name: overdue, schema: {type: boolean}, description: 只列逾期未整改 / overdue only}
      responses:
        200:
          description: the items, earliest deadline first
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: LedgerItemOutSchema}
        401:
          description: no valid token
        403:
          description: the caller may not view the ledger
        404:
          description: unknown area or cadre
        422:
          description: invalid filter
    """
    actor = api_user()
    filters = load(LedgerFilterSchema(), request.args.to_dict())
    with unit_of_work():
        return jsonify({"items": LedgerItemOutSchema(many=True).dump(list_items(actor=actor, **filters))})


@bp.get("/overdue")
def overdue():
    """Overdue items per village and per cadre.
    ---
    get:
      summary: 逾期未整改问题数（按村、按帮扶干部）/ overdue items counted per village and per cadre
      tags: [ledger]
      responses:
        200:
          description: counts
          content:
            application/json:
              schema:
                type: object
                properties:
                  villages:
                    type: array
                    items: {type: object, properties: {code: {type: string}, name: {type: string}, count: {type: integer}}}
                  cadres:
                    type: array
                    items: {type: object, properties: {username: {type: string}, display_name: {type: string}, count: {type: integer}}}
        401:
          description: no valid token
        403:
          description: the caller may not view the ledger
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(overdue_summary(actor=actor))


@bp.get("/<int:item_id>")
def get(item_id: int):
    """One ledger item with its history.
    ---
    get:
      summary: 一个问题及其处理记录 / one item and its history
      tags: [ledger]
      parameters:
        - {in: path, name: item_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: the item
          content:
            application/json:
              schema: LedgerItemDetailSchema
        401:
          description: no valid token
        404:
          description: no such item among those the caller may see
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(LedgerItemDetailSchema().dump(get_item(item_id, actor=actor)))


@bp.post("/<int:item_id>/transition")
def move(item_id: int):
    """Move a ledger item to another state.
    ---
    post:
      summary: 更新问题状态 / move an item (in_progress, fixed, verified, or reopen)
      description: >
        The household's cadre may set in_progress and fixed; fixed needs evidence (a note, or the id of a later
        visit to the household). Township staff may also verify (销号) a fixed item or reopen one (with a note).
      tags: [ledger]
      parameters:
        - {in: path, name: item_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: TransitionInSchema
      responses:
        200:
          description: the item after the move
          content:
            application/json:
              schema: LedgerItemDetailSchema
        401:
          description: no valid token
        403:
          description: the caller may not make this move
        404:
          description: no such item among those the caller may see
        409:
          description: the move is not possible from the item's state
        422:
          description: invalid input, missing evidence or reason, or the evidence is not a later visit
    """
    actor = api_user()
    data = load(TransitionInSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        item = transition(item_id, data["to"], data["note"], data["evidence_submission_id"], actor=actor)
        return jsonify(LedgerItemDetailSchema().dump(item))
