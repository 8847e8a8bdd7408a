"""The audit log page: admins filter by action, username and date range."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request

from server.accounts.auth import current_user, login_required
from server.accounts.schemas import load
from server.audit import service
from server.audit.schemas import AuditQueryFormSchema
from server.audit.times import day_start_utc, local_time
from server.db import unit_of_work

bp = Blueprint("audit", __name__)
PAGE_SIZE = 100

bp.add_app_template_filter(local_time, "local_time")
CHANGE_ACTIONS = {"user.permissions"}  # their detail maps each field to [before, after]


def _plain(value) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(_plain(v) for v in value) or "∅"
    return str(value)


@bp.app_template_filter("audit_detail")
def audit_detail(event) -> str:
    """An event's detail as one readable line: "role: cadre → admin; areas: V11 → V11、V12"."""
    parts = []
    for key, value in (event.detail or {}).items():
        if event.action in CHANGE_ACTIONS and isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {_plain(value[0])} → {_plain(value[1])}")
        else:
            parts.append(f"{key}: {_plain(value)}")
    return "; ".join(parts)


@bp.get("/audit")
@login_required
def list_events():
    actor = current_user()
    query = load(AuditQueryFormSchema(), request.args)
    since = day_start_utc(query["since"]) if query["since"] else None
    until = day_start_utc(query["until"] + timedelta(days=1)) if query["until"] else None
    with unit_of_work():
        events = service.list_events(actor=actor, action=query["action"], username=query["username"],
                                     since=since, until=until, limit=PAGE_SIZE + 1,
                                     offset=(query["page"] - 1) * PAGE_SIZE)
    more = len(events) > PAGE_SIZE
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/events.html", events=events[:PAGE_SIZE], query=query, more=more, args=args,
                           labels=service.ACTION_LABELS)
