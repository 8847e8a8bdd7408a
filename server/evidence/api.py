"""JSON API for evidence: a visit's flags and the photo gallery."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.evidence import queries
from server.evidence import tasks  # noqa: F401  registers the hook that checks each stored visit
from server.evidence.schemas import EvidenceFlagSchema, GalleryFilterSchema, GalleryPhotoSchema
from server.inputs import load

bp = Blueprint("evidence_api", __name__, url_prefix="/api/v1")


@bp.get("/submissions/<int:submission_id>/flags")
def submission_flags(submission_id: int):
    """A visit's evidence flags.
    ---
    get:
      summary: 一次走访的疑点（定位、时长、照片时间、重复照片）/ a visit's evidence flags
      description: >
        Each flag has a kind, a reason in Chinese and English with the figures, and the photo it is about.
        Only for admins, township staff and supervisors, and only visits in their areas.
      tags: [evidence]
      parameters:
      - in: path
        name: submission_id
        schema: {type: integer}
        required: true
      responses:
        200:
          description: the flags, and whether the checks have run
          content:
            application/json:
              schema:
                type: object
                properties:
                  submission_id: {type: integer}
                  checked_at: {type: string, nullable: true}
                  flags:
                    type: array
                    items: EvidenceFlagSchema
        401:
          description: no valid token
        403:
          description: the caller's role may not view evidence
        404:
          description: no such visit in the caller's areas
    """
    actor = api_user()
    with unit_of_work():
        sub, flags = queries.submission_flags(submission_id, actor=actor)
        return jsonify({"submission_id": sub.id,
                        "checked_at": sub.evidence_checked_at.isoformat() if sub.evidence_checked_at else None,
                        "flags": EvidenceFlagSchema(many=True).dump(flags)})


@bp.get("/photos")
def photos():
    """The photo gallery.
    ---
    get:
      summary: 走访照片（按区划、干部、表单、题目、日期、疑点筛选）/ visit photos, filtered
      description: Photos (not signatures) of the visits the caller may see, newest visit first, each with its flags.
      tags: [evidence]
      parameters:
      - in: query
        schema: GalleryFilterSchema
      responses:
        200:
          description: one page of photos
          content:
            application/json:
              schema:
                type: object
                properties:
                  photos:
                    type: array
                    items: GalleryPhotoSchema
                  total: {type: integer}
                  page: {type: integer}
                  per_page: {type: integer}
        401:
          description: no valid token
        403:
          description: the caller's role may not view evidence, or the area is outside their areas
        404:
          description: no such area
        422:
          description: a filter is invalid
    """
    actor = api_user()
    filters = load(GalleryFilterSchema(), request.args.to_dict())
    with unit_of_work():
        page = queries.gallery(actor=actor, **filters)
        return jsonify({"photos": GalleryPhotoSchema(many=True).dump(page.items), "total": page.total,
                        "page": page.page, "per_page": page.per_page})
