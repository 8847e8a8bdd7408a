"""Where a job runs: on the RQ queue when REDIS_URL is set, else in a thread of this process.

Both call ``server.jobs.tasks.run(job_id)``. Enqueue after the job row is committed.
"""
from __future__ import annotations

import threading

from flask import current_app

QUEUE_NAME = "zoufang-reports"
JOB_TIMEOUT = 4 * 3600  # a county book can take a while


def rq_queue(redis_url: str):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))


def enqueue(job_id: int):
    """Start job ``job_id``; returns the RQ job or the thread."""
    app = current_app._get_current_object()
    url = app.config["ZOUFANG"].redis_url
    if url:
        return rq_queue(url).enqueue("server.jobs.tasks.run", job_id, job_timeout=JOB_TIMEOUT)
    thread = threading.Thread(target=_in_app, args=(app, job_id), name=f"job-{job_id}", daemon=True)
    thread.start()
    return thread


def _in_app(app, job_id: int) -> None:
    from server.jobs.tasks import run

    with app.app_context():
        run(job_id)
