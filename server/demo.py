"""``zoufang demo``: a demo county to try the server with.

Loads 1 county, 2 townships, 6 villages with 2 villager groups each, a user of
every role, 204 households with members (each demo cadre responsible for 20 in
their village), the shipped forms from ``forms/xlsform/`` (published) and 24 四个一
visits with photos and GPS, a few of them suspicious, checked and partly reviewed
(``server.submissions.demo_visits``). Safe to run twice: it does nothing when the
county is already there.
"""
from __future__ import annotations

import click
from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.areas.models import Area
from server.config import ROOT
from server.db import get_session, unit_of_work

COUNTY = ("431228", "芷江侗族自治县")
TOWNSHIPS = {
    ("431228101", "岩桥镇"): [("431228101201", "岩桥村"), ("431228101202", "大洪山村"), ("431228101203", "黄家垅村")],
    ("431228102", "碧涌镇"): [("431228102201", "碧涌村"), ("431228102202", "三门村"), ("431228102203", "龙井村")],
}
DEMO_PASSWORD = "zoufang-demo"
USERS = [
    ("admin", "县扶贫办 王主任", "admin", ["431228"]),
    ("designer", "表单设计 李工", "designer", ["431228"]),
    ("yanqiao", "岩桥镇扶贫站 张站长", "township", ["431228101"]),
    ("bichong", "碧涌镇扶贫站 刘站长", "township", ["431228102"]),
    ("supervisor", "县督查组 陈组长", "supervisor", ["431228"]),
    ("cadre1", "帮扶干部 杨明", "cadre", ["431228101201"]),
    ("cadre2", "帮扶干部 吴芳", "cadre", ["431228101202"]),
    ("cadre3", "帮扶干部 蒋涛", "cadre", ["431228102201"]),
]


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo county; returns (username, password, role) rows, or [] when already loaded."""
    from server.accounts.service import create_user
    from server.areas.service import create_area

    session = get_session()
    if session.scalar(select(Area.id).where(Area.code == COUNTY[0])) is not None:
        return []
    create_area(COUNTY[0], COUNTY[1], "county", None, actor=SYSTEM)
    for (tcode, tname), villages in TOWNSHIPS.items():
        create_area(tcode, tname, "township", COUNTY[0], actor=SYSTEM)
        for vcode, vname in villages:
            create_area(vcode, vname, "village", tcode, actor=SYSTEM)
            for g in (1, 2):
                create_area(f"{vcode}{g:02d}", f"{vname}{g}组", "group", vcode, actor=SYSTEM)
    logins = []
    for username, name, role, areas in USERS:
        create_user(username, DEMO_PASSWORD, role, areas, actor=SYSTEM, display_name=name)
        logins.append((username, DEMO_PASSWORD, role))
    from server.households.demo import load_demo_households

    load_demo_households({areas[0]: username for username, _, role, areas in USERS if role == "cadre"})
    from server.poverty.demo import load_demo_lines

    load_demo_lines(COUNTY[0], "431228101201")
    _publish_shipped_forms()
    from server.submissions.demo_visits import load_demo_visits, review_some

    session.flush()
    cadres = [username for username, _, role, _ in USERS if role == "cadre"]
    review_some(load_demo_visits(cadres), "supervisor")
    return logins


def _publish_shipped_forms() -> None:
    try:
        from server.forms.service import assign_form, publish_draft, upload_xlsform
    except ImportError:  # forms domain not present
        return
    for path in sorted((ROOT / "forms" / "xlsform").glob("*.xls*")):
        form = upload_xlsform(path.read_bytes(), path.name, actor=SYSTEM, area_code=COUNTY[0])
        publish_draft(form.id, actor=SYSTEM)
        assign_form(form.id, "cadre", COUNTY[0], actor=SYSTEM)


@click.command("demo")
def demo_cmd():
    """载入演示县并打印登录信息 / load a demo county and print the logins."""
    from server.cli import handle_errors

    @handle_errors
    def run():
        with unit_of_work():
            logins = load_demo()
        if not logins:
            click.echo("演示数据已存在 / demo data already loaded (password: %s)" % DEMO_PASSWORD)
            return
        click.echo("演示数据已载入 / demo data loaded. 登录 / logins:")
        for username, password, role in logins:
            click.echo(f"  {username:<12} {password}  ({role})")

    run()
