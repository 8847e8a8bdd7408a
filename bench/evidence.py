"""Near-duplicate photo lookup across a county: seed N PhotoPrint rows, then check M new photos.

    .venv/bin/python bench/evidence.py                      # 100,000 prints, 10,000 new photos, SQLite
    .venv/bin/python bench/evidence.py --db postgres        # on BENCH_PG_URL (a fresh database, dropped after)
    .venv/bin/python bench/evidence.py -n 20000 -m 2000 --hash-photos 200

Seeding: bulk Core inserts of random 64-bit pHashes (stored signed, four 16-bit bands). Hashing: real
JPEGs made with Pillow (640×480, like tests/evidence/images.py) through ``server.evidence.checks.read_photo``
(imagehash pHash + EXIF), timed on ``--hash-photos`` of them. Lookup + insert: the service's own
``near_duplicates`` (band-indexed candidates, exact Hamming ≤ 3, same-blob match) then one INSERT, one
transaction per photo, for M new prints: those real hashes, fresh random ones, and 5 % planted copies of seeded
prints with 0–3 bits flipped (recall must be 100 %). Baseline: a naive full scan (fetch the county's 100k hashes,
Hamming against each in Python) for ``--naive-sample`` photos, extrapolated to M.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from server.evidence import checks  # noqa: E402
from server.evidence.models import PhotoPrint  # noqa: E402
from server.evidence.service import near_duplicates  # noqa: E402
from tests.evidence.images import photo  # noqa: E402

COUNTY = 1


def _row(rnd: random.Random, phash: int, sub: int, sha: str | None = None) -> dict:
    b = checks.bands(phash)
    return {"submission_id": sub, "attachment": f"{sub}.jpg", "question": "visit_photo",
            "blob_sha256": sha or f"{rnd.getrandbits(256):064x}", "county_id": COUNTY, "household_id": None,
            "phash": checks.to_signed(phash), "band0": b[0], "band1": b[1], "band2": b[2], "band3": b[3],
            "width": 1600, "height": 1200}


def _engine(db: str, tmp: str):
    if db == "sqlite":
        engine = create_engine(f"sqlite:///{tmp}/evidence.sqlite3")

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # as the server runs it

        return engine, None
    base = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"zoufang_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(re.sub(r"/[^/]*$", "/postgres", base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return create_engine(re.sub(r"/[^/]*$", f"/{name}", base)), (admin, name)


def _flip(rnd: random.Random, value: int, bits: int) -> int:
    for pos in rnd.sample(range(64), bits):
        value ^= 1 << pos
    return value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--county", type=int, default=100_000, help="prints already in the county")
    ap.add_argument("-m", "--new", type=int, default=10_000, help="new photos to check")
    ap.add_argument("--hash-photos", type=int, default=1_000, help="real JPEGs hashed (timed separately)")
    ap.add_argument("--naive-sample", type=int, default=200)
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--batch", type=int, default=100, help="photos per commit")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    max_d = checks.EXACT_LOOKUP_MAX_DISTANCE

    with TemporaryDirectory() as tmp:
        engine, pg = _engine(args.db, tmp)
        try:
            PhotoPrint.__table__.create(engine)  # only this table: the bench needs no visits (no FK rows)
            seeded = [rnd.getrandbits(64) for _ in range(args.county)]
            t0 = time.perf_counter()
            with engine.begin() as conn:
                for i in range(0, args.county, 10_000):
                    conn.execute(insert(PhotoPrint), [_row(rnd, h, 1 + j) for j, h in
                                                      enumerate(seeded[i:i + 10_000], start=i)])
            if args.db == "postgres":
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE photo_print"))
            seed_s = time.perf_counter() - t0
            print(f"seeded {args.county:,} prints in county {COUNTY} ({args.db}) in {seed_s:.1f} s")

            # hashing real JPEGs (generation not timed)
            jpegs = [photo(100_000 + i) for i in range(args.hash_photos)]
            checks.read_photo(photo(1))  # warm-up: imagehash imports scipy on first use
            t0 = time.perf_counter()
            real = [checks.read_photo(data).phash for data in jpegs]
            hash_s = time.perf_counter() - t0
            avg_kb = statistics.mean(map(len, jpegs)) / 1024
            print(f"hashing: {len(real):,} JPEGs (640×480, ~{avg_kb:.0f} KB) in {hash_s:.2f} s = "
                  f"{len(real) / hash_s:,.0f} photos/s (pHash + EXIF, Pillow draft decode)")

            planted = max(1, args.new // 20)
            new: list[tuple[int, str, int | None]] = []  # (phash, sha, index of the seeded print it copies)
            for i in range(args.new):
                if i < planted:
                    k = rnd.randrange(args.county)
                    new.append((_flip(rnd, seeded[k], rnd.randint(0, max_d)), f"{rnd.getrandbits(256):064x}", k))
                elif i - planted < len(real):
                    new.append((real[i - planted], f"{rnd.getrandbits(256):064x}", None))
                else:
                    new.append((rnd.getrandbits(64), f"{rnd.getrandbits(256):064x}", None))
            rnd.shuffle(new)

            with engine.connect() as conn:
                if args.db == "sqlite":
                    b = checks.bands(new[0][0])
                    stmt = select(PhotoPrint.id).where(PhotoPrint.id.in_(
                        select(PhotoPrint.id).where(PhotoPrint.county_id == COUNTY, PhotoPrint.band0 == b[0])
                        .union(*(select(PhotoPrint.id).where(PhotoPrint.county_id == COUNTY, col == v) for col, v in
                                 zip((PhotoPrint.band1, PhotoPrint.band2, PhotoPrint.band3), b[1:])))
                        .scalar_subquery()))
                    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
                    plan = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
                    print("query plan: " + " | ".join(r[-1] for r in plan))

            examined, found, recalled, lookup_only = [], 0, 0, 0.0
            t0 = time.perf_counter()
            with Session(engine) as session:
                for n, (phash, sha, copy_of) in enumerate(new):
                    t1 = time.perf_counter()
                    matches, count = near_duplicates(session, COUNTY, phash, sha, max_d,
                                                     exclude_submission=10_000_000 + n)
                    lookup_only += time.perf_counter() - t1
                    examined.append(count)
                    found += bool(matches)
                    if copy_of is not None and any(p.submission_id == copy_of + 1 for p, _ in matches):
                        recalled += 1
                    session.execute(insert(PhotoPrint), [_row(rnd, phash, 10_000_000 + n, sha)])
                    if n % args.batch == args.batch - 1:  # a commit (fsync) per batch, not per photo
                        session.commit()
                        session.expunge_all()
                session.commit()
            lookup_s = time.perf_counter() - t0
            print(f"lookup + insert: {args.new:,} photos in {lookup_s:.2f} s = {args.new / lookup_s:,.0f} photos/s "
                  f"(commit every {args.batch}); "
                  f"lookup alone {lookup_only / args.new * 1000:.2f} ms/photo")
            print(f"candidates examined per photo: mean {statistics.mean(examined):.2f}, "
                  f"p99 {sorted(examined)[int(len(examined) * 0.99)]}, max {max(examined)} "
                  f"(of {args.county:,}–{args.county + args.new:,} in the county)")
            print(f"near-duplicates found: {found:,} photos; planted copies (0–{max_d} bits flipped) recalled "
                  f"{recalled}/{planted} = {100 * recalled / planted:.1f} %")
            per_photo_hash = hash_s / len(real)
            total_s = per_photo_hash * args.new + lookup_s
            print(f"total for {args.new:,} photos (hash extrapolated + lookup/insert): {total_s:.1f} s")

            sample = new[:args.naive_sample]
            t0 = time.perf_counter()
            with engine.connect() as conn:
                for phash, _sha, _ in sample:
                    rows = conn.execute(select(PhotoPrint.phash).where(PhotoPrint.county_id == COUNTY)).scalars()
                    _ = [h for h in rows if checks.hamming(phash, checks.to_unsigned(h)) <= max_d]
            naive_per = (time.perf_counter() - t0) / len(sample)
            ours_per = lookup_only / args.new
            print(f"naive full scan: {naive_per * 1000:.1f} ms/photo over {args.county + args.new:,} prints "
                  f"(sample {len(sample)}), {naive_per * args.new:.0f} s extrapolated to {args.new:,}")
            print(f"indexed lookup: {ours_per * 1000:.2f} ms/photo")
            print(f"ratio naive/indexed lookup: {naive_per / ours_per:.0f}×")
        finally:
            engine.dispose()
            if pg:
                admin, name = pg
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
