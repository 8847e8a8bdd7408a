"""``zoufang poverty-line set AREA YEAR AMOUNT [--note …]`` and ``zoufang poverty-line list [--year Y]``."""
from __future__ import annotations

import click

from server.accounts.permissions import SYSTEM
from server.cli import handle_errors
from server.db import unit_of_work
from server.inputs import load
from server.poverty.schemas import PovertyLineInSchema
from server.poverty.service import check_year, list_lines, set_line


@click.group("poverty-line")
def poverty_line():
    """贫困线：按年度、按区划设定 / poverty lines per year and area."""


@poverty_line.command("set")
@click.argument("area")
@click.argument("year")
@click.argument("amount")
@click.option("--note", help="依据或来源 / source document")
@handle_errors
def set_cmd(area: str, year: str, amount: str, note: str | None):
    """设定或修改某区划某年度的贫困线（元/人·年）/ set or change a line."""
    data = load(PovertyLineInSchema(), {"area": area, "year": year, "amount": amount, "note": note})
    with unit_of_work():
        line = set_line(data["area"], data["year"], data["amount"], data["note"], actor=SYSTEM)
        click.echo(f"{line.area.name}（{line.area.code}）{line.year} 年：{line.amount} 元 / "
                   f"{line.area.code} {line.year}: {line.amount} yuan")


@poverty_line.command("list")
@click.option("--year", help="只列该年度 / only this year")
@handle_errors
def list_cmd(year: str | None):
    """列出贫困线 / list the lines."""
    with unit_of_work():
        lines = list_lines(actor=SYSTEM, year=check_year(year) if year else None)
        for line in lines:
            click.echo(f"{line.year}\t{line.area.code}\t{line.area.name}\t{line.amount}\t{line.note or ''}")
        if not lines:
            click.echo("尚未设定贫困线 / no poverty lines")
