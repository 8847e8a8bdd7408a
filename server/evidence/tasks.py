"""Checking a visit's evidence as a job, queued when a visit is stored.

A session hook notices new ``Submission``, ``SubmissionVersion`` and ``SubmissionAttachment`` rows (a
new visit, an edit, the late attachments of a split upload) and, once that transaction commits (a
rolled-back one queues nothing), queues ``run(submission_id)``: on the RQ queue when REDIS_URL is set —
run by ``zoufang jobs worker`` — else on one worker thread per app, which checks visits one after the
other (so two visits sent together still see each other's photos). ``wait_for_checks(app)`` waits until
that thread has nothing left, for tests and the CLI.
"""
from __future__ import annotations

import logging
import queue
import threading

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from server.db import unit_of_work
from server.submissions.models import Submission, SubmissionAttachment, SubmissionVersion

log = logging.getLogger(__name__)
_PENDING = "evidence_pending"


def run(submission_id: int) -> int:
    """The job (RQ calls it by name): returns how many flags the visit has now."""
    from server.evidence.service import check_submission, missed_reuse

    if not has_app_context():  # an ``rq worker`` process: build the app from the environment
        from server import create_app

        with create_app().app_context():
            return run(submission_id)
    with unit_of_work():
        flags = check_submission(submission_id)
    with unit_of_work():  # a look again now that this visit's prints are committed (see missed_reuse)
        if missed_reuse(submission_id):
            flags = check_submission(submission_id)
    log.info("evidence of submission %s checked: %s flags", submission_id, len(flags))
    return len(flags)


IDLE_SECONDS = 10


class _Worker:
    """One daemon thread per app taking submission ids from a queue; it ends after a while with nothing to do."""

    def __init__(self, app):
        self.app, self.queue = app, queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="evidence-checks", daemon=True)
        self.thread.start()

    def _loop(self):
        while True:
            try:
                submission_id = self.queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with _workers_lock:
                    if self.queue.empty():
                        if _workers.get(id(self.app)) is self:
                            del _workers[id(self.app)]
                        return
                continue
            try:
                with self.app.app_context():
                    run(submission_id)
            except Exception:  # noqa: BLE001 - a thread has no caller to tell; the log does
                log.exception("evidence check of submission %s failed", submission_id)
            finally:
                self.queue.task_done()


_workers: dict[int, _Worker] = {}
_workers_lock = threading.Lock()


def _queue_on_thread(app, submission_ids) -> None:
    with _workers_lock:
        worker = _workers.get(id(app))
        if worker is None or worker.app is not app:
            worker = _workers[id(app)] = _Worker(app)
        for sid in submission_ids:
            worker.queue.put(sid)


def start(app, submission_ids) -> None:
    url = app.config["ZOUFANG"].redis_url
    if url:
        from server.jobs.queue import rq_queue

        q = rq_queue(url)
        for sid in submission_ids:
            q.enqueue("server.evidence.tasks.run", sid)
        return
    _queue_on_thread(app, submission_ids)


def wait_for_checks(app, timeout: float = 30.0) -> bool:
    """Block until this app's check thread has run everything queued so far; False on timeout."""
    with _workers_lock:
        worker = _workers.get(id(app))
    if worker is None or worker.app is not app:
        return True
    done = threading.Event()

    def _join():
        worker.queue.join()
        done.set()

    threading.Thread(target=_join, daemon=True).start()
    return done.wait(timeout)


@event.listens_for(Session, "after_flush")
def _note_new_visits(session: Session, _flush_context) -> None:
    ids = session.info.setdefault(_PENDING, set())
    for obj in session.new:
        if isinstance(obj, Submission):
            ids.add(obj.id)
        elif isinstance(obj, SubmissionVersion):
            ids.add(obj.submission_id)
        elif isinstance(obj, SubmissionAttachment) and obj.version is not None:
            ids.add(obj.version.submission_id)
    ids.discard(None)


@event.listens_for(Session, "after_commit")
def _queue_checks(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if not ids or not has_app_context():
        return
    start(current_app._get_current_object(), sorted(ids))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
