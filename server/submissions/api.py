"""JSON API for submissions: per-form lists with filters, one submission with labelled answers,
the raw XML and the attachments."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.households.entities import resolve_conflict
from server.i18n import select_locale
from server.inputs import load
from server.scoring.service import scores_json
from server.submissions import queries
from server.submissions.files import attachment_response, xml_download
from server.submissions.schemas import (AnswerSchema, EntityConflictSchema, SubmissionDetailSchema,
                                        SubmissionFilterSchema, SubmissionSchema)

bp = Blueprint("submissions_api", __name__, url_prefix="/api/v1")


@bp.get("/forms/<form_id>/submissions")
def list_submissions(form_id: str):
    """Submissions of a form.
    ---
    get:
      summary: 表单的走访记录（按区划、干部、日期、审核状态筛选）/ a form's submissions, filtered
      description: >
        Only what the caller may see: a cadre their own visits; township staff, supervisors and admins the visits
        in their areas. Newest first.
      tags: [submissions]
      parameters:
      - in: path
        name: form_id
        schema: {type: string}
        required: true
      - in: query
        schema: SubmissionFilterSchema
      responses:
        200:
          description: one page of submissions
          content:
            application/json:
              schema:
                type: object
                properties:
                  submissions:
                    type: array
                    items: SubmissionSchema
                  total: {type: integer}
                  page: {type: integer}
                  per_page: {type: integer}
        401:
          description: no valid token
        403:
          description: the caller's role may not view submissions, or the area filter is outside their areas
        404:
          description: no such form or area
        422:
          description: a filter is invalid
    """
    actor = api_user()
    filters = load(SubmissionFilterSchema(), request.args.to_dict())
    with unit_of_work():
        page = queries.list_submissions(form_id, actor=actor, **filters)
        return jsonify({"submissions": SubmissionSchema(many=True).dump(page.items), "total": page.total,
                        "page": page.page, "per_page": page.per_page})


@bp.get("/submissions/<int:submission_id>")
def get_submission(submission_id: int):
    """One submission.
    ---
    get:
      summary: 一条走访记录：标注的答案、附件、历次版本 / one submission with labelled answers, attachments, versions
      description: Answers are labelled in the language of ?lang= (zh by default, en).
      tags: [submissions]
      parameters:
      - in: path
        name: submission_id
        schema: {type: integer}
        required: true
      responses:
        200:
          description: the submission
          content:
            application/json:
              schema: SubmissionDetailSchema
        401:
          description: no valid token
        404:
          description: no such submission, or not one the caller may see
    """
    actor = api_user()
    with unit_of_work():
        sub = queries.get_submission(submission_id, actor=actor)
        data = SubmissionDetailSchema().dump(sub)
        data["answers"] = AnswerSchema(many=True).dump(queries.submission_answers(sub, lang=select_locale()))
        data["scores"], data["score_parameters"] = scores_json(sub, lang=select_locale())
        return jsonify(data)


@bp.get("/submissions/<int:submission_id>/xml")
def get_submission_xml(submission_id: int):
    """The instance XML as received.
    ---
    get:
      summary: 原始 XML（当前版本，或以 instance_id 指定的历史版本）/ the raw XML (current, or ?instance_id=)
      tags: [submissions]
      parameters:
      - in: path
        name: submission_id
        schema: {type: integer}
        required: true
      - in: query
        name: instance_id
        schema: {type: string}
      responses:
        200:
          description: the XML, byte for byte as the phone sent it
          content:
            text/xml: {}
        401:
          description: no valid token
        404:
          description: no such submission or version
    """
    actor = api_user()
    with unit_of_work():
        data = queries.submission_xml(submission_id, actor=actor, instance_id=request.args.get("instance_id"))
    return xml_download(data, submission_id)


@bp.get("/submissions/<int:submission_id>/attachments/<name>")
def get_attachment(submission_id: int, name: str):
    """One attachment.
    ---
    get:
      summary: 附件（照片、签名等）/ an attachment (photo, signature…)
      tags: [submissions]
      parameters:
      - in: path
        name: submission_id
        schema: {type: integer}
        required: true
      - in: path
        name: name
        schema: {type: string}
        required: true
      - in: query
        name: instance_id
        schema: {type: string}
      responses:
        200:
          description: the file
        401:
          description: no valid token
        404:
          description: no such submission or attachment
    """
    actor = api_user()
    with unit_of_work():
        att, stream = queries.open_attachment(submission_id, name, actor=actor,
                                              instance_id=request.args.get("instance_id"))
        return attachment_response(att, stream)


@bp.post("/submissions/<int:submission_id>/entity-conflict")
def resolve_entity_conflict(submission_id: int):
    """Settle an entity conflict.
    ---
    post:
      summary: 处理农户信息冲突（手机上的版本已过时的更新）/ settle a stale entity update
      tags: [submissions]
      parameters:
      - in: path
        name: submission_id
        schema: {type: integer}
        required: true
      requestBody:
        required: true
        content:
          application/json:
            schema: EntityConflictSchema
      responses:
        200:
          description: settled; the submission as it now stands
          content:
            application/json:
              schema: SubmissionSchema
        401:
          description: no valid token
        403:
          description: the caller may not edit this household
        404:
          description: no such submission, or not one the caller may see
        409:
          description: the submission has no entity conflict
        422:
          description: action is not apply or dismiss
    """
    actor = api_user()
    data = load(EntityConflictSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        sub = queries.get_submission(submission_id, actor=actor)
        resolve_conflict(sub, data["action"], actor=actor)
        return jsonify(SubmissionSchema().dump(sub))
