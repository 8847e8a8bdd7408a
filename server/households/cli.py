"""``zoufang household …``: import the household register."""
from __future__ import annotations

from pathlib import Path

import click

from server.accounts.permissions import SYSTEM
from server.cli import handle_errors
from server.import_cli import run_import
from server.households.importer import import_households

SHELL_MAX_BYTES = 1024 * 1024 * 1024  # the operator at the shell may import a county-wide register


@click.group("household")
def household():
    """农户：导入花名册 / households: import the register."""


def _print_report(report: dict) -> None:
    click.echo(f"共 {report['rows']} 行、{report['households']} 户：新建 {report['created']}，"
               f"更新 {len(report['updated'])}，无变化 {report['unchanged']}，错误 {len(report['errors'])}")
    click.echo(f"{report['rows']} rows, {report['households']} households: {report['created']} new, "
               f"{len(report['updated'])} updated, {report['unchanged']} unchanged, {len(report['errors'])} errors")
    for w in report["warnings"]:
        click.echo(f"  注意 / note: {w['message']} / {w['message_en']}")
    for u in report["updated"]:
        click.echo(f"  第 {u['row']} 行 {u['code']}：" + "；".join(f"{k} {v[0]!r} → {v[1]!r}" for k, v in u["changes"].items()))


@household.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查，不保存 / check only, store nothing")
@handle_errors
def import_cmd(file: Path, dry_run: bool):
    """从 XLSX/XLS/CSV 花名册导入农户 / import households (one row per member; see the template)."""
    run_import(lambda: import_households(file.read_bytes(), file.name, actor=SYSTEM, dry_run=dry_run,
                                         max_bytes=SHELL_MAX_BYTES), _print_report, dry_run=dry_run)


from server.households.assign_cli import assign_cmd  # noqa: E402  (its own module: bulk assignment)

household.add_command(assign_cmd)
