"""``zoufang user …``: create, list, tokens, passwords, deactivation. The operator acts as SYSTEM."""
from __future__ import annotations

import sys

import click

from server.accounts import service
from server.accounts.permissions import SYSTEM
from server.cli import handle_errors
from server.db import unit_of_work


@click.group("user")
def user():
    """用户与令牌 / users and API tokens."""


def _read_password(password: str | None, from_stdin: bool) -> str:
    if password is not None and from_stdin:
        raise click.UsageError("--password 与 --password-stdin 只能用一个 / use one of --password, --password-stdin")
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if password is not None:
        return password
    return click.prompt("密码 / password", hide_input=True, confirmation_prompt=True)


@user.command("create")
@click.argument("username")
@click.option("--role", required=True, help="admin | designer | township | supervisor | cadre")
@click.option("--area", "areas", multiple=True, required=True, help="区划代码，可重复 / area code, repeatable")
@click.option("--name", "display_name", help="姓名 / display name")
@click.option("--phone", help="电话 / phone")
@click.option("--password", help="密码（会留在 shell 历史中）/ password (ends up in shell history)")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码 / read the password from stdin")
@handle_errors
def create_cmd(username, role, areas, display_name, phone, password, password_stdin):
    """创建用户 / create a user."""
    secret = _read_password(password, password_stdin)
    with unit_of_work():
        u = service.create_user(username, secret, role, list(areas), actor=SYSTEM, display_name=display_name,
                                phone=phone)
        codes = ",".join(sorted(a.code for a in u.areas))
    click.echo(f"已创建用户 / created user {u.username} ({u.role}, {codes})")


@user.command("list")
@click.option("--role", help="只列出该角色 / only this role")
@click.option("--area", help="只列出该区划及下级的用户 / only users in this area or below")
@handle_errors
def list_cmd(role, area):
    """列出用户 / list users."""
    with unit_of_work():
        users = service.list_users(actor=SYSTEM, role=role, area_code=area)
        rows = [(u.username, u.role, "active" if u.active else "inactive", ",".join(sorted(a.code for a in u.areas)),
                 u.display_name) for u in users]
    if not rows:
        click.echo("（没有用户 / no users）")
        return
    width = max(len(r[0]) for r in rows)
    for name, role_, state, codes, display in rows:
        click.echo(f"{name:<{width}}  {role_:<10}  {state:<8}  {codes}  {display}")


@user.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="令牌名称 / token name")
@handle_errors
def token_cmd(username, name):
    """为用户创建 API 令牌，只显示一次 / create an API token for a user (shown once)."""
    with unit_of_work():
        u = service.get_user_by_username(username, actor=SYSTEM)
        _token, secret = service.create_token(u, name, actor=SYSTEM)
    click.echo(secret)
    click.echo("请保存此令牌，它不会再次显示 / keep this token: it will not be shown again", err=True)


@user.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码 / read the password from stdin")
@handle_errors
def set_password_cmd(username, password_stdin):
    """设置用户密码（其登录会话全部失效）/ set a user's password (ends their sessions)."""
    secret = _read_password(None, password_stdin)
    with unit_of_work():
        u = service.get_user_by_username(username, actor=SYSTEM)
        service.set_password(u, secret, actor=SYSTEM)
    click.echo(f"已设置密码 / password set for {username}")


@user.command("deactivate")
@click.argument("username")
@handle_errors
def deactivate_cmd(username):
    """停用用户：不能再登录，令牌失效 / deactivate a user: no more logins, tokens stop working."""
    with unit_of_work():
        u = service.get_user_by_username(username, actor=SYSTEM)
        service.update_user(u.id, actor=SYSTEM, active=False)
    click.echo(f"已停用 / deactivated {username}")
