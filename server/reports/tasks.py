"""The exports bigger than one household, as job kinds: a cadre's month, a village book, a township book.

``check(kind, params, actor)`` validates a request before a job row exists (so a bad area answers 404/422
at once); ``build(kind, params, actor, cache_dir, progress)`` makes the PDF inside the job.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from server.accounts import permissions
from server.accounts.models import User
from server.areas.service import get_area
from server.audit.times import CHINA, day_start_utc
from server.db import get_session
from server.errors import Invalid, NotFound
from server.households.models import Household
from server.households.service import list_households
from server.reports.books import Part, merge, render_parts
from server.reports.render import render_html
from server.reports.service import household_file_context, visit_log_context
from server.submissions.models import Submission

KINDS = {"village_book": "村有册（一户一档合订本）", "township_book": "乡有簿（一户一档合订本）",
         "cadre_month": "干部月度走访记录"}
BOOK_LEVELS = {"village_book": "village", "township_book": "township"}


def _month(value: str | None) -> date:
    try:
        return datetime.strptime(value or "", "%Y-%m").date() if value else datetime.now(CHINA).date().replace(day=1)
    except ValueError:
        raise Invalid(f"月份格式应为 YYYY-MM：{value}", "month must be YYYY-MM", code="bad_month") from None


def _cadre(username: str, actor) -> User:
    user = get_session().scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or user.role != "cadre":
        raise NotFound(f"找不到帮扶干部：{username}", f"Cadre not found: {username}", code="cadre_not_found")
    if actor is not permissions.SYSTEM and actor.role == "cadre" and actor.id != user.id:
        raise NotFound(f"找不到帮扶干部：{username}", f"Cadre not found: {username}", code="cadre_not_found")
    if actor is not permissions.SYSTEM and actor.role != "cadre" and \
            not any(permissions.in_scope(actor, area) for area in user.areas):
        raise NotFound(f"找不到帮扶干部：{username}", f"Cadre not found: {username}", code="cadre_not_found")
    return user


def check(kind: str, params: dict, actor) -> dict:
    """The cleaned parameters; raises NotFound / Invalid as the routes answer them."""
    permissions.require(actor, "household.view")
    if kind not in KINDS:
        raise Invalid(f"未知的导出类型：{kind}", f"unknown kind: {kind}", code="bad_kind")
    if kind in BOOK_LEVELS:
        area = get_area(params.get("area") or "", actor=actor)
        if area.level != BOOK_LEVELS[kind]:
            raise Invalid(f"{area.name} 不是{'行政村' if kind == 'village_book' else '乡镇'}",
                          f"{area.code} is not a {BOOK_LEVELS[kind]}", code="bad_area_level")
        return {"area": area.code}
    first = _month(params.get("month"))
    return {"cadre": _cadre(params.get("cadre") or "", actor).username, "month": first.strftime("%Y-%m")}


def describe(kind: str, params: dict) -> str:
    return f"{KINDS.get(kind, kind)} · {params.get('area') or params.get('cadre')} {params.get('month') or ''}".strip()


def _book_parts(code: str, actor, progress) -> tuple[str, list[Part], str]:
    area = get_area(code, actor=actor)
    households = list_households(actor=actor, area=area)
    parts = []
    for n, h in enumerate(households, 1):
        ctx, thumbs = household_file_context(h.code, actor=actor)
        parts.append(Part(f"{h.village.name} · {h.head_name}（{h.code}）", render_html("household_file.html", **ctx),
                          thumbs.images))
        progress(int(40 * n / max(len(households), 1)))
    return f"{area.name} · 一户一档合订本", parts, area.name


def _month_parts(username: str, month: str, actor, progress) -> tuple[str, list[Part], str]:
    cadre = _cadre(username, actor)
    first = _month(month)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    codes = list(get_session().scalars(
        select(Household.code).distinct().join(Submission, Submission.household_id == Household.id)
        .where(Submission.submitter_id == cadre.id, Submission.received_at >= day_start_utc(first),
               Submission.received_at < day_start_utc(last + timedelta(days=1))).order_by(Household.code)))
    parts = []
    for n, code in enumerate(codes, 1):
        try:
            ctx, thumbs = visit_log_context(code, actor=actor, since=first, until=last, submitter_id=cadre.id)
        except NotFound:  # a household outside the actor's scope is left out
            continue
        parts.append(Part(f"{ctx['hd']['head']}（{code}）", render_html("visits.html", **ctx), thumbs.images))
        progress(int(40 * n / max(len(codes), 1)))
    return f"{cadre.display_name} · {month} 走访记录", parts, cadre.display_name


def build(kind: str, params: dict, actor, cache_dir: Path, progress: Callable[[int], None]) -> tuple[str, bytes]:
    """(download name, PDF bytes); progress gets 0–100."""
    if kind in BOOK_LEVELS:
        title, parts, where = _book_parts(params["area"], actor, progress)
    else:
        title, parts, where = _month_parts(params["cadre"], params["month"], actor, progress)
    if not parts:
        raise Invalid("没有可导出的农户或走访记录", "nothing to export", code="empty_export")
    rendered = render_parts(parts, cache_dir, progress=lambda done, total: progress(40 + int(50 * done / total)))
    footer = f"{where} · 生成于 {datetime.now(CHINA).strftime('%Y-%m-%d')}"
    data = merge(title, parts, rendered.paths, footer)
    progress(100)
    return f"{title.replace(' · ', '-')}.pdf", data
