"""Review fixtures: a real visit sent by ODK Collect, then many more like it filed directly in the database
(cloned rows pointing at the same stored XML), by cadres in several villages, on chosen days."""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from server.accounts.models import User
from server.areas.models import Area
from server.db import get_session, unit_of_work
from server.evidence.tasks import wait_for_checks
from server.submissions.models import Submission, SubmissionVersion
from tests.openrosa.submit_client import app, instance, world  # noqa: F401  (fixtures)

# 2026-03-02 10:00 China time, as naive UTC
DAY = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def crowd(world, make_user, api_token):
    """cadre_a (V11), cadre_a2 (V11), cadre_c (V12), cadre_g (group G111 of V11), cadre_b (V21); supervisors
    for the county (inspector), township T1 (t1_insp) and T2 (t2_insp); t1_staff (township).
    ``add(username, n, when=DAY, state="received")`` files n visits of that cadre → their ids."""
    world.a.send(instance("uuid:template", household="模板", photo="", kid_photos=()))
    make_user("cadre", "V11", username="cadre_a2")
    make_user("cadre", "V12", username="cadre_c")
    make_user("cadre", "G111", username="cadre_g")
    make_user("supervisor", "C", username="inspector")
    make_user("supervisor", "T1", username="t1_insp")
    make_user("supervisor", "T2", username="t2_insp")
    make_user("township", "T1", username="t1_staff")
    with world.app.app_context(), unit_of_work():
        session = get_session()
        template = session.scalar(select(Submission).where(Submission.instance_id == "uuid:template"))
        template.received_at = DAY - timedelta(days=400)  # outside every test's dates
        tpl = dict(form_id=template.form_id, form_version_id=template.form_version_id,
                   xml_sha256=template.xml_sha256)
    counter = {"n": 0}

    def add(username: str, n: int, when: datetime = DAY, state: str = "received") -> list[int]:
        ids = []
        with world.app.app_context(), unit_of_work():
            session = get_session()
            user = session.scalar(select(User).where(User.username == username))
            area_id = user.areas[0].id
            for _ in range(n):
                counter["n"] += 1
                iid = f"uuid:clone-{counter['n']}"
                sub = Submission(instance_id=iid, current_instance_id=iid, submitter_id=user.id, area_id=area_id,
                                 state=state, received_at=when, updated_at=when, instance_name=f"走访{counter['n']}",
                                 **tpl)
                sub.versions = [SubmissionVersion(form_id=tpl["form_id"], instance_id=iid,
                                                  form_version_id=tpl["form_version_id"],
                                                  xml_sha256=tpl["xml_sha256"], xml_size=1, submitter_id=user.id,
                                                  expected_attachments=[], received_at=when)]
                session.add(sub)
                session.flush()
                ids.append(sub.id)
        wait_for_checks(world.app)  # the evidence checks queued for new visits run (and clear flags) first
        return ids

    def user(username):
        return get_session().scalar(select(User).where(User.username == username))

    def area(code):
        return get_session().scalar(select(Area).where(Area.code == code))

    return SimpleNamespace(app=world.app, add=add, user=user, area=area, world=world,
                           headers=lambda name: api_token(name))
