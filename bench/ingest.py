"""Ingest throughput: N 四个一走访 submissions (two ~150 KB JPEGs each) from 16 concurrent clients
against the production set-up (fresh install, ``zoufang serve`` = gunicorn, 2 sync workers), then the
same load against bench/baseline_app.py (body → file → fsync → 201) under the same gunicorn, and against
bench/floor_app.py (our reader and blob store, fsync'd, no database) to show how much of the gap they take.

    .venv/bin/python bench/ingest.py [-n 2000] [-c 16] [--db sqlite|postgres|both] [--no-floor] [--ref HEAD] [--keep]

Every submission's two photos are distinct images (their own pixels, EXIF time, ~150 KB), as real
visits' photos are: nothing can be skipped as already stored, and the evidence checks see no reuse.

Prints submissions/s, p50/p95 latency, non-201 answers, the ratio ours/baseline (goal ≥ 0.5) and the
number of submissions the run added to the database (must be N). Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from common import (FAILURE_SAMPLES, FORM_ID, Deployment, Form, LoadResult, SubmissionFactory, baseline_server,
                    closed_loop, floor_server, load_average, log, ms, percentile, post, use_ref)

GOAL = 0.5


def sender(factory: SubmissionFactory, port: int, path: str):
    def send(i: int) -> int:
        sub = factory.build(i)
        return post(port, path, sub.content_type, sub.body)
    return send


def run_ours(db: str, n: int, concurrency: int, keep: bool) -> tuple[LoadResult, Form, tuple[int, int]]:
    with Deployment(db, keep=keep) as dep:
        dep.start()
        form = dep.warm_up()
        before = dep.count_submissions()  # the demo county comes with visits of its own
        log(f"{db}: {n} submissions of {form.form_id} v{form.version}, {concurrency} clients → "
            f"http://127.0.0.1:{dep.port}{dep.key_path}/submission")
        load_before = load_average()
        factory = SubmissionFactory(form).prepare(n)
        result = closed_loop(n, concurrency, sender(factory, dep.port, dep.submission_path))
        log(f"load average (1 min) on this {os.cpu_count()}-core machine: {load_before} before, {load_average()} after")
        log(result.summary(f"zoufang/{db}"))
        dep.server.stop()
        after = dep.count_submissions()
        stored = (after[0] - before[0], after[1] - before[1])
    return result, form, stored


def run_reference(name: str, make_server, n: int, concurrency: int, form: Form) -> LoadResult:
    """The same load against one of bench/'s reference apps (``baseline_server`` or ``floor_server``)."""
    tmp = Path(tempfile.mkdtemp(prefix=f"zoufang-bench-{name}-"))
    server = make_server(tmp)
    try:
        server.start()
        factory = SubmissionFactory(form).prepare(n)
        log(f"{name}: {n} submissions, {concurrency} clients → http://127.0.0.1:{server.port}/submission")
        result = closed_loop(n, concurrency, sender(factory, server.port, "/submission"))
        log(result.summary(name))
        return result
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="submissions per run (default 2000)")
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir (the PG database is dropped)")
    parser.add_argument("--no-floor", action="store_true",
                        help="leave out floor_app.py (our reader and blob store, no database)")
    parser.add_argument("--ref", help="run the server code of this commit (git archive) instead of the working tree")
    args = parser.parse_args()
    use_ref(args.ref)

    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    ours: dict[str, tuple[LoadResult, tuple[int, int]]] = {}
    form = Form(FORM_ID, "")
    for db in dbs:
        result, form, stored = run_ours(db, args.n, args.concurrency, args.keep)
        ours[db] = (result, stored)
    base = run_reference("baseline", baseline_server, args.n, args.concurrency, form)
    floor = None if args.no_floor else run_reference("floor", floor_server, args.n, args.concurrency, form)

    failed = False
    print(f"\n== ingest: N={args.n} submissions × (instance + 2 × 150 KB JPEG), {args.concurrency} clients, "
          f"gunicorn 2 sync workers ==")
    rows = [(f"zoufang {db}", r) for db, (r, _) in ours.items()] + [("baseline (write+fsync)", base)]
    rows += [("floor (reader+blobs)", floor)] if floor else []
    print(f"{'server':<24}{'subs/s':>9}{'p50':>9}{'p95':>9}{'max':>9}{'non-201':>9}")
    for name, r in rows:
        lat = [o.latency for o in r.ok]
        non = len(r.outcomes) - sum(1 for o in r.outcomes if o.status == 201)
        print(f"{name:<24}{r.rate:>9.1f}{ms(percentile(lat, 50)):>9}{ms(percentile(lat, 95)):>9}"
              f"{ms(max(lat, default=float('nan'))):>9}{non:>9}")
    for db, (r, (subs, attachments)) in ours.items():
        ratio = r.rate / base.rate if base.rate else float("nan")
        ok_count = subs == args.n and attachments == 2 * args.n
        failed |= not ok_count or any(o.status != 201 for o in r.outcomes) or len(r.outcomes) != args.n
        print(f"{db}: ratio ours/baseline = {ratio:.2f} (goal ≥ {GOAL}: {'met' if ratio >= GOAL else 'NOT met'}); "
              f"the run added {subs} submissions and {attachments} attachment rows to the database "
              f"(expected {args.n} and {2 * args.n}: {'ok' if ok_count else 'MISMATCH'})")
    if floor:
        ceiling = floor.rate / base.rate if base.rate else float("nan")
        print(f"floor: ratio floor/baseline = {ceiling:.2f}: our multipart reader and blob store alone (no database, "
              f"no checks); no ingest through them can beat this ratio")
    for status, sample in FAILURE_SAMPLES.items():
        print(f"first answer with status {status}: {sample}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
