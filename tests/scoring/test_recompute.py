"""Changing a poverty line through the poverty service re-scores the affected visits — those of the
line's area and year — and only those: other townships and other years keep their results untouched.
The re-scoring is a job queued when the change commits: a thread here, the RQ queue with REDIS_URL."""
from __future__ import annotations

import dataclasses
import os
import time

import pytest
from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token
from server.db import get_session, unit_of_work
from server.households.assignments import assign_households
from server.poverty.service import set_line
from server.submissions.models import Submission
from tests.openrosa.submit_client import SubmitClient
from tests.scoring.conftest import _user, build_instance
from tests.scoring.test_instruments import CHECKS, FOUR, INCOME, YEAR



def _send(phone, xform, household, year):
    xml = build_instance(xform, {"household": household, "ref_year": str(year), **INCOME, **CHECKS},
                         {"member": FOUR})
    [resp] = phone.send(xml)
    assert resp.status_code == 201
    return xml.split(b"<instanceID>")[1].split(b"</instanceID>")[0].decode()


def _settled(app, instance_id, expected, seconds=30):
    """The job runs after the commit, on a thread: wait (bounded) until the result is the expected one."""
    deadline = time.monotonic() + seconds
    while (state := _state(app, instance_id))[:3] != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return state[:3]


def _state(app, instance_id):
    with app.app_context():
        sub = get_session().scalar(select(Submission).where(Submission.instance_id == instance_id))
        result = sub.current.score
        line = {r["name"]: r for r in result.rows}["income_line"]
        return line["status"], line["value"], result.poverty_line, result.computed_at


def test_a_changed_line_rescores_its_area_and_year_only(field, client, app):
    with app.app_context(), unit_of_work():
        assign_households("cadre_b", actor=SYSTEM, codes=["H21A"])
        phone_b = SubmitClient(client, f"/key/{issue_phone_token(_user('cadre_b'), actor=SYSTEM).token}")
    xform = field.xforms["household_survey"]
    t1_now = _send(field.phone, xform, "H11A", YEAR)
    t1_before = _send(field.phone, xform, "H11B", YEAR - 1)
    t2_now = _send(phone_b, xform, "H21A", YEAR)
    for iid in (t1_now, t1_before, t2_now):
        assert _state(app, iid)[:3] == ("uncomputable", None, None)  # no line yet
    untouched = {iid: _state(app, iid)[3] for iid in (t1_before, t2_now)}

    with app.app_context(), unit_of_work():
        set_line("T1", YEAR, 8000, actor=SYSTEM)
    assert _settled(app, t1_now, ("ok", "below", 8000.0)) == ("ok", "below", 8000.0)  # 7 250 < 8 000
    for iid, computed_at in untouched.items():
        assert _state(app, iid) == ("uncomputable", None, None, computed_at)  # not even re-run

    with app.app_context(), unit_of_work():
        set_line("C", YEAR, 5000, actor=SYSTEM)  # the county line: T1's own line still wins there
    assert _settled(app, t2_now, ("ok", "at_or_above", 5000.0)) == ("ok", "at_or_above", 5000.0)
    assert _state(app, t1_now)[:3] == ("ok", "below", 8000.0)
    assert _state(app, t1_before)[3] == untouched[t1_before]

    with app.app_context(), unit_of_work():
        set_line("T1", YEAR, 7000, actor=SYSTEM)  # lowered below the household's 7 250
    assert _settled(app, t1_now, ("ok", "at_or_above", 7000.0)) == ("ok", "at_or_above", 7000.0)


def test_a_rolled_back_change_queues_nothing(field, app):
    t1_now = _send(field.phone, field.xforms["household_survey"], "H11A", YEAR)
    before = _state(app, t1_now)
    with app.app_context():
        try:
            with unit_of_work():
                set_line("T1", YEAR, 8000, actor=SYSTEM)
                raise RuntimeError("the request fails after setting the line")
        except RuntimeError:
            pass
    time.sleep(0.5)
    assert _state(app, t1_now) == before


def test_with_redis_the_job_goes_through_the_rq_queue(field, app):
    """REDIS_URL set: the job waits in Redis until a worker (here a real RQ SimpleWorker) runs it."""
    redis = pytest.importorskip("redis")
    from rq import SimpleWorker

    from server.jobs.queue import rq_queue

    url = os.environ.get("CI_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url} (CI and this machine have one; the product never requires it)")
    t1_now = _send(field.phone, field.xforms["household_survey"], "H11A", YEAR)
    queue = rq_queue(url)
    queue.empty()
    app.config["ZOUFANG"] = dataclasses.replace(app.config["ZOUFANG"], redis_url=url)
    with app.app_context(), unit_of_work():
        set_line("T1", YEAR, 8000, actor=SYSTEM)
    time.sleep(0.3)
    assert _state(app, t1_now)[:3] == ("uncomputable", None, None)  # queued, not yet run
    assert queue.count == 1
    with app.app_context():
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert _state(app, t1_now)[:3] == ("ok", "below", 8000.0)
