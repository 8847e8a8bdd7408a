"""Shared fixtures: a real database built by the migrations (SQLite by default,
PostgreSQL when DATABASE_URL says so), a fresh app per test, factories."""
from __future__ import annotations

import os
import re
import uuid

import pytest
from sqlalchemy import create_engine, text

from server import create_app
from server.accounts.permissions import SYSTEM
from server.db import make_engine, unit_of_work
from server.migrations import upgrade
from server.models import metadata

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Build a brand-new database for this test run by running the migrations."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql")):
        url = base.replace("postgres://", "postgresql+psycopg://", 1).replace("postgresql://", "postgresql+psycopg://", 1)
        name = f"zoufang_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(re.sub(r"/[^/]*$", "/postgres", url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = re.sub(r"/[^/]*$", f"/{name}", url)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "database_url": database_url,
        "data_dir": tmp_path / "data",
        "exports_dir": tmp_path / "exports",
        "secret_key": "test-secret",
        "testing": True,
        "odk_validate": os.environ.get("ZOUFANG_ODK_VALIDATE", "auto"),
    })
    yield app
    empty_database(app)


def empty_database(app) -> None:
    """After a test: its visits' evidence checks finish (a check still writing while the tables are emptied
    deadlocks on PostgreSQL), then every table is emptied."""
    from server.evidence.tasks import wait_for_checks

    assert wait_for_checks(app, timeout=60), "the evidence checks of this test's visits did not finish"
    engine = app.extensions["zoufang_engine"]
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An app context, for calling services directly."""
    with app.app_context():
        yield


@pytest.fixture
def areas(app):
    """A small tree: county C; townships T1, T2; villages V11, V12 (in T1), V21 (in T2)."""
    from server.areas.service import create_area

    tree = [("C", "测试县", "county", None), ("T1", "东乡", "township", "C"), ("T2", "西乡", "township", "C"),
            ("V11", "东一村", "village", "T1"), ("V12", "东二村", "village", "T1"), ("V21", "西一村", "village", "T2"),
            ("G111", "东一村一组", "group", "V11")]
    with app.app_context(), unit_of_work():
        for code, name, level, parent in tree:
            create_area(code, name, level, parent, actor=SYSTEM)
    return {code: code for code, *_ in tree}


@pytest.fixture
def make_user(app, areas):
    """make_user(role, *area_codes, username=None) → username (password PASSWORD)."""
    from server.accounts.service import create_user

    counter = {"n": 0}

    def make(role: str, *area_codes: str, username: str | None = None) -> str:
        counter["n"] += 1
        username = username or f"{role}{counter['n']}"
        with app.app_context(), unit_of_work():
            create_user(username, PASSWORD, role, list(area_codes) or ["C"], actor=SYSTEM)
        return username

    return make


@pytest.fixture
def login(client):
    """login(username) → the client, logged in through the real login form."""
    def do(username: str, password: str = PASSWORD):
        page = client.get("/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
        resp = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert resp.status_code == 302, resp.data.decode()[:500]
        return client

    return do


@pytest.fixture
def api_token(app):
    """api_token(username) → headers with a fresh bearer token for that user."""
    from server.accounts.models import User
    from server.accounts.service import create_token
    from server.db import get_session
    from sqlalchemy import select

    def make(username: str) -> dict:
        with app.app_context(), unit_of_work():
            user = get_session().scalar(select(User).where(User.username == username))
            _, secret = create_token(user, "test", actor=SYSTEM)
        return {"Authorization": f"Bearer {secret}"}

    return make


def csrf_from(html: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()
