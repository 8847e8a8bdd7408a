"""Record and read audit events."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import select

from server.accounts import permissions
from server.audit.models import AuditEvent
from server.db import get_session


def client_ip() -> str | None:
    if not has_request_context():
        return "cli"
    return request.headers.get("X-Forwarded-For", request.remote_addr or "").split(",")[0].strip() or None


def record_event(action: str, *, actor=None, actor_name: str | None = None, target: str | None = None,
                 detail: dict | None = None, area=None) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,  # SYSTEM has id None
        actor_name=actor.username if actor is not None else actor_name,
        target=target,
        detail=detail or {},
        ip=client_ip(),
        area_id=area.id if area is not None else None,
    )
    session = get_session()
    session.add(event)
    session.flush()
    return event


def list_events(*, actor, action: str | None = None, username: str | None = None,
                since: datetime | None = None, until: datetime | None = None, limit: int = 200) -> list[AuditEvent]:
    permissions.require(actor, "audit.view")
    q = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEvent.action.startswith(action, autoescape=True))
    if username:
        q = q.where(AuditEvent.actor_name == username)
    if since:
        q = q.where(AuditEvent.at >= since)
    if until:
        q = q.where(AuditEvent.at < until)
    return list(get_session().scalars(q))
