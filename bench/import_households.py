"""Time the household import on a county-sized register.

    .venv/bin/python bench/import_households.py [--households 100000] [--db sqlite|postgres] [--bad-only]

Builds a fresh database (SQLite in a temp dir, or a PostgreSQL database created and
dropped here; admin URL from BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres),
an area tree of 10 townships × 20 villages, and a CSV register of N households
(about 4 members each, valid ID numbers). Then it times, in process, through the
import service: the dry run, the commit, a dry run of the same file again (all
unchanged) and a re-import with 1 % of households changed. Last, a copy of the
file with about 1 % bad rows of six kinds: the script checks that the report names
exactly those rows with the right reason, and that storing it stores nothing.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from server import create_app  # noqa: E402
from server.accounts.permissions import SYSTEM  # noqa: E402
from server.areas.service import create_area  # noqa: E402
from server.db import get_session, make_engine, unit_of_work  # noqa: E402
from server.errors import Invalid  # noqa: E402
from server.households.idcard import make_id_number  # noqa: E402
from server.households.import_rows import TEMPLATE_HEADERS  # noqa: E402
from server.households.importer import import_households  # noqa: E402
from server.households.models import Household, Member  # noqa: E402
from server.migrations import upgrade  # noqa: E402

TOWNSHIPS, VILLAGES = 10, 20
COL = {h: i for i, h in enumerate(TEMPLATE_HEADERS)}
KINDS = {"check digit": "校验位", "birth date": "不一致", "unknown village": "找不到行政村代码", "duplicate": "重复",
         "float": "科学计数法", "no head": "没有户主行"}
RELATIONS = ["配偶", "之子", "之女", "之父", "之母", "之孙子", "之孙女"]
CATEGORIES = ["贫困户", "低保贫困户", "脱贫户", "边缘户", "监测户"]
CAUSES = ["因病", "因残", "因学", "缺技术", "缺劳力", "缺资金"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def villages() -> list[str]:
    return [f"43122810{t:01d}2{v:02d}" for t in range(TOWNSHIPS) for v in range(VILLAGES)]


def build_tree(app) -> None:
    with app.app_context(), unit_of_work():
        create_area("431228", "芷江县", "county", None, actor=SYSTEM)
        for t in range(TOWNSHIPS):
            create_area(f"43122810{t}", f"第{t}乡", "township", "431228", actor=SYSTEM)
            for v in range(VILLAGES):
                create_area(f"43122810{t}2{v:02d}", f"第{t}乡{v}村", "village", f"43122810{t}", actor=SYSTEM)


def register(n: int, seed: int = 1, province: str = "43") -> list[list]:
    """Rows of n households over the villages; each person's ID is unique (village area code × day of birth)."""
    rnd, rows, codes = random.Random(seed), [], villages()
    per_village: dict[str, int] = {}
    for i in range(n):
        village = codes[i % len(codes)]
        size = rnd.choice((1, 2, 3, 4, 4, 4, 5, 5, 6, 6))  # mean 4
        for k in range(size):
            person = per_village.get(village, 0)
            per_village[village] = person + 1
            born = date(1930, 1, 1) + timedelta(days=person * 7 + k)
            sex = "男" if k % 2 == 0 else "女"
            number = make_id_number(f"{province}{i % len(codes):04d}", born, 101 + (person % 400) * 2 + (0 if sex == "男" else 1))
            row = [""] * len(TEMPLATE_HEADERS)
            row[COL["户编号"]] = f"{village}{i:06d}"
            row[COL["成员姓名"]] = f"成员{i}_{k}"
            row[COL["与户主关系"]] = "户主" if k == 0 else RELATIONS[(k - 1) % len(RELATIONS)]
            row[COL["性别"]], row[COL["出生日期"]], row[COL["身份证号"]] = sex, born.isoformat(), number
            row[COL["健康状况"]], row[COL["劳动能力"]] = "健康", "普通劳动力"
            row[COL["务工月数"]], row[COL["基本医疗保险"]], row[COL["大病保险"]] = str(k % 13), "是", "是"
            if k == 0:
                row[COL["户主姓名"]], row[COL["行政村代码"]] = row[COL["成员姓名"]], village
                row[COL["户类别"]], row[COL["主要致贫原因"]] = rnd.choice(CATEGORIES), rnd.choice(CAUSES)
                row[COL["住址"]], row[COL["联系电话"]] = f"第{i}号", f"138{i:08d}"
                row[COL["经度"]], row[COL["纬度"]] = f"{109.5 + rnd.random():.5f}", f"{27.2 + rnd.random():.5f}"
            rows.append(row)
    return rows


def spoil(rows: list[list], fraction: float = 0.01, seed: int = 2) -> dict[int, str]:
    """Spoil about ``fraction`` of the rows, six kinds in turn, one household each; returns {excel row: kind}."""
    rnd = random.Random(seed)
    heads = [i for i, r in enumerate(rows) if r[COL["与户主关系"]] == "户主"]
    # every other household only, so the one before a chosen household (the duplicate's source) is never spoilt
    chosen = rnd.sample(range(2, len(heads) - 1, 2), int(len(rows) * fraction))
    bad, kinds = {}, list(KINDS)
    for n, h in enumerate(chosen):
        start, end = heads[h], heads[h + 1]
        kind = kinds[n % len(kinds)]
        target = start + (n % (end - start))  # some row of the household
        row = rows[target]
        if kind == "check digit":
            row[COL["身份证号"]] = row[COL["身份证号"]][:17] + ("0" if row[COL["身份证号"]][17] != "0" else "1")
        elif kind == "birth date":
            row[COL["出生日期"]] = "1901.1.1"
        elif kind == "float":
            row[COL["身份证号"]] = "4.31228E+17"
        elif kind == "duplicate":  # the ID of the previous household's head
            row[COL["身份证号"]] = rows[heads[h - 1]][COL["身份证号"]]
        else:
            target = start  # said once, on the head row
            if kind == "unknown village":
                rows[start][COL["行政村代码"]] = "999999999999"
            else:
                rows[start][COL["与户主关系"]] = "之子"
        bad[target + 2] = kind
    return bad


def to_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def timed(app, data: bytes, *, dry_run: bool):
    start = time.perf_counter()
    with app.app_context(), unit_of_work():
        try:
            report = import_households(data, "register.csv", actor=SYSTEM, dry_run=dry_run, max_bytes=1 << 30)
        except Invalid as exc:
            report = exc
    return report, time.perf_counter() - start


def counts(app) -> tuple[int, int]:
    with app.app_context():
        s = get_session()
        return s.scalar(select(func.count(Household.id))), s.scalar(select(func.count(Member.id)))


def figures(what: str, seconds: float, households: int, rows: int) -> None:
    print(f"{what:<34} {seconds:8.1f} s  {households / seconds:9.0f} households/s  {rows / seconds:9.0f} rows/s",
          flush=True)


def database(kind: str, tmp: Path):
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    admin_url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    admin_url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", admin_url)
    name = f"zoufang_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return re.sub(r"/[^/]*$", f"/{name}", admin_url), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--bad-only", action="store_true", help="only the variant with bad rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zoufang-bench-") as tmp:
        url, drop = database(args.db, Path(tmp))
        try:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            app = create_app({"database_url": url, "data_dir": Path(tmp) / "data", "exports_dir": Path(tmp) / "x",
                              "secret_key": "bench", "testing": True})
            build_tree(app)
            run(app, args)
            app.extensions["zoufang_engine"].dispose()
        finally:
            drop()


def run(app, args) -> None:
    rows = register(args.households)
    data = to_csv(rows)
    n, r = args.households, len(rows)
    log(f"{args.db}: {n} households, {r} member rows, {len(data) / 1e6:.1f} MB CSV, "
        f"{TOWNSHIPS * VILLAGES} villages")
    if not args.bad_only:
        report, seconds = timed(app, data, dry_run=True)
        assert not report["errors"] and report["created"] == n, report["errors"][:5]
        figures("dry run (all new)", seconds, n, r)
        report, seconds = timed(app, data, dry_run=False)
        assert counts(app) == (n, r), counts(app)
        figures("commit (all new)", seconds, n, r)
        report, seconds = timed(app, data, dry_run=True)
        assert report["unchanged"] == n, report["unchanged"]
        figures("dry run again (all unchanged)", seconds, n, r)
        heads = [row for row in rows if row[COL["与户主关系"]] == "户主"]
        for row in heads[:: 100]:
            row[COL["住址"]] += "（新）"
        report, seconds = timed(app, to_csv(rows), dry_run=False)
        assert len(report["updated"]) == len(heads[::100]) and report["unchanged"] == n - len(heads[::100])
        figures(f"re-import, {len(heads[::100])} changed", seconds, n, r)
    bad_rows = register(args.households, seed=3, province="44")  # people not yet stored
    for row in bad_rows:  # other household codes than the stored ones
        row[COL["户编号"]] = "B" + row[COL["户编号"]]
    bad = spoil(bad_rows)
    before = counts(app)
    report, seconds = timed(app, to_csv(bad_rows), dry_run=True)
    figures(f"dry run, {len(bad)} bad rows ({len(bad) / len(bad_rows):.1%})", seconds, n, len(bad_rows))
    got: dict[int, str] = {}
    for e in report["errors"]:
        got[e["row"]] = got.get(e["row"], "") + e["message"]
    assert sorted(got) == sorted(bad), (sorted(set(got) ^ set(bad))[:10])
    assert all(KINDS[kind] in got[row] for row, kind in bad.items())
    exc, seconds = timed(app, to_csv(bad_rows), dry_run=False)
    assert isinstance(exc, Invalid) and len(exc.details) == len(report["errors"])
    assert counts(app) == before
    figures("commit refused (nothing stored)", seconds, n, len(bad_rows))
    per_kind = {k: sum(1 for v in bad.values() if v == k) for k in KINDS}
    log(f"bad rows named with their reason: {len(bad)} ({per_kind}); stored nothing: {counts(app) == before}")


if __name__ == "__main__":
    main()
