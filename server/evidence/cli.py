"""``zoufang evidence check [--all | --since DATE]``: run the evidence checks over stored visits (backfill)."""
from __future__ import annotations

from datetime import datetime

import click

from server.cli import handle_errors
from server.db import unit_of_work


@click.group("evidence")
def evidence():
    """走访佐证检查 / visit evidence checks."""


@evidence.command("check")
@click.option("--all", "everything", is_flag=True, help="重新检查全部走访 / re-check every visit")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="只检查此日期（含）以后接收的走访 / only visits received on or after YYYY-MM-DD")
@handle_errors
def check_cmd(everything: bool, since: datetime | None):
    """检查走访的定位、时长、照片时间和重复照片；默认只查还没检查过的 / check visits (by default those not yet checked)."""
    from server.evidence.service import check_submission, submissions_to_check

    if everything and since:
        raise click.UsageError("--all 与 --since 只能选一个 / use --all or --since, not both")
    with unit_of_work():
        ids = submissions_to_check(since=since, only_unchecked=not (everything or since))
    flagged = flags = 0
    for n, sid in enumerate(ids, 1):
        with unit_of_work():  # one visit per transaction: its prints are there for the next one
            found = check_submission(sid)
        flags += len(found)
        flagged += bool(found)
        if n % 500 == 0:
            click.echo(f"  {n}/{len(ids)}", err=True)
    click.echo(f"已检查 {len(ids)} 次走访，{flagged} 次有疑点，共 {flags} 个疑点 / "
               f"checked {len(ids)} visits: {flagged} flagged, {flags} flags")
