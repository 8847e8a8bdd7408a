"""``zoufang phone-url USERNAME``: the ODK Collect server URL for one cadre (the operator acts as SYSTEM)."""
from __future__ import annotations

import click

from server.accounts.permissions import SYSTEM
from server.accounts.phone_setup import collect_settings, server_url, settings_payload
from server.accounts.phones import ensure_phone_token, issue_phone_token
from server.accounts.service import get_user_by_username
from server.cli import handle_errors
from server.db import unit_of_work

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@click.command("phone-url")
@click.argument("username")
@click.option("--base-url", envvar="ZOUFANG_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
              help="手机访问服务器的地址（或环境变量 ZOUFANG_BASE_URL）/ the address phones reach (or ZOUFANG_BASE_URL)")
@click.option("--new", "renew", is_flag=True, help="生成新令牌，旧链接失效 / issue a new token; the old link stops working")
@click.option("--qr-payload", is_flag=True,
              help="另外输出二维码内容（base64 zlib JSON）/ also print the QR code text (base64 zlib JSON)")
@handle_errors
def phone_url(username: str, base_url: str, renew: bool, qr_payload: bool):
    """输出该干部在 ODK Collect 中使用的服务器地址（没有令牌时生成）/ print the Collect server URL for a user."""
    with unit_of_work():
        user = get_user_by_username(username, actor=SYSTEM)
        token = issue_phone_token(user, actor=SYSTEM) if renew else ensure_phone_token(user, actor=SYSTEM)
        url = server_url(base_url, token.token)
        payload = settings_payload(collect_settings(user, url)) if qr_payload else None
    click.echo(url)
    if payload:
        click.echo(payload)
