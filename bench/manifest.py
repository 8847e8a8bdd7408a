"""Phone refresh latency on a big county: 100,000 households (4 members each), 5,000 cadres with 20
households each; what one cadre's refresh costs — formList, the 四个一 manifest and its households.csv —
against the production set-up (fresh install, ``zoufang serve`` = gunicorn, 2 sync workers).

    .venv/bin/python bench/manifest.py [--households 100000] [--cadres 5000] [--samples 300] [--db sqlite|postgres|both]

Prints p50/p95/max per request and per whole refresh, and the ratio of the refresh p95 to the goal (50 ms).
Each sample is a different cadre picked at random; every households.csv is checked to hold exactly that
cadre's 20 households. Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import time
import urllib.request
from datetime import date

from common import FORM_ID, OPENROSA_HEADERS, Deployment, log, percentile

GOAL_MS = 50.0
PER_CADRE = 20
MEMBERS = 4


def _rows_in_chunks(rows, size=5000):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def populate(dep: Deployment, households: int, cadres: int) -> dict[str, list[str]]:
    """Bulk-load the county straight into the database (this is set-up, not what is measured).

    Returns, for a sample of cadres, username → the household codes assigned to them."""
    from sqlalchemy import func, insert, select

    from server.accounts.models import User, UserArea
    from server.areas.models import Area
    from server.db import get_session, unit_of_work
    from server.households.models import Assignment, Household, Member

    app = dep.app()
    t0 = time.monotonic()
    try:
        with app.app_context(), unit_of_work():
            s = get_session()
            villages = list(s.scalars(select(Area).where(Area.level == "village").order_by(Area.code)))
            first_id = (s.scalar(select(func.max(Household.id))) or 0) + 1
            hh_rows = [{"id": first_id + n, "code": f"B{n:07d}", "head_name": f"户主{n}",
                        "village_id": villages[(n // PER_CADRE) % len(villages)].id, "category": "poor", "version": 1,
                        "latitude": 27.4 + (n % 1000) / 10000, "longitude": 109.6 + (n % 777) / 10000}
                       for n in range(households)]
            for chunk in _rows_in_chunks(hh_rows):
                s.execute(insert(Household), chunk)
            members = [{"household_id": h["id"], "position": m, "name": f"成员{m}", "relation": "户主" if m == 0 else "之子"}
                       for h in hh_rows for m in range(MEMBERS)]
            for chunk in _rows_in_chunks(members, 20000):
                s.execute(insert(Member), chunk)
            pw = "!bench: no password login"  # phones use their path token
            first_user = (s.scalar(select(func.max(User.id))) or 0) + 1
            users = [{"id": first_user + c, "username": f"bc{c:05d}", "display_name": f"干部{c}", "role": "cadre",
                      "password_hash": pw, "active": True} for c in range(cadres)]
            for chunk in _rows_in_chunks(users):
                s.execute(insert(User), chunk)
            # cadre c works in the village of its households and is responsible for households c*20 … c*20+19
            s.execute(insert(UserArea), [{"user_id": u["id"], "area_id": hh_rows[c * PER_CADRE]["village_id"]}
                                         for c, u in enumerate(users)])
            assignments = [{"household_id": hh_rows[c * PER_CADRE + k]["id"], "cadre_id": u["id"],
                            "start": date(2024, 1, 1)}
                           for c, u in enumerate(users) for k in range(PER_CADRE)
                           if c * PER_CADRE + k < households]
            for chunk in _rows_in_chunks(assignments, 20000):
                s.execute(insert(Assignment), chunk)
        log(f"populated {households} households, {households * MEMBERS} members, {cadres} cadres in "
            f"{time.monotonic() - t0:.1f} s")
        rng = random.Random(7)
        return {users[c]["username"]: [hh_rows[c * PER_CADRE + k]["code"] for k in range(PER_CADRE)]
                for c in rng.sample(range(cadres), k=min(cadres, 400))}
    finally:
        app.extensions["zoufang_engine"].dispose()


def phone_paths(dep: Deployment, usernames: list[str]) -> dict[str, str]:
    from sqlalchemy import select

    from server.accounts.models import User
    from server.accounts.permissions import SYSTEM
    from server.accounts.phones import issue_phone_token
    from server.db import get_session, unit_of_work

    app = dep.app()
    try:
        with app.app_context(), unit_of_work():
            users = get_session().scalars(select(User).where(User.username.in_(usernames)))
            return {u.username: f"/key/{issue_phone_token(u, actor=SYSTEM).token}" for u in users}
    finally:
        app.extensions["zoufang_engine"].dispose()


def fetch(url: str) -> tuple[float, bytes]:
    req = urllib.request.Request(url, headers=OPENROSA_HEADERS)
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as resp:
        body = resp.read()
        if resp.status != 200 or resp.headers.get("X-OpenRosa-Version") != "1.0":
            raise SystemExit(f"{url}: {resp.status}")
    return time.perf_counter() - t0, body


def refresh(port: int, key: str) -> tuple[dict[str, float], list[str]]:
    """formList → the form's manifest → households.csv, as Collect does on "Get blank form"."""
    base = f"http://127.0.0.1:{port}{key}"
    times = {}
    times["formList"], body = fetch(f"{base}/formList")
    if FORM_ID.encode() not in body:
        raise SystemExit(f"{FORM_ID} not in formList")
    times["manifest"], body = fetch(f"{base}/forms/{FORM_ID}/manifest")
    if b"households.csv" not in body:
        raise SystemExit("households.csv not in the manifest")
    times["households.csv"], body = fetch(f"{base}/forms/{FORM_ID}/media/households.csv")
    codes = [row["name"] for row in csv.DictReader(io.StringIO(body.decode("utf-8")))]
    times["refresh"] = sum(times.values())
    return times, codes


def run(db: str, households: int, cadres: int, samples: int) -> float:
    with Deployment(db) as dep:
        expected = populate(dep, households, cadres)
        chosen = list(expected)[:samples]
        keys = phone_paths(dep, chosen)
        dep.start()
        for name in chosen[:5]:  # warm the workers (imports, caches of published XForms)
            refresh(dep.port, keys[name])
        results: dict[str, list[float]] = {}
        bad = 0
        for name in chosen:
            times, codes = refresh(dep.port, keys[name])
            bad += sorted(codes) != sorted(expected[name])
            for k, v in times.items():
                results.setdefault(k, []).append(v)
        print(f"\n== {db}: {households} households, {cadres} cadres × {PER_CADRE}, {len(chosen)} cadres sampled ==")
        for k, values in results.items():
            print(f"  {k:<15} p50 {percentile(values, 50) * 1000:6.1f} ms   p95 {percentile(values, 95) * 1000:6.1f} ms"
                  f"   max {max(values) * 1000:6.1f} ms")
        p95 = percentile(results["refresh"], 95) * 1000
        print(f"  whole refresh p95 / goal {GOAL_MS:.0f} ms = {p95 / GOAL_MS:.2f}  (≤ 1 meets the goal)")
        print(f"  households.csv holding exactly the cadre's {PER_CADRE} households: {len(chosen) - bad}/{len(chosen)}")
        if bad:
            raise SystemExit(1)
        return p95


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--cadres", type=int, default=5_000)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    args = ap.parse_args()
    if args.cadres * PER_CADRE > args.households:
        sys.exit("need at least cadres × 20 households")
    for db in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        run(db, args.households, args.cadres, args.samples)


if __name__ == "__main__":
    main()
