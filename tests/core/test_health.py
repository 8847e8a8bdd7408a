from sqlalchemy import inspect

from server.migrations import heads
from server.models import metadata


def test_healthz_reports_database_ok(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(tmp_path):
    from server import create_app

    app = create_app({"database_url": "postgresql://nobody@127.0.0.1:1/none", "data_dir": tmp_path,
                      "exports_dir": tmp_path / "x", "secret_key": "s"})
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.json["database"] == "unreachable"


def test_migrations_have_a_single_head():
    assert len(heads()) == 1


def test_migrations_build_every_table_of_the_models(app):
    engine = app.extensions["zoufang_engine"]
    built = set(inspect(engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= built
    assert "alembic_version" in built


def test_unknown_page_gives_chinese_404(client):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.json["error"]["message"] == "找不到该页面或资源"


def test_models_and_migrations_agree(app):
    """Autogenerate against the migrated database finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = app.extensions["zoufang_engine"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_home_page_in_chinese_and_english(client, make_user, login):
    admin = make_user("admin", "C")
    login(admin)
    zh = client.get("/").get_data(as_text=True)
    assert "审计日志" in zh and "县扶贫办管理员" in zh
    en = client.get("/?lang=en").get_data(as_text=True)
    assert "Audit log" in en and "County office administrator" in en and "审计日志" not in en
    # the choice is remembered in a cookie
    assert "Audit log" in client.get("/").get_data(as_text=True)
