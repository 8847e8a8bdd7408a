"""Export jobs on the web UI: ask for a book or a cadre's month, watch the progress bar, download."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for

from server.accounts import permissions
from server.accounts.auth import current_user, login_required
from server.db import unit_of_work
from server.inputs import load
from server.jobs.queue import enqueue
from server.jobs.schemas import JobCreateSchema, JobSchema
from server.jobs.service import create_job, get_job, job_file
from server.reports.tasks import KINDS

bp = Blueprint("jobs", __name__)


@bp.get("/reports")
@login_required
def new():
    user = current_user()
    permissions.require(user, "household.view")
    return render_template("jobs/new.html", kinds=KINDS, args=request.args)


@bp.post("/reports/jobs")
@login_required
def create():
    data = load(JobCreateSchema(), request.form.to_dict())
    kind = data.pop("kind")
    with unit_of_work():
        job_id = create_job(kind, data, actor=current_user()).id
    enqueue(job_id)
    return redirect(url_for("jobs.show", job_id=job_id))


@bp.get("/reports/jobs/<int:job_id>")
@login_required
def show(job_id: int):
    with unit_of_work():
        return render_template("jobs/show.html", job=get_job(job_id, actor=current_user()))


@bp.get("/reports/jobs/<int:job_id>.json")
@login_required
def status(job_id: int):
    with unit_of_work():
        return jsonify(JobSchema().dump(get_job(job_id, actor=current_user())))


def file_response(job, path):
    resp = send_file(path, mimetype="application/pdf", as_attachment=True, download_name=job.filename)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(job.filename)}"
    return resp


@bp.get("/reports/jobs/<int:job_id>/download")
@login_required
def download(job_id: int):
    with unit_of_work():
        job, path = job_file(job_id, actor=current_user())
    return file_response(job, path)
