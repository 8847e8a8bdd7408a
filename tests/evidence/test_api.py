"""Flags API and photo gallery: scoped like the visits, filtered, usable on a phone."""
from __future__ import annotations

from tests.evidence.conftest import TAKEN
from tests.evidence.images import photo


def test_flags_api_and_scope(visit, make_user, api_token, client):
    sid = visit("H11A", end="2024-05-01T09:02:00.000+08:00")
    make_user("township", "T2", username="t2_staff")
    own = client.get(f"/api/v1/submissions/{sid}/flags", headers=api_token("t1_staff"))
    assert own.status_code == 200
    assert [f["kind"] for f in own.json["flags"]] == ["duration_short"]
    assert own.json["flags"][0]["label_en"] == "visit too short" and own.json["checked_at"]
    other = client.get(f"/api/v1/submissions/{sid}/flags", headers=api_token("t2_staff"))
    assert other.status_code == 404
    assert client.get(f"/api/v1/submissions/{sid}/flags", headers=api_token("cadre_a")).status_code == 403
    assert client.get("/api/v1/photos", headers=api_token("t2_staff")).json["total"] == 0


def test_gallery_api_filters(visit, api_token, client):
    shared = photo(21, TAKEN)
    visit("H11A", {"a.jpg": shared, "a2.jpg": photo(22, TAKEN)})
    visit("H11B", {"b.jpg": shared})
    h = api_token("boss")
    everything = client.get("/api/v1/photos", headers=h).json
    assert everything["total"] == 3
    reused = client.get("/api/v1/photos?flag=photo_reused", headers=h).json
    assert sorted(p["attachment"] for p in reused["photos"]) == ["a.jpg", "b.jpg"]
    assert all(p["flags"][0]["kind"] == "photo_reused" for p in reused["photos"])
    assert client.get("/api/v1/photos?question=visit_photo_2", headers=h).json["total"] == 1
    assert client.get("/api/v1/photos?form=four_ones_visit&area=V11&cadre=cadre_a", headers=h).json["total"] == 3
    assert client.get("/api/v1/photos?form=household_survey", headers=h).json["total"] == 0
    assert client.get("/api/v1/photos?since=2999-01-01", headers=h).json["total"] == 0
    bad = client.get("/api/v1/photos?flag=nonsense&since=yesterday", headers=h)
    assert bad.status_code == 422


def test_gallery_page_scope_and_thumbnails(visit, make_user, login, app):
    shared = photo(31, TAKEN)
    first = visit("H11A", {"a.jpg": shared})
    visit("H11B", {"b.jpg": shared})
    make_user("township", "T2", username="t2_staff")
    other = app.test_client()
    from tests.conftest import PASSWORD, csrf_from
    token = csrf_from(other.get("/login").data)
    other.post("/login", data={"username": "t2_staff", "password": PASSWORD, "csrf_token": token})
    page = other.get("/evidence/photos")
    assert page.status_code == 200 and "a.jpg" not in page.data.decode()
    assert other.get(f"/evidence/photos/{first}/a.jpg/thumb.jpg").status_code == 404

    client = login("t1_staff")
    page = client.get("/evidence/photos?flag=photo_reused")
    html = page.data.decode()
    assert page.status_code == 200 and "走访照片" in html and html.count('class="flagged"') == 2
    assert "照片重复使用" in html and f"/submissions/{first}" in html
    thumb = client.get(f"/evidence/photos/{first}/a.jpg/thumb.jpg")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg" and len(thumb.data) < len(shared)
    assert client.get("/evidence/photos?since=nope").status_code == 422
    english = client.get("/evidence/photos?lang=en").data.decode()
    assert "Visit photos" in english and "photo reused" in english
