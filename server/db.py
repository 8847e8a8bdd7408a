"""Declarative base, engine per app, one session per app context, unit_of_work()."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone

from flask import current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def make_engine(url: str):
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def init_app(app) -> None:
    engine = make_engine(app.config["ZOUFANG"].database_url)
    app.extensions["zoufang_engine"] = engine
    app.extensions["zoufang_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def get_session() -> Session:
    """The session of the current app context (a request, a CLI command or a job)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["zoufang_sessionmaker"]()
    return g.db_session


def get_engine():
    return current_app.extensions["zoufang_engine"]


@contextmanager
def unit_of_work():
    """The one transaction of a request, job or CLI command: commit on success, roll back on error.

    Nested use joins the outer unit: only the outermost commits.
    """
    session = get_session()
    depth = g.get("uow_depth", 0)
    g.uow_depth = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        g.uow_depth = depth
