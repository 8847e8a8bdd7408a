"""The job entry point both runners call, by ID: inside an app context when there is one (the in-process
thread, a test's SimpleWorker), else in an app built from the environment (an ``rq worker`` process)."""
from __future__ import annotations

from flask import has_app_context


def run(job_id: int) -> None:
    from server.jobs.service import run_job

    if has_app_context():
        run_job(job_id)
        return
    from server import create_app

    with create_app().app_context():
        run_job(job_id)
