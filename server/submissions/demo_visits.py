"""Demo visits: 四个一 visits of the demo cadres over the last two weeks, sent through the real ingest path
with photos and GPS — most of them clean, a few with what a supervisor's spot-check is there to catch.

- cadre 1: a photo whose EXIF says it was taken last year; a visit with no GPS fix;
- cadre 2: the same photo for two households; a resized copy of it for a third;
- cadre 3: a visit recorded 5 km from the house; a three-minute visit.
The evidence checks run over each visit, and the county supervisor has already reviewed a few.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from io import BytesIO

from sqlalchemy import select

from server.accounts.models import User
from server.audit.times import CHINA, utc_naive
from server.db import get_session
from server.demo_photos import photo, resized
from server.forms.instance_builder import build_instance
from server.forms.models import Form
from server.forms.service import get_xform_bytes
from server.households.models import Assignment, Household
from server.submissions.models import Submission
from server.submissions.service import ingest_submission
from server.submissions.upload import AttachmentPart, SubmissionUpload

FORM_ID = "four_ones_visit"


def _households(cadre: User, n: int) -> list[Household]:
    q = (select(Household).join(Assignment, Assignment.household_id == Household.id)
         .where(Assignment.cadre_id == cadre.id, Assignment.end.is_(None)).order_by(Household.code).limit(n))
    return list(get_session().scalars(q))


def _answers(h: Household, cadre: User, start: datetime, minutes: int, gps: str) -> dict:
    end = start + timedelta(minutes=minutes)
    return {"start": start.isoformat(timespec="milliseconds"), "end": end.isoformat(timespec="milliseconds"),
            "today": start.date().isoformat(), "deviceid": f"demo:{cadre.username}", "household": h.code,
            "cadre_name": cadre.display_name, "visit_date": start.date().isoformat(), "visit_gps": gps,
            "talk_done": "yes", "talk_what": "了解家庭收入和就医情况", "measures_done": "yes",
            "measures_reviewed": "industry health", "household_can_explain": "yes", "data_done": "yes",
            "data_status": "correct", "handbook_at_home": "yes", "env_done": "yes", "env_what": "帮助清理院坝",
            "problems_found": "no", "signer_name": h.head_name,
            "visit_photo": "visit.jpg", "visit_photo_2": "house.jpg"}


def _gps(h: Household, rng: random.Random, offset_km: float = 0.0) -> str:
    lat = h.latitude + rng.uniform(-0.0003, 0.0003) + offset_km / 111.0
    lon = h.longitude + rng.uniform(-0.0003, 0.0003)
    return f"{lat:.6f} {lon:.6f} {rng.randint(300, 600)}.0 {rng.randint(4, 12)}.0"


def load_demo_visits(usernames: list[str], *, per_cadre: int = 8, now: datetime | None = None) -> list[int]:
    """Send the visits; returns the new submissions' ids (oldest first)."""
    session = get_session()
    form = session.scalar(select(Form).where(Form.xml_form_id == FORM_ID))
    if form is None or not form.published:
        return []
    xform = get_xform_bytes(form.published[-1])
    rng = random.Random(20261123)
    now = (now or datetime.now(CHINA)).astimezone(CHINA).replace(second=0, microsecond=0)
    sent: list[tuple[datetime, int]] = []
    for c_index, username in enumerate(usernames):
        cadre = session.scalar(select(User).where(User.username == username))
        if cadre is None:
            continue
        first_photo = b""
        for i, h in enumerate(_households(cadre, per_cadre)):
            if h.latitude is None or h.longitude is None:
                continue
            start = (now - timedelta(days=1 + i * 13 // per_cadre, hours=c_index)).replace(hour=9 + i % 7)
            minutes, gps, taken = rng.randint(25, 55), _gps(h, rng), start + timedelta(minutes=5)
            seed = 1000 * (c_index + 1) + i
            main = photo(seed, taken)
            if c_index == 0 and i == 0:
                main = photo(seed, taken - timedelta(days=365))  # EXIF from last year
            if c_index == 0 and i == 1:
                gps = ""  # no fix
            if c_index == 1 and i == 0:
                first_photo = main
            if c_index == 1 and i == 1:
                main = first_photo  # the same photo for another household
            if c_index == 1 and i == 2:
                main = resized(first_photo, 0.5, taken)  # and a resized copy of it
            if c_index == 2 and i == 0:
                gps = _gps(h, rng, offset_km=5.0)
            if c_index == 2 and i == 1:
                minutes = 3
            xml = build_instance(xform, _answers(h, cadre, start, minutes, gps))
            parts = [AttachmentPart("visit.jpg", BytesIO(main), "image/jpeg"),
                     AttachmentPart("house.jpg", BytesIO(photo(seed + 500, taken + timedelta(minutes=2))),
                                    "image/jpeg")]
            result = ingest_submission(SubmissionUpload(xml=xml, attachments=parts), actor=cadre,
                                       device_id=f"demo:{cadre.username}")
            received = start + timedelta(minutes=minutes + 40)
            sent.append((received, result.submission_id))
    for received, sub_id in sent:  # as if sent when the cadre was back in signal range
        sub = session.get(Submission, sub_id)
        utc = utc_naive(received)
        sub.received_at = sub.updated_at = utc
        for v in sub.versions:
            v.received_at = utc
    session.flush()
    ids = [sub_id for _, sub_id in sorted(sent)]
    _check_evidence(ids)
    return ids


def _check_evidence(ids: list[int]) -> None:
    from server.evidence.service import check_submission
    from server.evidence.tasks import checked_here

    for sub_id in ids:  # in the order they were received, so reuse points at the earlier visit
        check_submission(sub_id)
    checked_here(get_session(), ids)  # nothing for the after-commit job to do


def review_some(ids: list[int], supervisor: str) -> None:
    """The supervisor has approved a few clean visits and sent one back."""
    from server.evidence.models import EvidenceFlag
    from server.review.service import set_state

    session = get_session()
    actor = session.scalar(select(User).where(User.username == supervisor))
    if actor is None:
        return
    flagged = set(session.scalars(select(EvidenceFlag.submission_id).where(EvidenceFlag.submission_id.in_(ids))))
    clean = [i for i in ids if i not in flagged]
    for sub_id in clean[:3]:
        set_state(sub_id, "approved", actor=actor)
    short = [i for i in ids if session.scalar(select(EvidenceFlag.id).where(EvidenceFlag.submission_id == i,
                                                                          EvidenceFlag.kind == "duration_short"))]
    for sub_id in short[:1]:
        set_state(sub_id, "has_issues", actor=actor, comment="走访只用了3分钟，请补充说明走访情况 / "
                                                            "The visit took 3 minutes: please explain")
