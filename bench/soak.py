"""Soak: a steady 50 submissions/s (open loop: sends are scheduled at a fixed rate whatever the
answers) for 5 minutes against the production set-up (fresh install, gunicorn with 2 sync workers).

    .venv/bin/python bench/soak.py [--rate 50] [--seconds 300] [--db sqlite|postgres] [--ref HEAD]

Prints success %, the achieved rate, latency p50/p95/max (from send, and from the scheduled send time,
which includes any client-side backlog), and checks the database holds one submission per 201.
Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import os
import sys

from common import (FAILURE_SAMPLES, Deployment, SubmissionFactory, load_average, log, ms, open_loop, percentile, post,
                    use_ref)


def stalls(outcomes, rate: float, top: int = 5) -> list[tuple[int, float]]:
    """The seconds of the run (by scheduled send time) whose sends waited longest, over 1 s only."""
    by_second: dict[int, float] = {}
    for o in outcomes:
        if o.status is None:
            continue
        second = int(o.n / rate)
        by_second[second] = max(by_second.get(second, 0.0), o.lag + o.latency)
    return sorted(((t, v) for t, v in by_second.items() if v > 1.0), key=lambda tv: -tv[1])[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50, help="submissions started per second (default 50)")
    parser.add_argument("--seconds", type=float, default=300, help="how long to send (default 300)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--max-in-flight", type=int, default=64, help="client threads (default 64)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument("--ref", help="run the server code of this commit (git archive) instead of the working tree")
    args = parser.parse_args()
    use_ref(args.ref)

    with Deployment(args.db, keep=args.keep) as dep:
        dep.start()
        form = dep.warm_up()
        factory = SubmissionFactory(form)

        def send(i: int) -> int:
            sub = factory.build(i)
            return post(dep.port, dep.submission_path, sub.content_type, sub.body)

        planned = int(args.rate * args.seconds)
        log(f"{args.db}: {planned} submissions at {args.rate:g}/s for {args.seconds:g} s → "
            f"http://127.0.0.1:{dep.port}{dep.key_path}/submission")
        before = dep.count_submissions()  # the demo county comes with visits of its own
        load_before = load_average()
        result = open_loop(args.rate, args.seconds, send, max_in_flight=args.max_in_flight)
        log(f"load average (1 min) on this {os.cpu_count()}-core machine: {load_before} before, {load_average()} after")
        dep.server.stop()
        after = dep.count_submissions()
        stored, attachments = after[0] - before[0], after[1] - before[1]

    ok = result.ok
    answered = [o.latency for o in ok]
    from_schedule = [o.lag + o.latency for o in ok]
    late = sum(1 for o in result.outcomes if o.lag > 1.0)
    print(f"\n== soak: {args.rate:g} submissions/s planned for {args.seconds:g} s on {args.db} "
          f"(2 × 150 KB JPEG each, gunicorn 2 sync workers) ==")
    print(f"planned {planned}, sent {len(result.outcomes)}, 201/202 {len(ok)} "
          f"= {100 * len(ok) / planned:.2f} % success; non-201/202: {result.non_success() or 0}")
    print(f"achieved rate {result.rate:.1f} submissions/s over {result.elapsed:.1f} s "
          f"({len(ok) / args.seconds:.1f}/s over the planned {args.seconds:g} s)")
    print(f"latency from send:     p50 {ms(percentile(answered, 50))}, p95 {ms(percentile(answered, 95))}, "
          f"max {ms(max(answered, default=float('nan')))}")
    print(f"latency from schedule: p50 {ms(percentile(from_schedule, 50))}, p95 {ms(percentile(from_schedule, 95))}, "
          f"max {ms(max(from_schedule, default=float('nan')))}; sends started > 1 s late: {late}")
    worst = stalls(result.outcomes, args.rate)
    if worst:
        print("slowest seconds (t = when the sends were due, max latency from schedule): "
              + ", ".join(f"t={t} s {ms(v)}" for t, v in worst))
    count_ok = stored == len(ok) and attachments == 2 * len(ok)
    print(f"the run added {stored} submissions and {attachments} attachment rows to the database "
          f"(expected {len(ok)} and {2 * len(ok)}: {'ok' if count_ok else 'MISMATCH'})")
    for status, sample in FAILURE_SAMPLES.items():
        print(f"first answer with status {status}: {sample}")
    return 0 if count_ok and len(ok) == planned else 1


if __name__ == "__main__":
    sys.exit(main())
