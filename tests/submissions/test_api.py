"""/api/v1: a form's submissions with filters, one submission with labelled answers, XML and attachments —
each scoped to what the caller may see."""
from __future__ import annotations

from datetime import date, timedelta

from server.db import get_session, unit_of_work
from server.submissions.models import Submission
from tests.openrosa.submit_client import instance
from tests.submissions.conftest import PHOTO


def ids(resp):
    assert resp.status_code == 200, resp.json
    return sorted(s["instance_id"] for s in resp.json["submissions"])


def test_each_role_sees_exactly_its_visits(client, visits):
    h = visits.headers
    assert ids(client.get("/api/v1/forms/visit/submissions", headers=h["cadre_a"])) == ["uuid:a1", "uuid:a2"]
    assert ids(client.get("/api/v1/forms/visit/submissions", headers=h["t1_staff"])) == ["uuid:a1", "uuid:a2"]
    assert ids(client.get("/api/v1/forms/visit/submissions", headers=h["t2_staff"])) == []
    assert ids(client.get("/api/v1/forms/west/submissions", headers=h["t2_staff"])) == ["uuid:b1"]
    assert ids(client.get("/api/v1/forms/west/submissions", headers=h["cadre_a"])) == []
    assert ids(client.get("/api/v1/forms/west/submissions", headers=h["inspector"])) == ["uuid:b1"]
    assert ids(client.get("/api/v1/forms/visit/submissions", headers=h["boss"])) == ["uuid:a1", "uuid:a2"]
    resp = client.get("/api/v1/forms/visit/submissions", headers=h["designer1"])
    assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"
    assert client.get("/api/v1/forms/visit/submissions").status_code == 401


def test_the_list_says_who_where_when_and_what_is_missing(client, visits):
    [a1] = [s for s in client.get("/api/v1/forms/visit/submissions", headers=visits.headers["boss"]).json[
        "submissions"] if s["instance_id"] == "uuid:a1"]
    assert a1["submitter"] == "cadre_a" and a1["area"] == "V11" and a1["area_name"] == "东一村"
    assert a1["form_id"] == "visit" and a1["form_version"] == "1" and a1["state"] == "received"
    assert a1["attachments_expected"] == ["a1.jpg"] and a1["attachments_missing"] == []
    assert a1["device_id"] == "collect:TESTDEVICE0001" and a1["received_at"]


def test_filters_by_area_cadre_date_state_and_pages(client, visits, app):
    h = visits.headers["inspector"]
    url = "/api/v1/forms/visit/submissions"
    assert ids(client.get(url, query_string={"area": "T1"}, headers=h)) == ["uuid:a1", "uuid:a2"]
    assert ids(client.get(url, query_string={"area": "V12"}, headers=h)) == []
    assert ids(client.get(url, query_string={"cadre": "cadre_a"}, headers=h)) == ["uuid:a1", "uuid:a2"]
    assert ids(client.get(url, query_string={"cadre": "cadre_b"}, headers=h)) == []
    assert ids(client.get(url, query_string={"state": "received"}, headers=h)) == ["uuid:a1", "uuid:a2"]
    with app.app_context(), unit_of_work():  # a1 arrived last week
        sub = get_session().query(Submission).filter_by(instance_id="uuid:a1").one()
        sub.received_at = sub.received_at - timedelta(days=7)
    today = date.today().isoformat()
    assert ids(client.get(url, query_string={"since": today}, headers=h)) == ["uuid:a2"]
    assert ids(client.get(url, query_string={"until": (date.today() - timedelta(days=3)).isoformat()},
                          headers=h)) == ["uuid:a1"]
    first = client.get(url, query_string={"per_page": 1}, headers=h).json
    second = client.get(url, query_string={"per_page": 1, "page": 2}, headers=h).json
    assert first["total"] == 2 and [s["instance_id"] for s in first["submissions"]] == ["uuid:a2"]  # newest first
    assert [s["instance_id"] for s in second["submissions"]] == ["uuid:a1"]


def test_bad_filters_are_named(client, visits):
    h = visits.headers["inspector"]
    url = "/api/v1/forms/visit/submissions"
    resp = client.get(url, query_string={"since": "2026-13-01"}, headers=h)
    assert resp.status_code == 422 and resp.json["error"]["details"][0]["field"] == "since"
    assert "日期格式" in resp.json["error"]["message"]
    resp = client.get(url, query_string={"since": "2026-11-02", "until": "2026-11-01"}, headers=h)
    assert resp.status_code == 422
    assert client.get(url, query_string={"state": "lost"}, headers=h).status_code == 422
    assert client.get(url, query_string={"per_page": 100000}, headers=h).status_code == 422
    resp = client.get(url, query_string={"area": "T2"}, headers=visits.headers["t1_staff"])
    assert resp.status_code == 403 and "不在您的范围内" in resp.json["error"]["message"]
    assert client.get(url, query_string={"area": "NOPE"}, headers=h).status_code == 404
    resp = client.get("/api/v1/forms/nope/submissions", headers=h)
    assert resp.status_code == 404 and resp.json["error"]["code"] == "form_not_found"


def _id(client, headers, form="visit", instance_id="uuid:a1"):
    subs = client.get(f"/api/v1/forms/{form}/submissions", headers=headers).json["submissions"]
    return next(s["id"] for s in subs if s["instance_id"] == instance_id)


def test_one_submission_with_labelled_answers_xml_and_photo(client, visits):
    h = visits.headers["t1_staff"]
    sid = _id(client, h)
    resp = client.get(f"/api/v1/submissions/{sid}", headers=h)
    assert resp.status_code == 200
    answers = {a["path"]: a for a in resp.json["answers"]}
    assert answers["/data/household"]["label"] == "户主姓名" and answers["/data/household"]["value"] == "王五"
    assert answers["/data/members"]["type"] == "int"
    assert answers["/data/photo"]["type"] == "binary" and answers["/data/photo"]["value"] == "a1.jpg"
    assert [a["name"] for a in resp.json["attachments"]] == ["a1.jpg"]
    xml = client.get(f"/api/v1/submissions/{sid}/xml", headers=h)
    assert xml.status_code == 200 and xml.data == visits.a1 and xml.mimetype == "text/xml"
    photo = client.get(f"/api/v1/submissions/{sid}/attachments/a1.jpg", headers=h)
    assert photo.status_code == 200 and photo.data == PHOTO and photo.mimetype == "image/jpeg"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(f"/api/v1/submissions/{sid}/attachments/a1.jpg", headers={**h, "If-None-Match": photo.headers["ETag"].strip('"')})
    assert again.status_code == 304
    assert client.get(f"/api/v1/submissions/{sid}/attachments/other.jpg", headers=h).status_code == 404


def test_out_of_scope_submissions_are_not_found(client, visits):
    sid = _id(client, visits.headers["boss"])
    for who in ("t2_staff", "cadre_b"):
        for path in ("", "/xml", "/attachments/a1.jpg"):
            resp = client.get(f"/api/v1/submissions/{sid}{path}", headers=visits.headers[who])
            assert resp.status_code == 404, (who, path)
            assert resp.json["error"]["code"] == "submission_not_found"


def test_an_edit_keeps_the_old_xml_downloadable(client, visits):
    edit = instance("uuid:a1-edit", household="王五（更正）", photo="a1.jpg", kid_photos=(), deprecated_id="uuid:a1")
    visits.world.a.send(edit, {"a1.jpg": PHOTO})
    h = visits.headers["cadre_a"]
    sid = _id(client, h)
    detail = client.get(f"/api/v1/submissions/{sid}", headers=h).json
    assert detail["version_count"] == 2 and detail["current_instance_id"] == "uuid:a1-edit"
    assert [v["instance_id"] for v in detail["versions"]] == ["uuid:a1", "uuid:a1-edit"]
    assert client.get(f"/api/v1/submissions/{sid}/xml", headers=h).data == edit
    old = client.get(f"/api/v1/submissions/{sid}/xml", query_string={"instance_id": "uuid:a1"}, headers=h)
    assert old.data == visits.a1
    assert client.get(f"/api/v1/submissions/{sid}/xml", query_string={"instance_id": "uuid:zz"},
                      headers=h).status_code == 404


def test_a_file_that_is_not_a_photo_downloads_and_never_renders(client, visits):
    html = b"<html><script>alert(1)</script></html>"
    xml = instance("uuid:a3", photo="page.html", kid_photos=())
    visits.world.a.post(xml, {})  # the instance first, then the file with a declared type of text/html
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart
    import io
    boundary, body = encode_multipart({
        "xml_submission_file": FileStorage(io.BytesIO(xml), "instance.xml", content_type="text/xml"),
        "page.html": FileStorage(io.BytesIO(html), "page.html", content_type="text/html")})
    resp = visits.world.a.post_raw(f"multipart/form-data; boundary={boundary}", body)
    assert resp.status_code == 202
    h = visits.headers["cadre_a"]
    sid = _id(client, h, instance_id="uuid:a3")
    got = client.get(f"/api/v1/submissions/{sid}/attachments/page.html", headers=h)
    assert got.data == html
    assert got.mimetype == "application/octet-stream" and got.headers["Content-Disposition"].startswith("attachment")


def test_the_english_labels_follow_lang(client, visits):
    sid = _id(client, visits.headers["boss"])
    resp = client.get(f"/api/v1/submissions/{sid}?lang=en", headers=visits.headers["boss"])
    assert resp.status_code == 200  # the test form has Chinese labels only: they are shown as they are
    assert {a["path"]: a for a in resp.json["answers"]}["/data/household"]["label"] == "户主姓名"



def test_date_filters_are_china_time_days(client, visits, app):
    """17:30 UTC on the 22nd is 01:30 on the 23rd in China: it belongs to the 23rd, as the pages show it."""
    from datetime import datetime

    h = visits.headers["inspector"]
    url = "/api/v1/forms/visit/submissions"
    with app.app_context(), unit_of_work():
        sub = get_session().query(Submission).filter_by(instance_id="uuid:a2").one()
        sub.received_at = datetime(2026, 11, 22, 17, 30)
    assert "uuid:a2" in ids(client.get(url, query_string={"since": "2026-11-23", "until": "2026-11-23"}, headers=h))
    assert "uuid:a2" not in ids(client.get(url, query_string={"since": "2026-11-22", "until": "2026-11-22"},
                                           headers=h))
