"""Jobs: create (validated, owned by the actor), read (only its owner), run (by ID), clean old exports.

``run_job`` is what both runners call: the in-process thread and an RQ worker. It commits the status and
progress as it goes (a page polls them), writes the file into the exports folder and records it. Files
older than the retention period (``ZOUFANG_EXPORT_RETENTION_DAYS``, default 7) are deleted whenever a job
starts, and their rows marked expired.
"""
from __future__ import annotations

import logging
import os
import re
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from server.accounts import permissions
from server.accounts.models import User
from server.config import ConfigError
from server.db import get_session, utcnow
from server.errors import DomainError, NotFound
from server.jobs.models import Job
from server.reports import tasks

log = logging.getLogger(__name__)
DEFAULT_RETENTION_DAYS = 7


def retention_days() -> int:
    cfg = current_app.config["ZOUFANG"]
    value = cfg.extra.get("export_retention_days", os.environ.get("ZOUFANG_EXPORT_RETENTION_DAYS"))
    if value in (None, ""):
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"ZOUFANG_EXPORT_RETENTION_DAYS 必须是整数 / must be an integer, got {value!r}") from None
    return max(days, 0)


def exports_dir() -> Path:
    path = Path(current_app.config["ZOUFANG"].exports_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def create_job(kind: str, params: dict, *, actor) -> Job:
    clean = tasks.check(kind, params, actor)
    job = Job(kind=kind, params=clean, user_id=None if actor is permissions.SYSTEM else actor.id,
              status="queued", progress=0, message=tasks.describe(kind, clean))
    get_session().add(job)
    get_session().flush()
    return job


def get_job(job_id: int, *, actor) -> Job:
    job = get_session().get(Job, job_id)
    if job is None or (actor is not permissions.SYSTEM and job.user_id != actor.id):
        raise NotFound(f"找不到导出任务：{job_id}", f"Job not found: {job_id}", code="job_not_found")
    return job


def job_file(job_id: int, *, actor) -> tuple[Job, Path]:
    job = get_job(job_id, actor=actor)
    path = exports_dir() / (job.path or "")
    if job.status != "done" or not job.path or not path.is_file():
        raise NotFound("文件尚未生成或已过期删除", "The file is not ready or has expired", code="export_not_ready")
    return job, path


def cleanup_exports(now=None) -> int:
    """Delete export files (and mark their jobs) older than the retention period; the parts cache too."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days())
    session = get_session()
    removed = 0
    for job in session.scalars(select(Job).where(Job.status == "done", Job.created_at < cutoff)):
        if job.path:
            (exports_dir() / job.path).unlink(missing_ok=True)
        job.status, job.path = "expired", None
        removed += 1
    parts = exports_dir() / ".parts"
    if parts.is_dir():
        for f in parts.glob("*.pdf"):
            if f.stat().st_mtime < cutoff.timestamp():
                f.unlink(missing_ok=True)
    session.commit()
    return removed


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", name)[:120]


def _actor(job: Job):
    return permissions.SYSTEM if job.user_id is None else get_session().get(User, job.user_id)


def run_job(job_id: int) -> None:
    """Run one job to the end, committing status and progress as it goes; never raises for a domain error."""
    session = get_session()
    cleanup_exports()
    job = session.get(Job, job_id)
    if job is None or job.status not in ("queued", "running"):
        return
    job.status, job.progress = "running", 0
    session.commit()

    def progress(value: int) -> None:
        session.execute(Job.__table__.update().where(Job.id == job_id).values(progress=min(max(value, 0), 100)))
        session.commit()

    try:
        name, data = tasks.build(job.kind, dict(job.params), _actor(job), exports_dir() / ".parts", progress)
        stored = f"{job_id}-{_safe(name)}"
        (exports_dir() / stored).write_bytes(data)
        job = session.get(Job, job_id)
        job.status, job.progress, job.filename, job.path = "done", 100, name, stored
    except DomainError as exc:
        session.rollback()
        job = session.get(Job, job_id)
        job.status, job.message = "failed", exc.message
    except Exception as exc:  # an unexpected failure is recorded, logged and re-raised for the worker's log
        session.rollback()
        log.exception("job %s failed", job_id)
        job = session.get(Job, job_id)
        job.status, job.message = "failed", f"内部错误：{type(exc).__name__}"
        job.finished_at = utcnow()
        session.commit()
        raise
    job.finished_at = utcnow()
    session.commit()
