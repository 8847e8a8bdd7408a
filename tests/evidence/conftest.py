"""Evidence fixtures: the shipped instruments published (tests/scoring's ``field``) and a helper that sends a
four-ones visit like ODK Collect, waits for its evidence check and reads its flags back."""
from __future__ import annotations

import itertools
import uuid
from types import SimpleNamespace
from datetime import datetime

import pytest
from sqlalchemy import select

from server.db import get_session
from server.evidence.models import EvidenceFlag
from server.evidence.tasks import wait_for_checks
from server.submissions.models import Submission
from tests.evidence.images import photo
from tests.households.conftest import make_household, registry  # noqa: F401
from tests.scoring.conftest import build_instance, field, scores  # noqa: F401
from tests.openrosa.submit_client import app  # noqa: F401,F811

HOUSE_GPS = "27.4001 109.6001 320 4.5"  # ~14 m from H11A (27.4, 109.6)
START, END = "2024-05-01T09:00:00.000+08:00", "2024-05-01T09:25:00.000+08:00"
TAKEN = datetime(2024, 5, 1, 9, 10)
_SEEDS = itertools.count(1000)


@pytest.fixture
def visit(field, app):  # noqa: F811
    """visit(household, photos={name: bytes}, **answers) → submission id, after its check has run."""
    def send(household: str = "H11A", photos: dict | None = None, phone=None, **answers) -> int:
        if photos is None:
            photos = {f"{uuid.uuid4().hex}.jpg": photo(next(_SEEDS), TAKEN)}  # a different picture each time
        names = list(photos)
        values = {"household": household, "visit_gps": HOUSE_GPS, "start": START, "end": END,
                  "visit_photo": names[0] if names else None,
                  "visit_photo_2": names[1] if len(names) > 1 else None,
                  "sig_household": "sig_h.png", "sig_cadre": "sig_c.png", **answers}
        xml = build_instance(field.xforms["four_ones_visit"], values)
        files = dict(photos, **{"sig_h.png": b"signature strokes, not a photo", "sig_c.png": photo(999)})
        resp = (phone or field.phone).post(xml, files)
        assert resp.status_code == 201, resp.data.decode()
        assert wait_for_checks(app, 30)
        iid = xml.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()
        with app.app_context():
            sub = get_session().scalar(select(Submission).where(Submission.instance_id == iid))
            assert sub.evidence_checked_at is not None, "the evidence check did not run"
            return sub.id

    return send


@pytest.fixture
def flags(app):
    """flags(submission_id) → sorted kinds of that visit's flags."""
    def read(submission_id: int, full: bool = False):
        with app.app_context():
            rows = list(get_session().scalars(select(EvidenceFlag).where(EvidenceFlag.submission_id == submission_id)
                                              .order_by(EvidenceFlag.id)))
            if not full:
                return sorted(f.kind for f in rows)
            return [SimpleNamespace(kind=f.kind, attachment=f.attachment, reason_zh=f.reason_zh,
                                    reason_en=f.reason_en, detail=dict(f.detail)) for f in rows]

    return read
