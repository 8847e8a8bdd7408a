"""Drawing spot-check samples: per village, topped up per cadre, reproducible with the recorded seed,
scoped to the supervisor's areas, and bad parameters refused with a Chinese message."""
from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.audit.models import AuditEvent
from server.db import get_session, unit_of_work
from server.errors import Forbidden, Invalid, NotFound
from server.review.sampling import MAX_SEED, draw_sample
from server.submissions.models import Submission

D = date(2026, 3, 2)


@pytest.fixture
def county(crowd):
    """V11: cadre_a 10, cadre_a2 10, cadre_g 4 (in group G111) → 24; V12: cadre_c 5; V21: cadre_b 3 → 32."""
    ids = {name: crowd.add(name, n) for name, n in
           (("cadre_a", 10), ("cadre_a2", 10), ("cadre_g", 4), ("cadre_c", 5), ("cadre_b", 3))}
    crowd.ids = ids
    return crowd


def draw(crowd, who="inspector", **kw):
    params = {"area_code": "C", "since": D, "until": D, "percent": 10, **kw}
    with crowd.app.app_context(), unit_of_work():
        s = draw_sample(actor=crowd.user(who) if who != "system" else SYSTEM, **params)
        items = [i.submission_id for i in s.items]
        subs = {sid: get_session().get(Submission, sid) for sid in items}
        cadres = Counter(subs[i].submitter.username for i in items)
        return s.id, s.seed, items, cadres, dict(s.params), (s.population, s.size)


def owner(county, sid):
    return next(name for name, ids in county.ids.items() if sid in ids)


def test_per_village_share_rounded_up_and_groups_count_in_their_village(county):
    _, _, items, _, params, (population, size) = draw(county, seed=7)
    assert population == 32
    assert {v["code"]: (v["population"], v["drawn"]) for v in params["per_village"]} == {
        "V11": (24, 3), "V12": (5, 1), "V21": (3, 1)}  # ceil(2.4), ceil(0.5), ceil(0.3)
    assert size == len(items) == 5 and len(set(items)) == 5
    villages = Counter("V11" if owner(county, i) in ("cadre_a", "cadre_a2", "cadre_g") else
                       "V12" if owner(county, i) == "cadre_c" else "V21" for i in items)
    assert villages == {"V11": 3, "V12": 1, "V21": 1}


def test_same_parameters_and_seed_give_the_same_queue(county):
    first = draw(county, seed=12345, percent=30, min_per_cadre=2)
    again = draw(county, seed=12345, percent=30, min_per_cadre=2)
    other = draw(county, seed=54321, percent=30, min_per_cadre=2)
    assert first[2] == again[2]  # same items, same order
    assert first[4]["population_sha256"] == again[4]["population_sha256"]
    assert other[2] != first[2]


def test_a_seed_is_generated_recorded_and_repeats_the_draw(county):
    sample_id, seed, items, *_ = draw(county, percent=50)
    assert 0 <= seed <= MAX_SEED
    with county.app.app_context():
        from server.review.models import Sample
        assert get_session().get(Sample, sample_id).seed == seed
    assert draw(county, percent=50, seed=seed)[2] == items


def test_every_cadre_gets_at_least_the_minimum(county):
    _, _, items, cadres, params, _ = draw(county, seed=3, percent=10, min_per_cadre=2)
    assert all(cadres[name] >= 2 for name in county.ids), cadres
    assert params["topped_up"] == len(items) - 5
    assert params["short_cadres"] == []


def test_a_cadre_with_fewer_visits_than_the_minimum_gives_all_and_it_is_said(county):
    _, _, items, cadres, params, _ = draw(county, seed=3, percent=10, min_per_cadre=4)
    assert cadres["cadre_b"] == 3  # all they have
    assert [c["username"] for c in params["short_cadres"]] == ["cadre_b"]
    assert any("只有 3 条" in m["zh"] and "已全部抽取" in m["zh"] for m in params["messages"])


def test_a_sample_larger_than_the_population_takes_all_of_it(county):
    _, _, items, _, params, (population, size) = draw(county, seed=1, percent=100, min_per_cadre=100)
    assert size == population == 32 and sorted(items) == sorted(i for ids in county.ids.values() for i in ids)
    assert any("全部 32 条" in m["zh"] for m in params["messages"])


def test_rejected_visits_and_other_days_are_not_in_the_population(county):
    rejected = county.add("cadre_b", 2, state="rejected")
    # 01:00 on 2 March China time is still that day; 23:00 on 1 March is not.
    early = county.add("cadre_b", 1, when=datetime(2026, 3, 1, 17, 0))
    late_before = county.add("cadre_b", 1, when=datetime(2026, 3, 1, 15, 0))
    _, _, items, _, _, (population, _) = draw(county, seed=1, percent=100)
    assert population == 33
    assert early[0] in items and late_before[0] not in items and not set(rejected) & set(items)


def test_one_form_only(county):
    with pytest.raises(NotFound, match="找不到表单"):
        draw(county, form="nope")
    _, _, items, *_ = draw(county, form="visit", percent=100)
    assert len(items) == 32
    with pytest.raises(Invalid, match="没有可抽查的“西乡表”走访记录"):
        draw(county, form="west")


def test_a_township_supervisor_draws_only_in_their_township(county):
    _, _, items, cadres, _, (population, _) = draw(county, who="t1_insp", area_code="T1", percent=100)
    assert population == 29 and "cadre_b" not in cadres
    with pytest.raises(Forbidden, match="不在您的范围内"):
        draw(county, who="t1_insp", area_code="C")
    with pytest.raises(Forbidden, match="不在您的范围内"):
        draw(county, who="t1_insp", area_code="V21")


@pytest.mark.parametrize("who", ["t1_staff", "cadre_a"])
def test_only_reviewers_draw(county, who):
    with pytest.raises(Forbidden, match="没有权限审核走访记录和抽查"):
        draw(county, who=who, area_code="T1")


@pytest.mark.parametrize("kw, message", [
    ({"percent": 0}, "抽查比例应大于 0%"),
    ({"percent": -5}, "抽查比例应大于 0%"),
    ({"percent": 100.5}, "不超过 100%"),
    ({"percent": math.nan}, "抽查比例"),
    ({"since": date(2026, 3, 3)}, "起始日期晚于截止日期"),
    ({"since": date(2020, 1, 1)}, "日期范围最长"),
    ({"min_per_cadre": 1000}, "每名干部至少抽查的条数应在 0–100 之间"),
    ({"min_per_cadre": -1}, "每名干部至少抽查的条数"),
    ({"seed": -1}, "随机种子"),
    ({"seed": 2**60}, "随机种子"),
    ({"since": date(2025, 1, 1), "until": date(2025, 1, 2)}, "没有可抽查的走访记录（已退回的不计）"),
])
def test_bad_parameters(county, kw, message):
    with pytest.raises(Invalid, match=message):
        draw(county, **kw)


def test_unknown_area(county):
    with pytest.raises(NotFound, match="找不到区划：X9"):
        draw(county, area_code="X9")


def test_drawing_is_audited(county):
    sample_id, seed, *_ = draw(county, seed=99)
    with county.app.app_context():
        ev = get_session().scalar(select(AuditEvent).where(AuditEvent.action == "review.sample"))
        assert ev.actor_name == "inspector" and ev.target == f"review_sample:{sample_id}"
        assert ev.detail["seed"] == 99 and ev.detail["size"] == 5 and ev.detail["population"] == 32
