"""Record and read audit events."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import select, true

from server.accounts import permissions
from server.areas.models import Area
from server.audit.models import AuditEvent
from server.db import get_session


def client_ip() -> str | None:
    """The peer's address; behind trusted proxies (ZOUFANG_PROXY_HOPS) ProxyFix has already put the client's
    there. A bare X-Forwarded-For is never read: any client could write one."""
    if not has_request_context():
        return "cli"
    return request.remote_addr or None


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


ACTION_LABELS = {
    "login.success": ("登录成功", "logged in"),
    "login.failure": ("登录失败", "failed login"),
    "logout": ("退出登录", "logged out"),
    "user.create": ("创建用户", "created user"),
    "user.permissions": ("修改角色或区划", "changed role or areas"),
    "user.password": ("修改密码", "changed password"),
    "token.create": ("创建 API 令牌", "created API token"),
    "token.revoke": ("吊销 API 令牌", "revoked API token"),
    "area.create": ("创建区划", "created area"),
    "area.import": ("导入区划", "imported areas"),
    "form.upload": ("上传表单", "uploaded form"),
    "form.publish": ("发布表单", "published form"),
    "form.state": ("修改表单状态", "changed form state"),
    "form.assign": ("分配表单", "assigned form"),
    "form.media": ("上传媒体文件", "uploaded media file"),
    "phone.issue": ("发放手机链接", "issued a phone link"),
    "phone.revoke": ("吊销手机链接", "revoked a phone link"),
    "household.import": ("导入农户", "imported households"),
    "household.assign.add": ("增加帮扶干部", "added a helper cadre"),
    "household.assign.replace": ("更换帮扶干部", "replaced helper cadres"),
    "household.assign.remove": ("结束帮扶", "ended a helper's assignment"),
    "household.entity_conflict.apply": ("按走访记录更新农户信息（冲突）", "applied a conflicting household update"),
    "household.entity_conflict.dismiss": ("不采用冲突的农户信息", "dismissed a conflicting household update"),
    "submission.review": ("审核走访记录", "reviewed a visit"),
    "review.sample": ("抽取抽查样本", "drew a spot-check sample"),
    "poverty.set": ("设定贫困线", "set a poverty line"),
    "poverty.delete": ("删除贫困线", "deleted a poverty line"),
}


def _scope_condition(actor):
    """Events the actor may read: all of them for county-wide scopes, else those filed under an area in scope."""
    if permissions.county_wide(actor):
        return true()
    in_scope = select(Area.id).where(permissions.area_filter(actor, Area.path))
    return AuditEvent.area_id.in_(in_scope)


def list_events(*, actor, action: str | None = None, username: str | None = None,
                since: datetime | None = None, until: datetime | None = None, limit: int = 200,
                offset: int = 0) -> list[AuditEvent]:
    """Newest first. ``action`` matches a prefix ("login" → login.success and login.failure);
    ``since``/``until`` are naive UTC, ``until`` exclusive. Events not filed under any area
    (e.g. failed logins of unknown usernames) are shown only to county-wide admins."""
    permissions.require(actor, "audit.view")
    q = (select(AuditEvent).where(_scope_condition(actor))
         .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset))
    if action:
        q = q.where(AuditEvent.action.startswith(action, autoescape=True))
    if username:
        q = q.where(AuditEvent.actor_name == username)
    if since:
        q = q.where(AuditEvent.at >= since)
    if until:
        q = q.where(AuditEvent.at < until)
    return list(get_session().scalars(q))
