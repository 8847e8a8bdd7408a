"""What a PDF shows, read from the household file: plain dicts a template prints, and the thumbnails it embeds.

``visit_entries`` turns the file's timeline into the 走访记录 (a date range, oldest first): date, cadre,
instrument, the labelled answers that matter, scores, the problems the visit raised and their status,
photos and signatures. Visits the actor may not open (another cadre's) show only their summary.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from server.audit.times import local_time
from server.households.file import HouseholdFile, Visit
from server.households.privacy import shown_id_number
from server.reports.photos import Photo, photo, thumbnail
from server.submissions.queries import submission_answers

# Leaves that are bookkeeping, not answers a reader needs.
SKIP_NAMES = {"household", "instanceID", "deprecatedID", "instanceName", "start", "end", "today", "deviceid",
              "username", "audit", "phonenumber", "simserial", "subscriberid"}
SIGNATURE_HINTS = ("sign", "签名", "签字")
ID_NUMBER = re.compile(r"\d{17}[\dXx]")  # an answer holding a 身份证号 is masked as the file masks members'


@dataclass
class Thumbnails:
    """sha256 → thumbnail JPEG of every usable image a document embeds (what the URL fetcher serves)."""

    images: dict[str, bytes] = field(default_factory=dict)

    def add(self, p: Photo) -> Photo:
        if p.url:
            data, _ = thumbnail(p.sha256)
            if data is not None:
                self.images[p.sha256] = data
        return p


def _in_range(visit: Visit, since: date | None, until: date | None) -> bool:
    day = local_time(visit.submission.received_at, "%Y-%m-%d")
    return (since is None or day >= since.isoformat()) and (until is None or day <= until.isoformat())


def _is_signature(answer) -> bool:
    text = f"{answer.name} {answer.label}".lower()
    return any(h in text for h in SIGNATURE_HINTS)


def _answers_and_images(visit: Visit, thumbs: Thumbnails, actor) -> tuple[list[dict], list[Photo], list[Photo]]:
    sub = visit.submission
    attachments = {a.name: a for a in sub.current.attachments}
    answers, photos, signatures, named = [], [], [], set()
    try:
        rows = submission_answers(sub)
    except Exception:  # an unreadable instance or form: the visit still prints its summary
        rows = []
    for a in rows:
        if a.kind != "field" or a.name in SKIP_NAMES or "/meta/" in a.path:
            continue
        if a.is_file:
            att = attachments.get(a.value)
            named.add(a.value)
            p = thumbs.add(photo(a.value, att.sha256 if att else None))
            (signatures if _is_signature(a) else photos).append(p)
        elif (a.display or "").strip():
            value = ID_NUMBER.sub(lambda m: shown_id_number(m.group(0), actor), a.display)
            answers.append({"label": a.label or a.name, "value": value})
    for name, att in attachments.items():  # images the instance does not name still belong to the visit
        if name not in named and att.content_type.lower().startswith("image/"):
            photos.append(thumbs.add(photo(name, att.sha256)))
    return answers, photos, signatures


def _scores(sub) -> list[dict]:
    """The visit's results with Chinese labels (a PDF is printed in Chinese, and a job has no request)."""
    result = sub.current.score
    return result.shown("zh") if result is not None else []


def _review_comment(sub) -> str | None:
    """The reviewer's latest comment, shown when the visit was sent back (has issues, rejected)."""
    if sub.state not in ("has_issues", "rejected"):
        return None
    from server.review.service import latest_comment

    event = latest_comment(sub.id)
    return event.comment if event is not None else None


def visit_entries(f: HouseholdFile, thumbs: Thumbnails, *, actor, since: date | None = None,
                  until: date | None = None, submitter_id: int | None = None) -> list[dict]:
    by_visit: dict[int, list] = {}
    for item in f.problems:
        if item.submission_id is not None:
            by_visit.setdefault(item.submission_id, []).append(item)
    out = []
    for v in reversed(f.visits):  # the file is newest first; a paper log reads oldest first
        if not _in_range(v, since, until) or (submitter_id and v.submission.submitter_id != submitter_id):
            continue
        sub = v.submission
        answers, photos, signatures = _answers_and_images(v, thumbs, actor) if v.openable else ([], [], [])
        out.append({
            "id": sub.id, "when": local_time(sub.received_at, "%Y-%m-%d %H:%M"),
            "cadre": sub.submitter.display_name if sub.submitter else "—", "form": sub.form.title,
            "state": v.state_label, "flag": v.flag_label, "openable": v.openable, "rejected": v.rejected,
            "review_comment": _review_comment(sub),
            "answers": answers, "scores": _scores(sub), "photos": photos, "signatures": signatures,
            "hidden_photos": 0 if v.openable else len(v.photos),
            "problems": sorted(by_visit.get(sub.id, []), key=lambda p: p.position),
        })
    return out


def header(f: HouseholdFile) -> dict:
    h = f.household
    village = h.village
    township = village.parent if getattr(village, "parent", None) is not None else None
    return {"code": h.code, "head": h.head_name, "village": village.name,
            "township": township.name if township is not None else "",
            "group": h.group.name if h.group else "", "address": h.address or "",
            "category": h.category_label, "helpers": "、".join(x["name"] for x in f.current_helpers) or "—"}
