"""Crash: submissions from several clients while gunicorn's master and workers are SIGKILLed (the
whole process group, mid-request) every few seconds and restarted. Clients behave like Collect:
a connection error, timeout or 5xx → send the same instance bytes again, until 201/202.

    .venv/bin/python bench/crash.py [--kills 5] [--clients 8] [--db sqlite|postgres] [--ref HEAD]

Afterwards every acknowledged instanceID must be in the database as a submission, with the instance
XML and each attachment row present and their blob files holding bytes with the right sha256.
Prints sent, acknowledged, retries, kills, stored, missing; exits 1 when anything is missing (or a
submission was refused or never acknowledged).
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import random
import sys
import threading
import time
from dataclasses import dataclass

from common import (FAILURE_SAMPLES, SUCCESS, Deployment, SubmissionFactory, log, post, use_ref)

GIVE_UP_AFTER = 180  # seconds of retrying one submission
POST_TIMEOUT = 30


@dataclass
class Expected:
    xml_sha256: str
    attachments: dict[str, str]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.retries = self.gave_up = 0
        self.acked: dict[str, Expected] = {}
        self.refused: dict[int, int] = {}
        self.statuses: dict[str, int] = {}

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


def client(dep: Deployment, factory: SubmissionFactory, counter, tally: Tally, stop: threading.Event) -> None:
    rnd = random.Random()
    while not stop.is_set():
        with tally.lock:
            i = next(counter)
        sub = factory.build(i)
        tally.add(sent=1)
        give_up_at = time.monotonic() + GIVE_UP_AFTER
        while True:
            try:
                status = post(dep.port, dep.submission_path, sub.content_type, sub.body, timeout=POST_TIMEOUT)
                key = str(status)
            except (OSError, http.client.HTTPException) as exc:
                status, key = None, type(exc).__name__
            with tally.lock:
                tally.statuses[key] = tally.statuses.get(key, 0) + 1
            if status in SUCCESS:
                with tally.lock:
                    tally.acked[sub.instance_id] = Expected(sub.xml_sha256, dict(sub.attachments))
                break
            if status is not None and status < 500:
                with tally.lock:
                    tally.refused[status] = tally.refused.get(status, 0) + 1
                break
            if time.monotonic() > give_up_at:
                tally.add(gave_up=1)
                break
            tally.add(retries=1)
            time.sleep(0.1 + 0.4 * rnd.random())  # Collect backs off too; keep it short here


def verify(dep: Deployment, acked: dict[str, Expected]) -> tuple[int, int, list[str]]:
    """(submissions stored, attachment rows checked, problems) — every acknowledged instance checked."""
    from sqlalchemy import func, select

    from server.db import get_session
    from server.storage.blobs import get_store
    from server.submissions.models import Submission, SubmissionAttachment, SubmissionVersion

    app = dep.app()
    problems: list[str] = []
    blob_ok: dict[str, bool] = {}

    def blob_good(sha: str) -> bool:
        if sha not in blob_ok:
            store = get_store()
            if not store.exists(sha):
                blob_ok[sha] = False
            else:
                h = hashlib.sha256()
                with store.open(sha) as f:
                    while chunk := f.read(1024 * 1024):
                        h.update(chunk)
                blob_ok[sha] = h.hexdigest() == sha
        return blob_ok[sha]

    try:
        with app.app_context():
            session = get_session()
            stored = session.scalar(select(func.count()).select_from(Submission))
            versions = {row.instance_id: row for row in session.execute(
                select(SubmissionVersion.id, SubmissionVersion.instance_id, SubmissionVersion.xml_sha256,
                       Submission.instance_id.label("submission_instance_id"))
                .join(Submission, Submission.id == SubmissionVersion.submission_id))}
            attachments: dict[int, dict[str, str]] = {}
            for row in session.execute(select(SubmissionAttachment.version_id, SubmissionAttachment.name,
                                              SubmissionAttachment.sha256)):
                attachments.setdefault(row.version_id, {})[row.name] = row.sha256
            checked = 0
            for instance_id, expected in acked.items():
                row = versions.get(instance_id)
                if row is None or row.submission_instance_id != instance_id:
                    problems.append(f"{instance_id}: acknowledged but not stored as a submission")
                    continue
                if row.xml_sha256 != expected.xml_sha256 or not blob_good(row.xml_sha256):
                    problems.append(f"{instance_id}: instance XML blob missing or wrong")
                have = attachments.get(row.id, {})
                for name, sha in expected.attachments.items():
                    checked += 1
                    if name not in have:
                        problems.append(f"{instance_id}: no attachment row {name}")
                    elif have[name] != sha:
                        problems.append(f"{instance_id}: attachment {name} stored with another sha256")
                    elif not blob_good(sha):
                        problems.append(f"{instance_id}: blob of {name} missing or corrupt")
    finally:
        app.extensions["zoufang_engine"].dispose()
    return stored, checked, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs of the whole server (default 5)")
    parser.add_argument("--min-interval", type=float, default=3, help="seconds between kills, at least (default 3)")
    parser.add_argument("--max-interval", type=float, default=6, help="seconds between kills, at most (default 6)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument("--ref", help="run the server code of this commit (git archive) instead of the working tree")
    args = parser.parse_args()
    use_ref(args.ref)

    tally = Tally()
    with Deployment(args.db, keep=args.keep) as dep:
        dep.start()
        factory = SubmissionFactory(dep.warm_up())
        stop = threading.Event()
        counter = itertools.count()
        threads = [threading.Thread(target=client, args=(dep, factory, counter, tally, stop), daemon=True)
                   for _ in range(args.clients)]
        log(f"{args.db}: {args.clients} clients sending; {args.kills} × SIGKILL of gunicorn's process group "
            f"every {args.min_interval:g}-{args.max_interval:g} s")
        t0 = time.monotonic()
        for t in threads:
            t.start()
        kills = 0
        for _ in range(args.kills):
            time.sleep(random.uniform(args.min_interval, args.max_interval))
            dep.server.kill9()
            kills += 1
            down = time.monotonic()
            dep.server.start()
            with tally.lock:
                acked = len(tally.acked)
            log(f"  kill {kills}: master + workers SIGKILLed, back after {time.monotonic() - down:.1f} s; "
                f"{tally.sent} sent, {acked} acknowledged, {tally.retries} retries so far")
        time.sleep(args.min_interval)  # a last stretch without kills, then let every client finish
        stop.set()
        for t in threads:
            t.join(timeout=GIVE_UP_AFTER + POST_TIMEOUT + 10)
        elapsed = time.monotonic() - t0
        still_running = sum(t.is_alive() for t in threads)
        dep.server.stop()
        stored, attachments_checked, problems = verify(dep, tally.acked)
        tmp_dir = dep.data_dir / "blobs" / "tmp"
        orphans = sum(1 for p in tmp_dir.iterdir() if p.is_file()) if tmp_dir.is_dir() else 0

    print(f"\n== crash: {args.kills} × kill -9 of gunicorn master + workers, {args.clients} clients retrying like "
          f"Collect, {args.db}, {elapsed:.0f} s ==")
    print(f"sent {tally.sent} submissions, acknowledged {len(tally.acked)} (201/202), retries {tally.retries}, "
          f"kills {kills}")
    print(f"answers and errors seen: {dict(sorted(tally.statuses.items()))}")
    print(f"stored {stored} submissions; checked {len(tally.acked)} acknowledged instances and "
          f"{attachments_checked} attachments (row + blob sha256); missing {len(problems)}")
    if tally.refused or tally.gave_up or still_running:
        print(f"NOT DELIVERED: refused {tally.refused}, gave up {tally.gave_up}, clients still running {still_running}")
    if orphans:
        print(f"note: {orphans} temporary file(s) left in the blob store's tmp/ by the kills (never referenced)")
    for p in problems[:20]:
        print(f"  MISSING {p}")
    for status, sample in FAILURE_SAMPLES.items():
        print(f"first answer with status {status}: {sample}")
    return 1 if problems or tally.refused or tally.gave_up or still_running else 0


if __name__ == "__main__":
    sys.exit(main())
