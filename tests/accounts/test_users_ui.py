"""The users pages: list with filters, create, edit role/areas/active, reset password."""
from __future__ import annotations

from sqlalchemy import func, select

from server.accounts.models import User
from server.audit.models import AuditEvent
from server.db import get_session
from tests.accounts.conftest import post_form, user_id
from tests.conftest import PASSWORD


def _user(app, username):
    with app.app_context():
        u = get_session().scalar(select(User).where(User.username == username))
        return None if u is None else (u.role, sorted(a.code for a in u.areas), u.active, u.display_name)


def test_user_list_filters_by_role_and_area(client, make_user, login):
    login(make_user("admin", "C", username="boss"))
    make_user("cadre", "V11", username="cadre_east")
    make_user("cadre", "V21", username="cadre_west")
    make_user("township", "T2", username="staff_west")
    page = client.get("/users").data.decode()
    assert all(n in page for n in ("boss", "cadre_east", "cadre_west", "staff_west"))
    only_cadres = client.get("/users?role=cadre").data.decode()
    assert "cadre_east" in only_cadres and "cadre_west" in only_cadres and "staff_west" not in only_cadres
    west = client.get("/users?area=T2").data.decode()
    assert "cadre_west" in west and "staff_west" in west and "cadre_east" not in west
    assert client.get("/users?role=emperor").status_code == 422


def test_admin_scoped_to_a_township_sees_only_its_people(client, make_user, login):
    login(make_user("admin", "T1", username="east_admin"))
    make_user("cadre", "V21", username="cadre_west")
    make_user("cadre", "V11", username="cadre_east")
    page = client.get("/users").data.decode()
    assert "cadre_east" in page and "cadre_west" not in page
    assert "西一村" not in page  # the area filter offers only areas in scope


def test_create_user_through_the_form(app, client, make_user, login):
    login(make_user("admin", "T1"))
    resp = post_form(client, "/users/new", "/users/new", {
        "username": "wang", "password": "long-enough-pw", "role": "cadre", "areas": ["V11", "V12"],
        "display_name": "王干部", "phone": ""})
    assert resp.status_code == 302
    assert _user(app, "wang") == ("cadre", ["V11", "V12"], True, "王干部")
    with app.app_context():
        ev = get_session().scalar(select(AuditEvent).where(AuditEvent.action == "user.create"
                                                           , AuditEvent.target == "wang"))
        assert ev.detail == {"role": "cadre", "areas": ["V11", "V12"]}


def test_create_form_errors_are_shown_and_store_nothing(app, client, make_user, login):
    login(make_user("admin", "T1"))
    make_user("cadre", "V11", username="taken")
    with app.app_context():
        before = get_session().scalar(select(func.count(User.id)))
    cases = [
        ({"username": "taken", "password": "long-enough-pw", "role": "cadre", "areas": ["V11"]}, 409, "用户名已存在"),
        ({"username": "nobody", "password": "long-enough-pw", "role": "cadre"}, 422, "至少选择一个区划"),
        ({"username": "nobody", "password": "short", "role": "cadre", "areas": ["V11"]}, 422, "密码至少 8 位"),
        ({"username": "nobody", "password": "long-enough-pw", "role": "cadre", "areas": ["V21"]}, 403, "没有权限"),
    ]
    for data, status, text in cases:
        resp = post_form(client, "/users/new", "/users/new", data)
        assert resp.status_code == status, data
        html = resp.data.decode()
        assert text in html
        assert 'name="username" value="%s"' % data["username"] in html  # the form keeps what was typed
    with app.app_context():
        assert get_session().scalar(select(func.count(User.id))) == before


def test_edit_role_areas_and_active_is_audited(app, client, make_user, login):
    login(make_user("admin", "C"))
    name = make_user("cadre", "V11")
    uid = user_id(app, name)
    page = client.get(f"/users/{uid}").data.decode()
    assert f"编辑用户：{name}" in page and '<option value="V11" selected>' in page
    resp = post_form(client, f"/users/{uid}", f"/users/{uid}", {
        "display_name": "改名", "phone": "123", "role": "supervisor", "areas": ["T2"], "active": "false"})
    assert resp.status_code == 302
    assert _user(app, name) == ("supervisor", ["T2"], False, "改名")
    with app.app_context():
        ev = get_session().scalar(select(AuditEvent).where(AuditEvent.action == "user.permissions"))
        assert ev.target == name
        assert ev.detail == {"role": ["cadre", "supervisor"], "areas": [["V11"], ["T2"]], "active": [True, False]}
    # No areas chosen: refused, nothing changes.
    resp = post_form(client, f"/users/{uid}", f"/users/{uid}", {"role": "cadre", "active": "true"})
    assert resp.status_code == 422 and "至少选择一个区划" in resp.data.decode()
    assert _user(app, name) == ("supervisor", ["T2"], False, "改名")


def test_admin_outside_the_area_gets_404_on_the_edit_page(app, client, make_user, login):
    login(make_user("admin", "T1"))
    uid = user_id(app, make_user("cadre", "V21"))
    assert client.get(f"/users/{uid}").status_code == 404


def test_reset_password_through_the_form(app, client, make_user, login):
    login(make_user("admin", "C"))
    name = make_user("cadre", "V11")
    uid = user_id(app, name)
    weak = post_form(client, f"/users/{uid}", f"/users/{uid}/password", {"password": "123"})
    assert weak.status_code == 422
    ok = post_form(client, f"/users/{uid}", f"/users/{uid}/password", {"password": "reset-by-admin"})
    assert ok.status_code == 302
    fresh = app.test_client()
    from tests.conftest import csrf_from

    page = fresh.get("/login")
    assert fresh.post("/login", data={"username": name, "password": PASSWORD,
                                      "csrf_token": csrf_from(page.data)}).status_code == 401
    assert fresh.post("/login", data={"username": name, "password": "reset-by-admin",
                                      "csrf_token": csrf_from(page.data)}).status_code == 302


def test_non_admins_get_403_on_user_pages(app, client, make_user, login):
    target = user_id(app, make_user("cadre", "V11"))
    login(make_user("township", "T1"))
    for url in ("/users", "/users/new", f"/users/{target}"):
        assert client.get(url).status_code == 403, url


def test_pages_in_english(client, make_user, login):
    login(make_user("admin", "C"))
    client.get("/?lang=en")
    page = client.get("/users").data.decode()
    assert "Users and permissions" in page and "New user" in page
    assert "Users and permissions" not in client.get("/users?lang=zh").data.decode()
