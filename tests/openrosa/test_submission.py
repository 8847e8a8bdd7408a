"""Submissions in, as ODK Collect sends them: HEAD, POST, split uploads, re-POSTs, edits."""
from __future__ import annotations

import base64

from sqlalchemy import select

from server.db import get_session
from server.forms.models import Form
from tests.conftest import PASSWORD
from tests.openrosa.submit_client import (LIMIT, SubmitClient, app, instance, jpeg, message, stored,  # noqa: F401
                                          submissions, world)

FILES = {"p1.jpg": jpeg("p1"), "k1.jpg": jpeg("k1"), "k2.jpg": jpeg("k2")}


def test_head_answers_204_with_the_size_limit(world, client):
    resp = world.a.head()
    assert resp.status_code == 204
    assert resp.headers["X-OpenRosa-Accept-Content-Length"] == str(LIMIT)
    assert resp.data == b""


def test_head_over_basic_auth_and_bad_tokens(world, client):
    basic = SubmitClient(client, "", auth=("cadre_a", PASSWORD))
    assert basic.head().status_code == 204
    assert SubmitClient(client, "").head().status_code == 401
    assert SubmitClient(client, "/key/not-a-token").head().status_code == 403


def test_a_new_visit_is_stored_with_who_when_and_what(world, submissions):
    xml = instance("uuid:new-1")
    [resp] = world.a.send(xml, FILES)
    assert resp.status_code == 201
    assert message(resp) == "走访记录已提交成功"
    assert 'nature="submit_success"' in resp.data.decode()
    assert resp.headers["X-OpenRosa-Accept-Content-Length"] == str(LIMIT)
    [sub] = submissions()
    assert (sub.instance_id, sub.current_instance_id, sub.state) == ("uuid:new-1", "uuid:new-1", "received")
    assert sub.submitter == "cadre_a"
    assert sub.device_id == "collect:TESTDEVICE0001"  # from the deviceID query parameter Collect adds
    assert sub.received_at is not None and not sub.incomplete
    assert sub.current.xml == xml  # the raw bytes, as sent
    assert sub.current.expected == ["p1.jpg", "k1.jpg", "k2.jpg"]
    assert sub.current.attachments == FILES
    with world.app.app_context():
        form = get_session().scalar(select(Form).where(Form.xml_form_id == "visit"))
        assert sub.form_version_id == form.current.id


def test_device_id_in_the_instance_wins_over_the_query_parameter(world, submissions):
    world.a.send(instance("uuid:dev", device_id="collect:FROMMETA"), FILES)
    assert submissions()[0].device_id == "collect:FROMMETA"


def test_three_photos_split_over_two_posts_complete_the_visit(world, submissions, stored):
    xml = instance("uuid:split")
    first, second = world.a.send(xml, FILES, max_files=2)
    assert first.status_code == 201
    assert "还有 1 个附件待上传" in message(first)
    assert second.status_code == 202
    assert message(second).startswith("已收到")
    [sub] = submissions()
    assert not sub.incomplete
    assert sub.current.attachments == FILES
    assert stored()[:3] == (1, 1, 3)


def test_the_first_part_alone_leaves_the_visit_marked_incomplete(world, submissions):
    world.a.post(instance("uuid:half"), {"p1.jpg": FILES["p1.jpg"]}, incomplete=True)
    [sub] = submissions()
    assert sub.incomplete
    assert set(sub.current.attachments) == {"p1.jpg"}


def test_a_repost_after_a_dropped_connection_is_acknowledged_once(world, submissions, stored):
    xml = instance("uuid:again")
    empty = stored()
    [first] = world.a.send(xml, FILES)
    before = stored()
    assert before[3] == empty[3] + 4  # the XML and three photos
    [again] = world.a.send(xml, FILES)  # Collect never saw the 201 and sends everything again
    assert (first.status_code, again.status_code) == (201, 202)
    assert message(again) == "已收到"
    assert stored() == before and before[:3] == (1, 1, 3)
    assert len(submissions()) == 1


def test_the_same_instance_id_with_different_content_is_409(world, submissions):
    world.a.send(instance("uuid:clash", household="张三"), FILES)
    resp = world.a.post(instance("uuid:clash", household="李四"), FILES)
    assert resp.status_code == 409
    assert "instanceID" in message(resp)
    [sub] = submissions()
    assert "张三".encode() in sub.current.xml


def test_an_edit_with_deprecated_id_keeps_the_old_version(world, submissions):
    original = instance("uuid:v1", household="张三")
    world.a.send(original, FILES)
    edit = instance("uuid:v2", household="张山", deprecated_id="uuid:v1")
    [resp] = world.a.send(edit, FILES)
    assert resp.status_code == 201
    assert "原记录已保留" in message(resp)
    [sub] = submissions()
    assert (sub.instance_id, sub.current_instance_id, sub.version_count) == ("uuid:v1", "uuid:v2", 2)
    assert [v.xml for v in sub.versions] == [original, edit]
    assert sub.versions[1].deprecated_id == "uuid:v1"
    assert sub.current.attachments == FILES
    [again] = world.a.send(edit, FILES)  # the edit re-sent
    assert again.status_code == 202
    assert len(submissions()) == 1 and submissions()[0].version_count == 2


def test_an_edit_whose_original_never_arrived_is_kept_as_a_new_visit(world, submissions):
    [resp] = world.a.send(instance("uuid:e2", deprecated_id="uuid:lost"), FILES)
    assert resp.status_code == 201
    [sub] = submissions()
    assert sub.instance_id == "uuid:e2" and sub.current.deprecated_id == "uuid:lost"


def test_an_unreferenced_file_is_not_stored_but_the_visit_is(world, submissions):
    resp = world.a.post(instance("uuid:extra"), {**FILES, "stray.jpg": jpeg("stray")})
    assert resp.status_code == 201
    assert "stray.jpg" in message(resp) and "未保存" in message(resp)
    [sub] = submissions()
    assert set(sub.current.attachments) == set(FILES)


def test_a_photo_name_mentioned_outside_a_photo_question_is_accepted(world, submissions):
    xml = instance("uuid:note", photo="", kid_photos=(), extra="<household_note>doc.pdf</household_note>")
    resp = world.a.post(xml, {"doc.pdf": b"%PDF-1.4"})
    assert resp.status_code == 201
    [sub] = submissions()
    assert sub.current.expected == [] and set(sub.current.attachments) == {"doc.pdf"}


def test_a_closing_form_still_accepts_and_a_closed_one_acknowledges_what_it_has(world, submissions):
    from server.accounts.permissions import SYSTEM
    from server.db import unit_of_work
    from server.forms.service import set_form_state

    xml = instance("uuid:late")
    with world.app.app_context(), unit_of_work():
        set_form_state("visit", "closing", actor=SYSTEM)
    world.a.post(xml, {"p1.jpg": FILES["p1.jpg"]}, incomplete=True)
    with world.app.app_context(), unit_of_work():
        set_form_state("visit", "closed", actor=SYSTEM)
    rest = world.a.post(xml, {k: v for k, v in FILES.items() if k != "p1.jpg"})
    assert rest.status_code == 202  # the visit was received before closing: finish it
    assert submissions()[0].current.attachments == FILES
    new = world.a.post(instance("uuid:too-late"), FILES)
    assert new.status_code == 409
    assert "已关闭" in message(new)


def test_basic_auth_submits_as_the_same_cadre(world, client, submissions):
    basic = SubmitClient(client, "", auth=("cadre_a", PASSWORD))
    [resp] = basic.send(instance("uuid:basic"), FILES)
    assert resp.status_code == 201
    assert submissions()[0].submitter == "cadre_a"


def test_the_browser_form_host_posts_the_same_way(world, client, submissions):
    """Web Forms' FormData: xml_submission_file plus attachments, no *isIncomplete*."""
    token = world.tokens["cadre_a"]
    data = {"xml_submission_file": (__import__("io").BytesIO(instance("uuid:web")), "submission.xml")}
    resp = client.post(f"/key/{token}/submission", data=data, content_type="multipart/form-data")
    assert resp.status_code == 201
    assert submissions()[0].incomplete  # its three photos have not arrived


def test_nothing_is_left_in_the_temporary_spool(world, app):
    from pathlib import Path

    big = {"p1.jpg": base64.b64encode(b"x" * 600_000)}  # above werkzeug's in-memory threshold
    assert world.a.post(instance("uuid:big"), big).status_code == 201
    tmp = Path(app.config["ZOUFANG"].data_dir) / "blobs" / "tmp"
    assert not any(tmp.iterdir())


def test_the_size_limit_is_configurable_and_checked():
    import pytest

    from server.config import Config, ConfigError

    assert Config().submission_max_bytes == 100 * 1024 * 1024
    assert Config.from_env({"ZOUFANG_SUBMISSION_MAX_BYTES": "5242880"}).submission_max_bytes == 5 * 1024 * 1024
    with pytest.raises(ConfigError, match="ZOUFANG_SUBMISSION_MAX_BYTES"):
        Config.from_env({"ZOUFANG_SUBMISSION_MAX_BYTES": "lots"})
    with pytest.raises(ConfigError, match="ZOUFANG_SUBMISSION_MAX_BYTES"):
        Config.from_env({"ZOUFANG_SUBMISSION_MAX_BYTES": "1000"}).with_overrides({"secret_key": "x"}).finalised()
