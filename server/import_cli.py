"""What every table-import CLI command shares: one line per bad row, the report, exit code 9 on errors."""
from __future__ import annotations

import sys

import click

from server.db import unit_of_work
from server.errors import Invalid


def print_row_error(e: dict) -> None:
    click.echo(f"  第 {e['row']} 行 {e['code'] or '-'}：{e['message']} / row {e['row']}: {e['message_en']}", err=True)


def run_import(call, print_report, *, dry_run: bool) -> None:
    """Run ``call()`` (an import service) in one unit of work and print its report; bad rows exit 9."""
    try:
        with unit_of_work():
            report = call()
    except Invalid as exc:
        rows = [d for d in exc.details if isinstance(d, dict) and "row" in d]
        for e in rows:  # one line per bad row; handle_errors then prints the summary and exits 9
            print_row_error(e)
        if rows:
            exc.details = []
        raise
    print_report(report)
    for e in report["errors"]:
        print_row_error(e)
    if report["errors"]:
        click.echo("检查未通过，未导入 / check failed, nothing imported", err=True)
        sys.exit(Invalid.exit_code)
    click.echo("检查通过（未保存）/ check passed (nothing stored)" if dry_run else "导入完成 / imported")
