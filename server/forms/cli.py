"""``zoufang form …``: upload, list, publish, open/close and assign forms."""
from __future__ import annotations

from pathlib import Path

import click

from server.accounts.permissions import SYSTEM
from server.cli import handle_errors
from server.db import unit_of_work
from server.errors import DomainError
from server.forms import service
from server.forms.issues import location, location_en
from server.forms.models import FORM_STATE_LABELS, FORM_STATES


@click.group("form")
def form():
    """表单：上传、发布、开关、分配 / forms: upload, publish, open/close, assign."""


def _print_issue(issue: dict, *, err: bool) -> None:
    where, where_en = location(issue), location_en(issue)
    click.echo(f"  - {where + '：' if where else ''}{issue.get('message', '')}", err=err)
    if issue.get("message_en") and issue.get("message_en") != issue.get("message"):
        click.echo(f"    {where_en + ': ' if where_en else ''}{issue['message_en']}", err=err)


def _print_details(exc: DomainError) -> None:
    """One readable line per problem (sheet/row first); handle_errors then prints the summary."""
    issues = [d for d in exc.details if isinstance(d, dict) and "message" in d]
    for issue in issues:
        _print_issue(issue, err=True)
    if issues:
        exc.details = []


@form.command("upload")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="上传后立即发布 / publish right after upload")
@click.option("--area", "area_code", default=None, help="新表单所属区划代码 / area code owning a new form")
@handle_errors
def upload_cmd(file: Path, publish: bool, area_code: str | None):
    """上传 XLSForm（.xlsx/.xls）为草稿 / upload an XLSForm as the form's draft."""
    try:
        with unit_of_work():
            f = service.upload_xlsform(file.read_bytes(), file.name, actor=SYSTEM, area_code=area_code)
            version = f.draft
            if publish:
                version = service.publish_draft(f.id, actor=SYSTEM)
            click.echo(f"表单 / form: {f.xml_form_id}  «{f.title}»  版本 / version: {version.version}  "
                       f"({'已发布 / published' if publish else '草稿 / draft'})")
            click.echo(f"md5:{version.xform_md5}")
            click.echo(version.validate_note or "")
            for w in version.warnings:
                click.echo("警告 / warning:")
                _print_issue(w, err=False)
    except DomainError as exc:
        _print_details(exc)
        raise


@form.command("list")
@handle_errors
def list_cmd():
    """列出表单 / list forms."""
    with unit_of_work():
        forms = service.list_forms(actor=SYSTEM)
        for f in forms:
            current = f.current.version if f.current else "-"
            draft = f.draft.version if f.draft else "-"
            click.echo(f"{f.xml_form_id}\t{f.title}\t{f.state}（{FORM_STATE_LABELS[f.state]}）\t"
                       f"published={current}\tdraft={draft}\t{f.area.code}")
    if not forms:
        click.echo("（没有表单 / no forms）", err=True)


@form.command("publish")
@click.argument("form_id")
@handle_errors
def publish_cmd(form_id: str):
    """发布草稿 / publish the draft."""
    with unit_of_work():
        v = service.publish_draft(form_id, actor=SYSTEM)
        click.echo(f"已发布 / published {form_id} {v.version} md5:{v.xform_md5}")


@form.command("state")
@click.argument("form_id")
@click.argument("state", type=click.Choice(FORM_STATES, case_sensitive=False))
@handle_errors
def state_cmd(form_id: str, state: str):
    """设置表单状态：open 开放 / closing 停止下发 / closed 关闭."""
    with unit_of_work():
        f = service.set_form_state(form_id, state, actor=SYSTEM)
        click.echo(f"{f.xml_form_id}: {f.state}（{FORM_STATE_LABELS[f.state]}）")


@form.command("assign")
@click.argument("form_id")
@click.option("--role", default="cadre", show_default=True, help="接收表单的角色 / role receiving the form")
@click.option("--area", "area_code", required=True, help="区划代码 / area code")
@click.option("--remove", is_flag=True, help="取消分配 / remove the assignment")
@handle_errors
def assign_cmd(form_id: str, role: str, area_code: str, remove: bool):
    """把表单分配给某区划的某角色 / assign a form to a role within an area."""
    with unit_of_work():
        if remove:
            service.unassign_form(form_id, role, area_code, actor=SYSTEM)
            click.echo(f"已取消分配 / unassigned {form_id}: {role} @ {area_code}")
        else:
            service.assign_form(form_id, role, area_code, actor=SYSTEM)
            click.echo(f"已分配 / assigned {form_id}: {role} @ {area_code}")


@form.command("media")
@click.argument("form_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handle_errors
def media_cmd(form_id: str, file: Path):
    """为草稿上传媒体文件 / add a media file to the draft."""
    with unit_of_work():
        m = service.upload_media(form_id, file.name, file.read_bytes(), actor=SYSTEM)
        click.echo(f"{m.filename}  {m.size} bytes  md5:{m.md5}")
