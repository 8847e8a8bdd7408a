"""``zoufang area …``: import, list and add areas."""
from __future__ import annotations

from pathlib import Path

import click

from server.accounts.permissions import SYSTEM
from server.areas import importer, service
from server.areas.levels import level_depth, level_label
from server.cli import handle_errors
from server.db import unit_of_work
from server.import_cli import run_import


@click.group("area")
def area():
    """区划：导入、列出、新建 / areas: import, list, add."""


def _print_report(report: dict) -> None:
    click.echo(f"共 {report['rows']} 行：新建 {len(report['created'])}，更新 {len(report['updated'])}，"
               f"无变化 {report['unchanged']}，错误 {len(report['errors'])}")
    click.echo(f"{report['rows']} rows: {len(report['created'])} new, {len(report['updated'])} renamed, "
               f"{report['unchanged']} unchanged, {len(report['errors'])} errors")
    for u in report["updated"]:
        click.echo(f"  第 {u['row']} 行 {u['code']}：{u['old_name']} → {u['name']}")


@area.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查，不保存 / check only, store nothing")
@handle_errors
def import_cmd(file: Path, dry_run: bool):
    """从 XLSX/XLS/CSV 导入区划 / import areas (columns 区划代码, 名称, 层级, 上级代码)."""
    run_import(lambda: importer.import_areas(file.read_bytes(), file.name, actor=SYSTEM, dry_run=dry_run),
               _print_report, dry_run=dry_run)


@area.command("list")
@click.option("--level", default=None, help="county/township/village/group 或 县/乡镇/行政村/村民小组")
@click.option("--parent", default=None, help="上级代码：只列其直属下级 / direct children of this code")
@handle_errors
def list_cmd(level: str | None, parent: str | None):
    """列出区划（按树的顺序缩进）/ list areas as an indented tree."""
    with unit_of_work():
        areas = service.list_areas(actor=SYSTEM, level=level, parent=parent)
        for a in areas:
            click.echo(f"{'  ' * level_depth(a.level)}{a.code}\t{a.name}\t{level_label(a.level)}")
    if not areas:
        click.echo("（没有区划 / no areas）", err=True)


@area.command("add")
@click.argument("code")
@click.argument("name")
@click.argument("level")
@click.option("--parent", "parent_code", default=None, help="上级区划代码 / parent code")
@handle_errors
def add_cmd(code: str, name: str, level: str, parent_code: str | None):
    """新建一个区划 / add one area.  LEVEL: 县/乡镇/行政村/村民小组 or county/township/village/group."""
    with unit_of_work():
        a = service.create_area(code, name, level, parent_code, actor=SYSTEM)
        click.echo(f"已新建 / created: {a.code} {a.name}（{level_label(a.level)}）")

