"""The ``zoufang`` console script: thin click wrappers over the services.

    zoufang init | demo | serve | user … | area … | form …
"""
from __future__ import annotations

import os
import shutil
import sys
from functools import wraps
from importlib import import_module

import click
from flask.cli import FlaskGroup, with_appcontext

from server.errors import DomainError

# (module, attribute) of each domain's click group (or a single command)
CLI_GROUPS = [
    ("server.accounts.cli", "user"),
    ("server.areas.cli", "area"),
    ("server.households.cli", "household"),
    ("server.forms.cli", "form"),
    ("server.accounts.phone_cli", "phone_url"),
    ("server.poverty.cli", "poverty_line"),
    ("server.jobs.cli", "jobs"),
    ("server.evidence.cli", "evidence"),
]


def handle_errors(fn):
    """Run a command in the app context; a domain error prints its message and exits with its code."""

    @with_appcontext
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            click.echo(f"错误：{exc.message}", err=True)
            if exc.message_en:
                click.echo(f"Error: {exc.message_en}", err=True)
            for detail in exc.details:
                click.echo(f"  - {detail}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


@click.command("init")
@handle_errors
def init_cmd():
    """创建或升级数据库 / create or upgrade the database."""
    from server.db import get_engine
    from server.migrations import upgrade

    upgrade(get_engine())
    click.echo("数据库已就绪 / database is at the latest schema")


def gunicorn_argv(gunicorn: str, host: str, port: int, workers: int, timeout: int = 120) -> list[str]:
    """How production runs: ``workers`` sync workers, each handing its heartbeat to ``server.heartbeat``
    (``server.gunicorn_hooks``) so that a phone sending slowly for longer than ``timeout`` is not cut off.

    Sync rather than gthread workers: under the ingest bench's load, 2 × 8 (or 2 × 2) threads stored 25–47 %
    fewer submissions per second (the GIL). No control socket: gunicorn ≥ 23 would otherwise share
    ~/.gunicorn/gunicorn.ctl between every server this user runs."""
    return [gunicorn, "--bind", f"{host}:{port}", "--workers", str(workers), "--timeout", str(timeout),
            "--config", "python:server.gunicorn_hooks", "--no-control-socket", "server.wsgi:app"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--dev", is_flag=True, help="使用 Flask 开发服务器 / use the development server")
def serve_cmd(host: str, port: int, workers: int, dev: bool):
    """运行服务器（有 gunicorn 时用 gunicorn）/ run the server (gunicorn when available)."""
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    if gunicorn and not dev:
        click.echo(f"gunicorn on http://{host}:{port} ({workers} workers)")
        os.execv(gunicorn, gunicorn_argv(gunicorn, host, port, workers))
    from werkzeug.serving import run_simple

    from server import create_app

    # run_simple, not app.run(): Flask's run() does nothing when called from inside its own CLI
    run_simple(host, port, create_app(), threaded=True)


def register_cli(app) -> None:
    app.cli.add_command(init_cmd)
    app.cli.add_command(serve_cmd)
    from server.demo import demo_cmd

    app.cli.add_command(demo_cmd)
    for module, attr in CLI_GROUPS:
        try:
            mod = import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        app.cli.add_command(getattr(mod, attr))


def _create_app():
    from server import create_app

    return create_app()


def main() -> None:
    group = FlaskGroup(create_app=_create_app, add_default_commands=False, load_dotenv=False,
                       help="走访服务器运维命令 / zoufang operations")
    group(prog_name="zoufang")
