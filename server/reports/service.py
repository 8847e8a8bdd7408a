"""One household's documents, rendered synchronously inside a service call (allowed for one household):
the 走访记录 of a date range and the 一户一档. Anything bigger is a job (server.jobs).

Access is the household file's: 404 outside the actor's scope, cadres only their own households,
身份证号 masked unless the actor may see it whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.errors import Invalid
from server.households.file import household_file
from server.reports.documents import Thumbnails, header, visit_entries
from server.reports.render import render_html, render_pdf


@dataclass
class Document:
    filename: str
    data: bytes


def _footer(hd: dict, generated: str | None = None) -> str:
    from datetime import datetime

    from server.audit.times import CHINA

    day = generated or datetime.now(CHINA).strftime("%Y-%m-%d")
    return f"{hd['township']}{hd['village']} · {hd['head']}（{hd['code']}） · 生成于 {day}"


def _period(since: date | None, until: date | None) -> str:
    if since is None and until is None:
        return "全部走访"
    return f"{since or '建档起'} 至 {until or '今'}"


def visit_log_context(code: str, *, actor, since: date | None = None, until: date | None = None,
                      submitter_id: int | None = None):
    if since and until and since > until:
        raise Invalid("起始日期晚于截止日期", "since is after until", code="bad_period")
    f = household_file(code, actor=actor)
    thumbs = Thumbnails()
    hd = header(f)
    ctx = {"hd": hd, "visits": visit_entries(f, thumbs, actor=actor, since=since, until=until,
                                                  submitter_id=submitter_id), "period": _period(since, until),
           "footer": _footer(hd)}
    return ctx, thumbs


def household_file_context(code: str, *, actor):
    f = household_file(code, actor=actor)
    thumbs = Thumbnails()
    hd = header(f)
    ctx = {"f": f, "hd": hd, "visits": visit_entries(f, thumbs, actor=actor), "footer": _footer(hd)}
    return ctx, thumbs


def visit_log_pdf(code: str, *, actor, since: date | None = None, until: date | None = None) -> Document:
    ctx, thumbs = visit_log_context(code, actor=actor, since=since, until=until)
    return Document(f"走访记录-{ctx['hd']['code']}.pdf", render_pdf("visits.html", thumbs.images, **ctx))


def household_file_pdf(code: str, *, actor) -> Document:
    ctx, thumbs = household_file_context(code, actor=actor)
    return Document(f"一户一档-{ctx['hd']['code']}.pdf", render_pdf("household_file.html", thumbs.images, **ctx))


def household_file_html(code: str, *, actor) -> str:
    """The HTML WeasyPrint is given (for the cache key of a book's part and for debugging)."""
    ctx, _ = household_file_context(code, actor=actor)
    return render_html("household_file.html", **ctx)
