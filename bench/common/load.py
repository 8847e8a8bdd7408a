"""Load loops (closed and open), their outcomes and summaries."""
from __future__ import annotations

import http.client
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from typing import Callable

from .client import REQUEST_TIMEOUT, SUCCESS
from .util import log, ms, percentile


# ---- load ------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    n: int
    status: int | None  # None: no HTTP answer (connection error / timeout)
    latency: float  # seconds, from sending to the answer read
    lag: float = 0.0  # open loop: how late the send started against its schedule
    error: str = ""


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in SUCCESS]

    def non_success(self) -> dict:
        counts: dict = {}
        for o in self.outcomes:
            if o.status not in SUCCESS:
                key = o.status if o.status is not None else (o.error or "no answer")
                counts[key] = counts.get(key, 0) + 1
        return counts

    def summary(self, name: str) -> str:
        lat = [o.latency for o in self.ok]
        rate = len(self.ok) / self.elapsed if self.elapsed else 0.0
        return (f"{name}: {len(self.outcomes)} sent, {len(self.ok)} × 201/202 in {self.elapsed:.1f} s = "
                f"{rate:.1f} submissions/s; latency p50 {ms(percentile(lat, 50))}, p95 {ms(percentile(lat, 95))}, "
                f"max {ms(max(lat) if lat else float('nan'))}; non-201/202: {sum(self.non_success().values())}"
                + (f" {self.non_success()}" if self.non_success() else ""))

    @property
    def rate(self) -> float:
        return len(self.ok) / self.elapsed if self.elapsed else 0.0


def timed(send: Callable[[int], int], n: int) -> Outcome:
    t0 = time.monotonic()
    try:
        status = send(n)
        return Outcome(n, status, time.monotonic() - t0)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(n, None, time.monotonic() - t0, error=type(exc).__name__)


def closed_loop(n: int, concurrency: int, send: Callable[[int], int], *, max_seconds: float = 1800) -> LoadResult:
    """``concurrency`` clients, each sending the next of ``n`` submissions as soon as its last one is
    answered; stops after ``n`` or ``max_seconds``, whichever first."""
    counter = itertools.count()
    lock = threading.Lock()
    result = LoadResult()
    t0 = time.monotonic()
    deadline = t0 + max_seconds

    def client():
        while time.monotonic() < deadline:
            with lock:
                i = next(counter)
            if i >= n:
                return
            outcome = timed(send, i)
            with lock:
                result.outcomes.append(outcome)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
    result.elapsed = time.monotonic() - t0
    return result


def open_loop(rate: float, seconds: float, send: Callable[[int], int], *, max_in_flight: int = 64,
              drain_seconds: float = 2 * REQUEST_TIMEOUT, progress_every: float = 30) -> LoadResult:
    """Start one submission every 1/``rate`` s for ``seconds`` s, whatever the answers (open loop), on a
    pool of ``max_in_flight`` threads; a send that could not start on time records its lag. Waits at
    most ``drain_seconds`` for the last answers."""
    total = int(rate * seconds)
    result = LoadResult()
    lock = threading.Lock()
    t0 = time.monotonic()

    def job(i: int, scheduled: float) -> None:
        lag = time.monotonic() - scheduled
        outcome = timed(send, i)
        outcome.lag = lag
        with lock:
            result.outcomes.append(outcome)

    pool = ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="soak")
    futures = []
    next_report = t0 + progress_every
    for i in range(total):
        scheduled = t0 + i / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(job, i, scheduled))
        if time.monotonic() >= next_report:
            next_report += progress_every
            with lock:
                done = len(result.outcomes)
                good = sum(1 for o in result.outcomes if o.status in SUCCESS)
            log(f"  {time.monotonic() - t0:.0f} s: {i + 1} due, {done} answered, {good} × 201/202")
    sent_for = time.monotonic() - t0
    _, not_done = wait_futures(futures, timeout=drain_seconds)
    for f in not_done:
        f.cancel()
    pool.shutdown(wait=False, cancel_futures=True)
    with lock:
        result.elapsed = max(sent_for, max((o.n / rate + o.lag + o.latency for o in result.outcomes), default=0))
    return result
