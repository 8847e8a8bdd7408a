"""``zoufang household assign CADRE (--village CODE | --codes A,B,…) [--mode add|replace|remove]``."""
from __future__ import annotations

import click

from server.accounts.permissions import SYSTEM
from server.areas.service import get_area
from server.cli import handle_errors
from server.db import unit_of_work
from server.households.assign_schemas import AssignmentRequestSchema
from server.households.assignments import MODES, assign_households
from server.inputs import load


@click.command("assign")
@click.argument("cadre")
@click.option("--village", help="区划代码：该区划的全部农户 / every household of this area")
@click.option("--codes", help="户编号，逗号分隔 / household codes, comma-separated")
@click.option("--mode", type=click.Choice(MODES), default="add", show_default=True,
              help="add 增加；replace 改由此人帮扶；remove 结束此人帮扶")
@handle_errors
def assign_cmd(cadre: str, village: str | None, codes: str | None, mode: str):
    """批量分配帮扶干部 / assign a cadre to households in bulk."""
    data = load(AssignmentRequestSchema(), {"cadre": cadre, "village": village, "codes": codes, "mode": mode})
    with unit_of_work():
        area = get_area(data["village"], actor=SYSTEM) if data["village"] else None
        changed = assign_households(data["cadre"], actor=SYSTEM, codes=data["codes"], village=area,
                                    mode=data["mode"])
    click.echo(f"已更新 {changed} 户 / {changed} households changed")
