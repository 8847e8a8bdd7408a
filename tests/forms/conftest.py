"""Forms fixtures: XLSForm builders (openpyxl), an app without ODK Validate unless a test asks,
and counters proving that a refused upload stored nothing."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from server import create_app
from tests.conftest import empty_database

DATA = Path(__file__).parent / "data"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

SURVEY = [["type", "name", "label"],
          ["text", "household", "户主姓名"],
          ["integer", "members", "家庭人口"],
          ["select_one yn", "insured", "是否参保"]]
CHOICES = [["list_name", "name", "label"], ["yn", "yes", "是"], ["yn", "no", "否"]]


def settings(form_id="visit", version="1", title="走访表"):
    header, row = ["form_id", "form_title"], [form_id, title]
    if version is not None:
        header.append("version")
        row.append(version)
    return [header, row]


def xlsform(survey=SURVEY, choices=CHOICES, settings_rows=None, extra_sheets=None, **settings_kw) -> bytes:
    """An .xlsx XLSForm built with openpyxl; each sheet is a list of rows (the first is the header)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in survey:
        ws.append(list(row))
    sheets = {"choices": choices, "settings": settings_rows if settings_rows is not None else settings(**settings_kw)}
    sheets.update(extra_sheets or {})
    for name, rows in sheets.items():
        if rows:
            sheet = wb.create_sheet(name)
            for row in rows:
                sheet.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def duplicate_name() -> bytes:
    return xlsform(survey=SURVEY[:3] + [["text", "household", "重复的户主姓名"]])


def unknown_type() -> bytes:
    return xlsform(survey=SURVEY[:2] + [["integr", "members", "家庭人口"]] + SURVEY[3:])


def truncated() -> bytes:
    data = xlsform()
    return data[: len(data) // 2]


def png() -> bytes:
    return PNG


def huge_file() -> bytes:
    return b"PK\x03\x04" + b"\x00" * (25 * 1024 * 1024)


def zip_bomb() -> bytes:
    """A real workbook plus one member that unpacks from ~200 KB to 300 MB (the limit is 200 MB)."""
    src = zipfile.ZipFile(io.BytesIO(xlsform()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for info in src.infolist():
            zf.writestr(info, src.read(info))
        with zf.open("xl/media/padding.bin", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(300):
                member.write(chunk)
    return out.getvalue()


# (name, builder, filename, HTTP status, CLI exit code, the row pyxform's error is on, a fragment the answer shows)
MUST_SHOW = [
    ("valid", xlsform, "visit.xlsx", None, 0, None, "visit"),
    ("duplicate_name", duplicate_name, "dup.xlsx", 422, 9, 4, "问题名称“household”重复"),
    ("unknown_type", unknown_type, "unknown.xlsx", 422, 9, 3, "未知的题型“integr”"),
    ("truncated", truncated, "truncated.xlsx", 415, 8, None, "损坏或不完整"),
    ("png_renamed", png, "photo.xlsx", 415, 8, None, "不是Excel"),
    ("25mb", huge_file, "big.xlsx", 413, 7, None, "文件过大"),
]
FAILURES = [case for case in MUST_SHOW if case[3] is not None]


def pytest_configure(config):
    config.addinivalue_line("markers", "odk_validate(mode): build the app with this ZOUFANG_ODK_VALIDATE mode")


@pytest.fixture
def app(database_url, tmp_path, request):
    """The shared app, but with ODK Validate off (it takes seconds) unless marked odk_validate("auto")."""
    marker = request.node.get_closest_marker("odk_validate")
    app = create_app({
        "database_url": database_url,
        "data_dir": tmp_path / "data",
        "exports_dir": tmp_path / "exports",
        "secret_key": "test-secret",
        "testing": True,
        "odk_validate": marker.args[0] if marker else "off",
    })
    yield app
    empty_database(app)


@pytest.fixture
def stored(app):
    """stored() → (forms, versions, media, blob files): all must stay unchanged when an upload fails."""
    from server.db import get_session
    from server.forms.models import Form, FormMedia, FormVersion

    def count():
        with app.app_context():
            session = get_session()
            rows = tuple(session.scalar(select(func.count()).select_from(m)) for m in (Form, FormVersion, FormMedia))
        blobs = Path(app.config["ZOUFANG"].data_dir) / "blobs"
        files = sum(1 for p in blobs.rglob("*") if p.is_file() and p.relative_to(blobs).parts[0] != "tmp")
        return (*rows, files)

    return count


@pytest.fixture
def designer(make_user):
    return make_user("designer", "C", username="designer")


@pytest.fixture
def upload_file(tmp_path):
    """upload_file(data, name) → a path holding the bytes, for the CLI."""
    def write(data: bytes, name: str) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def svc(app):
    """svc(fn, *args, **kw) → a service call in its own app context and unit of work.

    Return plain data (see ``snap``): ORM objects are detached once the context closes."""
    from server.db import unit_of_work

    def run(fn, *args, **kwargs):
        with app.app_context(), unit_of_work():
            return fn(*args, **kwargs)

    return run


def snap(form):
    """A plain copy of a form with its versions, media and assignments (attribute access)."""
    def version(v):
        if v is None:
            return None
        return SimpleNamespace(id=v.id, version=v.version, status=v.status, title=v.title, xform_md5=v.xform_md5,
                               source_filename=v.source_filename, warnings=v.warnings, validated=v.validated,
                               validate_note=v.validate_note,
                               media=[SimpleNamespace(filename=m.filename, content_type=m.content_type, md5=m.md5,
                                                      size=m.size) for m in v.media])

    return SimpleNamespace(xml_form_id=form.xml_form_id, title=form.title, state=form.state, area=form.area.code,
                           versions=[version(v) for v in form.versions], draft=version(form.draft),
                           current=version(form.current),
                           assignments=[(a.role, a.area.code) for a in form.assignments])
