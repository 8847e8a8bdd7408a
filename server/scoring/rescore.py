"""Re-scoring after a poverty line changes, as a job.

``schedule_rescore(area, year)`` queues the work once the transaction that changed the line commits (a
rolled-back change queues nothing): on the RQ queue when REDIS_URL is set — durable in Redis, run by
``zoufang jobs worker`` — else on a thread of this process. The job re-scores the results of that area
subtree and year only (``service.recompute``) in its own unit of work.
"""
from __future__ import annotations

import logging
import threading

from flask import current_app, has_app_context
from sqlalchemy import event

from server.db import get_session, unit_of_work

log = logging.getLogger(__name__)


def run(area_id: int, year: int) -> int:
    """The job (RQ calls it by name): returns how many results were re-scored."""
    from server.scoring.service import recompute

    if not has_app_context():  # an ``rq worker`` process: build the app from the environment
        from server import create_app

        with create_app().app_context():
            return run(area_id, year)
    with unit_of_work():
        count = recompute(area=area_id, year=year)
    log.info("re-scored %s results for area %s, %s", count, area_id, year)
    return count


def _in_app(app, area_id: int, year: int) -> None:
    with app.app_context():
        try:
            run(area_id, year)
        except Exception:  # noqa: BLE001 - a thread has no caller to tell; the log does
            log.exception("re-scoring area %s, %s failed", area_id, year)


def start(app, area_id: int, year: int):
    """Queue the job now; returns the RQ job or the thread."""
    url = app.config["ZOUFANG"].redis_url
    if url:
        from server.jobs.queue import rq_queue

        return rq_queue(url).enqueue("server.scoring.rescore.run", area_id, year)
    thread = threading.Thread(target=_in_app, args=(app, area_id, year), name=f"rescore-{area_id}-{year}",
                              daemon=True)
    thread.start()
    return thread


def schedule_rescore(area, year: int) -> None:
    """Queue re-scoring of ``area``'s subtree for ``year`` when the current transaction commits."""
    app, area_id = current_app._get_current_object(), area.id

    @event.listens_for(get_session(), "after_commit", once=True)
    def _after_commit(_session):
        start(app, area_id, year)
