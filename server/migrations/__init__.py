"""Alembic wiring: ``upgrade(engine)`` builds or upgrades any database to head."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

HERE = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def heads() -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config()).get_heads())
