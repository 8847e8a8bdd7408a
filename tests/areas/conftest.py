"""Builders for area tables: real .xlsx (openpyxl) and CSV bytes in a chosen encoding."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

HEADER = ["区划代码", "名称", "层级", "上级代码"]
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def make_xlsx(rows, header=HEADER, merges=(), title_rows=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "区划"
    for t in title_rows:
        ws.append(list(t))
    if header:
        ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def make_csv(rows, encoding="utf-8", header=HEADER) -> bytes:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
def area_names(app):
    """area_names() → {code: name} of every stored area."""
    from server.areas.models import Area
    from server.db import get_session

    def read() -> dict:
        with app.app_context():
            return dict(get_session().execute(select(Area.code, Area.name)).all())

    return read


@pytest.fixture
def area_rows(app):
    """area_rows() → {code: (name, level, parent code, path ok)} of every stored area."""
    from server.areas.models import Area
    from server.db import get_session

    def read() -> dict:
        with app.app_context():
            out = {}
            for a in get_session().scalars(select(Area)):
                parent = a.parent
                ok = a.path == (parent.path if parent else "/") + f"{a.id}/"
                out[a.code] = (a.name, a.level, parent.code if parent else None, ok)
            return out

    return read
