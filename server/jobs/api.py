"""Export jobs over the JSON API: create, poll, download."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts.auth import api_user
from server.db import unit_of_work
from server.inputs import load
from server.jobs.queue import enqueue
from server.jobs.schemas import JobCreateSchema, JobSchema
from server.jobs.service import create_job, get_job, job_file
from server.jobs.views import file_response

bp = Blueprint("jobs_api", __name__, url_prefix="/api/v1")


@bp.post("/report-jobs")
def post_job():
    """Start an export job.
    ---
    post:
      summary: 导出任务：村有册 / 乡有簿合订本，干部月度走访记录 / start a PDF export bigger than one household
      description: >
        Runs on the Redis queue when the server has REDIS_URL, in the server process otherwise. Poll the
        job, then download its file. Only households the caller may see are included.
      tags: [reports]
      requestBody:
        content:
          application/json:
            schema: JobCreateSchema
      responses:
        202:
          description: the job, queued
          content:
            application/json:
              schema: JobSchema
        401:
          description: no valid token
        403:
          description: the caller's role may not view households
        404:
          description: no such area or cadre, or outside the caller's scope
        422:
          description: unknown kind, wrong area level or malformed month
    """
    actor = api_user()
    data = load(JobCreateSchema(), request.get_json(silent=True) or {})
    kind = data.pop("kind")
    with unit_of_work():
        job = create_job(kind, data, actor=actor)
        body = JobSchema().dump(job)
    enqueue(body["id"])
    return jsonify(body), 202


@bp.get("/report-jobs/<int:job_id>")
def get_job_status(job_id: int):
    """An export job's status and progress.
    ---
    get:
      summary: 导出任务进度 / a job's status and progress (0–100)
      tags: [reports]
      parameters:
      - in: path
        name: job_id
        schema: {type: integer}
        required: true
      responses:
        200:
          description: the job
          content:
            application/json:
              schema: JobSchema
        401:
          description: no valid token
        404:
          description: no such job, or another user's
    """
    actor = api_user()
    with unit_of_work():
        return jsonify(JobSchema().dump(get_job(job_id, actor=actor)))


@bp.get("/report-jobs/<int:job_id>/file")
def get_job_file(job_id: int):
    """An export job's PDF.
    ---
    get:
      summary: 下载导出文件 / download the job's PDF once done
      tags: [reports]
      parameters:
      - in: path
        name: job_id
        schema: {type: integer}
        required: true
      responses:
        200:
          description: the PDF
          content:
            application/pdf:
              schema: {type: string, format: binary}
        401:
          description: no valid token
        404:
          description: no such job, another user's, not done yet, or expired
    """
    actor = api_user()
    with unit_of_work():
        job, path = job_file(job_id, actor=actor)
    return file_response(job, path)
