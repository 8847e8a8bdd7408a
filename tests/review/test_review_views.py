"""Review pages: drawing a sample, the queue, the evidence view (flags, location, review from the queue),
bulk review on the list, the review panel on a visit's page, and a cadre's own results."""
from __future__ import annotations

import re

from sqlalchemy import select

from server.db import get_session, unit_of_work
from server.evidence.models import EvidenceFlag
from server.review.models import Sample
from server.submissions.models import Submission
from tests.conftest import csrf_from


def flag(crowd, sid, kind="gps_far", zh="定位距农户登记位置 5.2 公里（阈值 0.5 公里）"):
    with crowd.app.app_context(), unit_of_work():
        get_session().add(EvidenceFlag(submission_id=sid, kind=kind, reason_zh=zh, reason_en="5.2 km from the house"))


def draw(client, **fields):
    page = client.get("/review")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.data), "area": "T1", "since": "2026-03-02", "until": "2026-03-02",
            "percent": "100", "min_per_cadre": "0", **fields}
    return client.post("/review/samples", data=data)


def state(crowd, sid):
    with crowd.app.app_context():
        return get_session().get(Submission, sid).state


def test_a_bad_draw_shows_the_message_and_keeps_the_values(crowd, client, login):
    crowd.add("cadre_a", 1)
    login("t1_insp")
    resp = draw(client, percent="0", note="三月第一周")
    html = resp.data.decode()
    assert resp.status_code == 422 and "抽查比例应大于 0%" in html and 'value="三月第一周"' in html
    empty = draw(client, since="2020-01-01", until="2020-01-01")
    assert empty.status_code == 422 and "没有可抽查的走访记录" in empty.data.decode()


def test_the_draw_form_has_defaults_and_only_the_supervisors_areas(crowd, client, login):
    login("t1_insp")
    html = client.get("/review").data.decode()
    assert 'name="percent"' in html and 'value="10"' in html and 'name="min_per_cadre"' in html
    areas = re.findall(r'<option value="([^"]*)"', html.split('name="area"')[1].split("</select>")[0])
    assert areas == ["T1", "V11", "V12"]
    assert re.search(r'name="since" value="\d{4}-\d\d-\d\d"', html)


def test_draw_work_through_the_queue_and_reject_with_a_comment(crowd, client, login):
    ids = crowd.add("cadre_a", 3)
    flag(crowd, ids[1])
    login("t1_insp")
    blank = draw(client, min_per_cadre="", seed="", note="")  # blank boxes are the defaults
    assert blank.status_code == 302
    resp = draw(client, seed="5")
    assert resp.status_code == 302
    queue_url = resp.headers["Location"]
    queue = client.get(queue_url).data.decode()
    assert "已审核 0 / 3" in queue and "1 个疑点" in queue and "<code>5</code>" in queue
    with crowd.app.app_context():
        sample = get_session().scalar(select(Sample).where(Sample.seed == 5))
        order = [i.submission_id for i in sample.items]
        sample_id = sample.id
    pos = order.index(ids[1]) + 1
    item_url = f"/review/samples/{sample_id}/items/{pos}"
    page = client.get(item_url)
    html = page.data.decode()
    assert page.status_code == 200 and "定位距农户登记位置 5.2 公里" in html and "键盘" in html
    assert f"第 {pos} / 3 条" in html
    # rejecting needs a comment: the service's message is shown and nothing changes
    refused = client.post(item_url, data={"csrf_token": csrf_from(page.data), "state": "rejected", "comment": ""})
    assert refused.status_code == 422 and "请写明意见" in refused.data.decode()
    assert state(crowd, ids[1]) == "received"
    done = client.post(item_url, data={"csrf_token": csrf_from(page.data), "state": "rejected",
                                       "comment": "定位离农户5公里，请说明"})
    assert done.status_code == 302
    expected = f"/review/samples/{sample_id}/items/{pos + 1}" if pos < 3 else f"/review/samples/{sample_id}"
    assert done.headers["Location"].endswith(expected)
    assert state(crowd, ids[1]) == "rejected"
    assert "已审核 1 / 3" in client.get(queue_url).data.decode()
    # the visit's own page shows the state, the comment and the history
    show = client.get(f"/submissions/{ids[1]}").data.decode()
    assert "已退回" in show and "定位离农户5公里，请说明" in show and "抽查样本" in show
    # another township's supervisor cannot open the sample
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/review").data)})
    login("t2_insp")
    assert client.get(queue_url).status_code == 404
    assert client.get(item_url).status_code == 404


def test_cadres_and_township_staff_do_not_review(crowd, client, login):
    [a1] = crowd.add("cadre_a", 1)
    login("t1_insp")
    draw(client)
    with crowd.app.app_context():
        sample_id = get_session().scalar(select(Sample.id))
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/review").data)})
    login("cadre_a")
    assert client.get("/review").headers["Location"].endswith("/review/mine")
    assert client.get(f"/review/samples/{sample_id}").status_code == 403
    show = client.get(f"/submissions/{a1}")
    assert show.status_code == 200 and 'id="review-form"' not in show.data.decode()
    posted = client.post(f"/submissions/{a1}/review", data={"csrf_token": csrf_from(show.data), "state": "approved"})
    assert posted.status_code == 403 and state(crowd, a1) == "received"
    client.post("/logout", data={"csrf_token": csrf_from(show.data)})
    login("t1_staff")
    assert client.get("/review").status_code == 403
    listing = client.get("/forms/visit/submissions").data.decode()
    assert 'name="ids"' not in listing
    show = client.get(f"/submissions/{a1}").data.decode()
    assert 'id="review-form"' not in show and "审核历史" in show


def test_review_on_the_visit_page_and_the_cadre_sees_it(crowd, client, login):
    a1, a2 = crowd.add("cadre_a", 2)
    flag(crowd, a1)
    login("inspector")
    page = client.get(f"/submissions/{a1}")
    html = page.data.decode()
    assert 'id="review-form"' in html and "定位距农户登记位置" in html
    resp = client.post(f"/submissions/{a1}/review", data={"csrf_token": csrf_from(page.data), "state": "has_issues",
                                                         "comment": "缺户主签字"})
    assert resp.status_code == 302 and state(crowd, a1) == "has_issues"
    client.post(f"/submissions/{a2}/review", data={"csrf_token": csrf_from(page.data), "state": "approved"})
    client.post("/logout", data={"csrf_token": csrf_from(page.data)})
    login("cadre_a")
    mine = client.get("/review/mine").data.decode()
    assert "我的走访审核结果" in mine and "缺户主签字" in mine and "有问题" in mine and "已通过" in mine
    assert mine.index(f'data-submission="{a2}"') < mine.index(f'data-submission="{a1}"')  # newest decision first
    show = client.get(f"/submissions/{a1}").data.decode()
    assert "缺户主签字" in show and "有问题" in show and 'href="/review/mine"' in show
    assert 'href="/review/mine"' in client.get("/forms/visit/submissions").data.decode()
    assert "定位距农户登记位置" not in show  # flags are for those who may see evidence


def test_bulk_review_on_the_list(crowd, client, login):
    a = crowd.add("cadre_a", 3)
    login("inspector")
    listing = client.get("/forms/visit/submissions?state=received")
    html = listing.data.decode()
    assert html.count('name="ids"') == 4  # three and the template visit
    token = csrf_from(listing.data)
    refused = client.post("/forms/visit/submissions/review",
                          data={"csrf_token": token, "ids": a[:2], "state": "rejected", "comment": "",
                                "next": "/forms/visit/submissions?state=received"})
    assert refused.status_code == 422 and "请写明意见" in refused.data.decode()
    assert [state(crowd, i) for i in a] == ["received"] * 3
    ok = client.post("/forms/visit/submissions/review",
                     data={"csrf_token": token, "ids": a[:2], "state": "approved",
                           "next": "/forms/visit/submissions?state=received"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/forms/visit/submissions?state=received")
    assert [state(crowd, i) for i in a] == ["approved", "approved", "received"]
    nothing = client.post("/forms/visit/submissions/review", data={"csrf_token": token, "state": "approved"})
    assert nothing.status_code == 422 and "请勾选" in nothing.data.decode()
    evil = client.post("/forms/visit/submissions/review",
                       data={"csrf_token": token, "ids": [a[2]], "state": "approved", "next": "//evil.example/"})
    assert evil.headers["Location"].endswith("/forms/visit/submissions")
