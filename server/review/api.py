"""JSON API for reviewing visits: one state, a bulk state, a visit's review history, spot-check samples."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.inputs import load
from server.review import sampling, service
from server.review.schemas import (BulkReviewInSchema, ReviewEventSchema, ReviewInSchema, ReviewStateSchema,
                                   SampleDetailSchema, SampleInSchema, SampleSchema)
from server.submissions import queries

bp = Blueprint("review_api", __name__, url_prefix="/api/v1")


def _review_json(sub, actor) -> dict:
    data = ReviewStateSchema().dump(sub)
    data["history"] = ReviewEventSchema(many=True).dump(service.history(sub.id, actor=actor))
    return data


def _sample_json(sample) -> dict:
    data = SampleDetailSchema().dump(sample)
    counts = sampling.flag_counts(i.submission_id for i in sample.items)
    for item in data["items"]:
        item["flags"] = counts.get(item["submission_id"], 0)
    data["reviewed"] = sampling.reviewed_count(sample.id)
    return data


@bp.get("/submissions/<int:submission_id>/review")
def get_review(submission_id: int):
    """A visit's review state and history.
    ---
    get:
      summary: 走访记录的审核状态和审核历史 / a visit's review state and full history
      description: Whoever may see the visit may read its history (a cadre their own visits), oldest first.
      tags: [review]
      parameters:
      - {in: path, name: submission_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: the state and history
          content:
            application/json:
              schema:
                allOf:
                - ReviewStateSchema
                - type: object
                  properties:
                    history: {type: array, items: ReviewEventSchema}
        401:
          description: no valid token
        404:
          description: no such visit, or not one the caller may see
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(_review_json(queries.get_submission(submission_id, actor=actor), actor))


@bp.post("/submissions/<int:submission_id>/review")
def set_review(submission_id: int):
    """Set a visit's review state.
    ---
    post:
      summary: 审核一条走访记录 / set a visit's review state
      description: >
        Supervisors and admins, inside their areas. has_issues and rejected need a comment (the cadre sees it).
        With sample_id the visit counts as reviewed in that spot-check sample. Recorded in the history and the
        audit log.
      tags: [review]
      parameters:
      - {in: path, name: submission_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: ReviewInSchema
      responses:
        200:
          description: the visit's state and history after the change
          content:
            application/json:
              schema: ReviewStateSchema
        401:
          description: no valid token
        403:
          description: the caller may not review visits (e.g. a cadre)
        404:
          description: no such visit among those the caller may see, or it is not in the sample
        422:
          description: unknown state, missing comment, comment too long
    """
    actor = api_user()
    data = load(ReviewInSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        sub = service.set_state(submission_id, data["state"], actor=actor, comment=data["comment"],
                                sample_id=data["sample_id"])
        return jsonify(_review_json(sub, actor))


@bp.post("/submissions/review")
def bulk_review():
    """Set the review state of several visits at once.
    ---
    post:
      summary: 批量审核走访记录（全部成功或全部不改）/ set the state of several visits, all or nothing
      tags: [review]
      requestBody:
        required: true
        content:
          application/json:
            schema: BulkReviewInSchema
      responses:
        200:
          description: the visits' states after the change
          content:
            application/json:
              schema:
                type: object
                properties:
                  submissions: {type: array, items: ReviewStateSchema}
        401:
          description: no valid token
        403:
          description: the caller may not review visits
        404:
          description: one of the visits does not exist or is outside the caller's areas (nothing was changed)
        422:
          description: unknown state, missing comment, no ids or too many
    """
    actor = api_user()
    data = load(BulkReviewInSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        subs = service.bulk_set_state(data["ids"], data["state"], actor=actor, comment=data["comment"])
        return jsonify({"submissions": ReviewStateSchema(many=True).dump(subs)})


@bp.get("/review/samples")
def list_samples():
    """Spot-check samples.
    ---
    get:
      summary: 抽查样本（本人范围内，最新在前）/ spot-check samples drawn in the caller's areas, newest first
      tags: [review]
      responses:
        200:
          description: the samples
          content:
            application/json:
              schema:
                type: object
                properties:
                  samples: {type: array, items: SampleSchema}
        401:
          description: no valid token
        403:
          description: the caller may not review visits
    """
    actor = api_user()
    with unit_of_work():
        return jsonify({"samples": SampleSchema(many=True).dump(sampling.list_samples(actor=actor))})


@bp.post("/review/samples")
def draw_sample():
    """Draw a spot-check sample.
    ---
    post:
      summary: 抽取抽查样本 / draw a spot-check sample
      description: >
        From the visits the caller may see in the area (and below) received on since..until (China time), not
        already rejected: ceil(percent %) per village, then topped up to min_per_cadre per cadre (all they have
        when fewer). The seed is generated when not given and recorded: the same parameters and seed over the
        same visits give the same items in the same order. Recorded in the audit log.
      tags: [review]
      requestBody:
        required: true
        content:
          application/json:
            schema: SampleInSchema
      responses:
        201:
          description: the sample with its items in queue order
          content:
            application/json:
              schema: SampleDetailSchema
        401:
          description: no valid token
        403:
          description: the caller may not review visits, or the area is outside their areas
        404:
          description: no such area or form
        422:
          description: bad percent, dates, minimum per cadre or seed, or no visits to sample
    """
    actor = api_user()
    data = load(SampleInSchema(), request.get_json(silent=True) or {})
    with unit_of_work():
        sample = sampling.draw_sample(actor=actor, area_code=data["area"], since=data["since"],
                                      until=data["until"], percent=data["percent"],
                                      min_per_cadre=data["min_per_cadre"], form=data["form"], seed=data["seed"],
                                      note=data["note"])
        return jsonify(_sample_json(sample)), 201


@bp.get("/review/samples/<int:sample_id>")
def get_sample(sample_id: int):
    """One spot-check sample with its items.
    ---
    get:
      summary: 一个抽查样本及其各条（队列顺序、审核状态、疑点数）/ one sample with its items
      tags: [review]
      parameters:
      - {in: path, name: sample_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: the sample
          content:
            application/json:
              schema: SampleDetailSchema
        401:
          description: no valid token
        403:
          description: the caller may not review visits
        404:
          description: no such sample in the caller's areas
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(_sample_json(sampling.get_sample(sample_id, actor=actor)))
