"""The review API: setting states one at a time and in bulk (all or nothing), history, samples; who may."""
from __future__ import annotations

from sqlalchemy import func, select

from server.audit.models import AuditEvent
from server.db import get_session
from server.review.models import ReviewEvent
from server.submissions.models import Submission

DAYS = {"since": "2026-03-02", "until": "2026-03-02"}


def state(crowd, sid):
    with crowd.app.app_context():
        return get_session().get(Submission, sid).state


def events(crowd, action=None):
    with crowd.app.app_context():
        if action:
            return get_session().scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))
        return get_session().scalar(select(func.count()).select_from(ReviewEvent))


def test_a_supervisor_sets_a_state_with_a_comment_and_the_history_shows_it(crowd, client):
    [a1] = crowd.add("cadre_a", 1)
    h = crowd.headers("inspector")
    resp = client.post(f"/api/v1/submissions/{a1}/review", json={"state": "rejected", "comment": "照片与农户不符"},
                       headers=h)
    assert resp.status_code == 200, resp.json
    assert resp.json["state"] == "rejected" and resp.json["state_label"] == "已退回"
    [ev] = resp.json["history"]
    assert (ev["from_state"], ev["to_state"], ev["comment"], ev["actor"]) == ("received", "rejected", "照片与农户不符",
                                                                              "inspector")
    assert events(crowd, "submission.review") == 1
    # the cadre reads their own visit's history, but may not set a state
    mine = crowd.headers("cadre_a")
    got = client.get(f"/api/v1/submissions/{a1}/review", headers=mine)
    assert got.status_code == 200 and got.json["history"][0]["comment"] == "照片与农户不符"
    refused = client.post(f"/api/v1/submissions/{a1}/review", json={"state": "approved"}, headers=mine)
    assert refused.status_code == 403 and refused.json["error"]["message"].startswith("没有权限审核走访记录")
    assert state(crowd, a1) == "rejected"


def test_a_comment_is_required_to_send_a_visit_back(crowd, client):
    [a1] = crowd.add("cadre_a", 1)
    resp = client.post(f"/api/v1/submissions/{a1}/review", json={"state": "has_issues", "comment": "  "},
                       headers=crowd.headers("inspector"))
    assert resp.status_code == 422 and "请写明意见" in resp.json["error"]["message"]
    bad = client.post(f"/api/v1/submissions/{a1}/review", json={"state": "edited"}, headers=crowd.headers("inspector"))
    assert bad.status_code == 422 and bad.json["error"]["details"][0]["field"] == "state"
    assert state(crowd, a1) == "received" and events(crowd) == 0


def test_outside_the_supervisors_areas_is_not_found(crowd, client):
    [a1] = crowd.add("cadre_a", 1)  # V11, township T1
    resp = client.post(f"/api/v1/submissions/{a1}/review", json={"state": "approved"},
                       headers=crowd.headers("t2_insp"))
    assert resp.status_code == 404
    assert client.get(f"/api/v1/submissions/{a1}/review", headers=crowd.headers("cadre_b")).status_code == 404
    assert client.post(f"/api/v1/submissions/{a1}/review", json={"state": "approved"},
                       headers=crowd.headers("t1_insp")).status_code == 200


def test_township_staff_read_but_do_not_review(crowd, client):
    [a1] = crowd.add("cadre_a", 1)
    h = crowd.headers("t1_staff")
    assert client.get(f"/api/v1/submissions/{a1}/review", headers=h).status_code == 200
    assert client.post(f"/api/v1/submissions/{a1}/review", json={"state": "approved"}, headers=h).status_code == 403


def test_bulk_is_all_or_nothing(crowd, client):
    a = crowd.add("cadre_a", 2)
    b = crowd.add("cadre_b", 1)  # V21, outside t1_insp's township
    resp = client.post("/api/v1/submissions/review", json={"ids": a + b, "state": "approved"},
                       headers=crowd.headers("t1_insp"))
    assert resp.status_code == 404 and resp.json["error"]["details"] == b
    assert [state(crowd, i) for i in a + b] == ["received"] * 3 and events(crowd) == 0
    assert events(crowd, "submission.review") == 0
    ok = client.post("/api/v1/submissions/review", json={"ids": a + b, "state": "has_issues", "comment": "缺签字"},
                     headers=crowd.headers("inspector"))
    assert ok.status_code == 200 and [s["state"] for s in ok.json["submissions"]] == ["has_issues"] * 3
    assert events(crowd) == 3 and events(crowd, "submission.review") == 3
    for body, field in (({"ids": [], "state": "approved"}, "ids"), ({"ids": ["x"], "state": "approved"}, "ids"),
                        ({"ids": a, "state": "rejected"}, None)):
        bad = client.post("/api/v1/submissions/review", json=body, headers=crowd.headers("inspector"))
        assert bad.status_code == 422, bad.json
    assert client.post("/api/v1/submissions/review", json={"ids": a, "state": "approved"},
                       headers=crowd.headers("cadre_a")).status_code == 403


def test_samples_through_the_api(crowd, client):
    crowd.add("cadre_a", 10)
    crowd.add("cadre_c", 4)
    crowd.add("cadre_b", 3)
    h = crowd.headers("t1_insp")
    resp = client.post("/api/v1/review/samples", json={"area": "T1", **DAYS, "percent": 20, "min_per_cadre": 1,
                                                       "seed": 2024}, headers=h)
    assert resp.status_code == 201, resp.json
    sample = resp.json
    assert sample["seed"] == 2024 and sample["population"] == 14 and sample["size"] == len(sample["items"]) == 3
    assert [i["position"] for i in sample["items"]] == [1, 2, 3] and sample["reviewed"] == 0
    assert all(i["cadre"] in ("cadre_a", "cadre_c") and i["flags"] == 0 for i in sample["items"])
    assert events(crowd, "review.sample") == 1
    sid = sample["id"]
    first = sample["items"][0]["submission_id"]
    rev = client.post(f"/api/v1/submissions/{first}/review", json={"state": "approved", "sample_id": sid}, headers=h)
    assert rev.status_code == 200 and rev.json["history"][0]["sample_id"] == sid
    again = client.get(f"/api/v1/review/samples/{sid}", headers=h).json
    assert again["reviewed"] == 1 and again["items"][0]["reviewed_at"] and again["items"][0]["state"] == "approved"
    assert client.get("/api/v1/review/samples", headers=h).json["samples"][0]["id"] == sid
    # the same parameters and seed give the same queue
    repeat = client.post("/api/v1/review/samples", json={"area": "T1", **DAYS, "percent": 20, "min_per_cadre": 1,
                                                         "seed": 2024}, headers=h).json
    assert [i["submission_id"] for i in repeat["items"]] == [i["submission_id"] for i in sample["items"]]
    # another township's supervisor does not see it; a cadre may not draw
    assert client.get(f"/api/v1/review/samples/{sid}", headers=crowd.headers("t2_insp")).status_code == 404
    assert client.post("/api/v1/review/samples", json={"area": "V11", **DAYS, "percent": 10},
                       headers=crowd.headers("cadre_a")).status_code == 403
    assert client.post("/api/v1/review/samples", json={"area": "V21", **DAYS, "percent": 10},
                       headers=h).status_code == 403


def test_sample_bad_input(crowd, client):
    crowd.add("cadre_a", 2)
    h = crowd.headers("inspector")
    for body, text in (({"area": "C", **DAYS, "percent": 0}, "抽查比例"),
                       ({"area": "C", **DAYS, "percent": "十"}, "抽查比例应为数字"),
                       ({"area": "C", "since": "2026-03-05", "until": "2026-03-02", "percent": 5}, "起始日期晚于截止日期"),
                       ({"area": "C", "since": "3/2/2026", "until": "2026-03-02", "percent": 5}, "日期格式"),
                       ({"area": "C", **DAYS, "percent": 5, "min_per_cadre": 10**6}, "每名干部至少"),
                       ({"area": "C", "since": "2020-01-01", "until": "2020-01-02", "percent": 5}, "没有可抽查"),
                       ({**DAYS, "percent": 5}, "area")):
        resp = client.post("/api/v1/review/samples", json=body, headers=h)
        assert resp.status_code == 422 and text in resp.json["error"]["message"], (body, resp.json)
    big = client.post("/api/v1/review/samples", json={"area": "C", **DAYS, "percent": 100, "min_per_cadre": 50},
                      headers=h)
    assert big.status_code == 201 and big.json["size"] == big.json["population"] == 2
    assert "全部 2 条" in big.json["messages"][0]["zh"]
