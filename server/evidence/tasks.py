"""Checking a visit's evidence as a job, queued when a visit is stored.

A session hook notices new ``Submission``, ``SubmissionVersion`` and ``SubmissionAttachment`` rows (a
new visit, an edit, the late attachments of a split upload) and, once that transaction commits (a
rolled-back one queues nothing), queues ``run(submission_id)``: on the RQ queue when REDIS_URL is set —
run by ``zoufang jobs worker`` — else on one worker thread per app, which checks visits in batches, one
transaction each (two visits sent together still see each other's photos), and yields to incoming visits:
it waits for a quiet moment in this process (see ``_Worker``), so a burst of submissions is received at
full speed and checked right after. Visits a restart left unchecked are queued again when the thread
starts (``recover``). ``wait_for_checks(app)`` waits until that thread has nothing left, for tests and
the CLI.
"""
from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from server.db import get_session, unit_of_work, utcnow
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


IDLE_SECONDS = 10  # the thread ends after this long with nothing queued
# Checks yield to incoming visits: a batch starts once this process has had no request for QUIET_SECONDS,
# or when the backlog passes MAX_BACKLOG, or when the oldest queued visit has waited MAX_WAIT_SECONDS.
QUIET_SECONDS = 0.25
MAX_BACKLOG = 20000
MAX_WAIT_SECONDS = 1800
BATCH = 10  # visits checked in one transaction (one commit, one fsync; SQLite's write lock held that long)
RECOVER_DAYS = 30

_last_request = [0.0]


def note_request() -> None:
    """Called before every request of this process (see views.py): the checks wait for a quiet moment."""
    _last_request[0] = time.monotonic()


_recovered: set[int] = set()


def note_request_and_recover() -> None:
    """Before every request: note it, and the first time in this process, queue the visits a restart left
    unchecked (tests start none: their apps have testing set; they call ``recover`` themselves)."""
    note_request()
    app = current_app._get_current_object()
    if id(app) in _recovered:
        return
    _recovered.add(id(app))
    if not app.testing:
        threading.Thread(target=recover, args=(app,), name="evidence-recover", daemon=True).start()


def recover(app, days: int = RECOVER_DAYS) -> int:
    """Queue the visits of the last ``days`` whose checks never ran (the server stopped first); returns how many."""
    from server.evidence.service import submissions_to_check

    try:
        with app.app_context():
            ids = submissions_to_check(since=utcnow() - timedelta(days=days), only_unchecked=True)
            get_session().rollback()
    except Exception:  # noqa: BLE001 - e.g. a database not yet migrated; the CLI backfill remains
        log.exception("could not look for unchecked visits")
        return 0
    if ids:
        start(app, ids)
    return len(ids)


def _busy() -> bool:
    return time.monotonic() - _last_request[0] < QUIET_SECONDS


def run_batch(submission_ids: list[int]) -> None:
    """Check several visits in one transaction (the thread's unit of work), then look again after commit;
    a batch that fails is retried one visit at a time so one bad visit does not hold back the others."""
    from server.evidence.service import check_submission, missed_reuse

    try:
        with unit_of_work():
            for sid in submission_ids:
                check_submission(sid)
        with unit_of_work():
            for sid in submission_ids:
                if missed_reuse(sid):
                    check_submission(sid)
    except Exception:  # noqa: BLE001 - fall back to one by one, each logged on its own
        log.warning("evidence batch of %s visits failed; checking them one by one", len(submission_ids))
        for sid in submission_ids:
            try:
                run(sid)
            except Exception:  # noqa: BLE001 - a thread has no caller to tell; the log does
                log.exception("evidence check of submission %s failed", sid)


class _Worker:
    """One daemon thread per app taking submission ids from a queue in batches; it ends after a while with
    nothing to do."""

    def __init__(self, app):
        self.app, self.queue = app, queue.Queue()
        self.oldest: float | None = None
        self.thread = threading.Thread(target=self._loop, name="evidence-checks", daemon=True)
        self.thread.start()

    def _wait_for_quiet(self, since: float) -> None:
        while _busy() and self.queue.qsize() < MAX_BACKLOG and time.monotonic() - since < MAX_WAIT_SECONDS:
            time.sleep(QUIET_SECONDS / 2)

    def _loop(self):
        while True:
            try:
                first = self.queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with _workers_lock:
                    if self.queue.empty():
                        if _workers.get(id(self.app)) is self:
                            del _workers[id(self.app)]
                        return
                continue
            self._wait_for_quiet(time.monotonic())
            batch = [first]
            while len(batch) < BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            try:
                with self.app.app_context():
                    run_batch(list(dict.fromkeys(batch)))
            finally:
                for _ in batch:
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


def checked_here(session: Session, submission_ids) -> None:
    """These visits were checked in this transaction already (the demo loader): do not queue them again."""
    pending = session.info.get(_PENDING)
    if pending:
        pending.difference_update(submission_ids)


@atexit.register
def _drain_at_exit() -> None:
    """A command (``zoufang demo``, ``evidence check``) that queued checks lets them finish before the
    interpreter goes: a daemon thread cut off inside image decoding can abort the whole process."""
    with _workers_lock:
        apps = [w.app for w in _workers.values()]
    for app in apps:
        wait_for_checks(app, timeout=120)


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
