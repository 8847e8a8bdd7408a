"""Bad submissions: each gets a specific 4xx with an OpenRosa message, and nothing is stored."""
from __future__ import annotations

import io

import pytest

from server.submissions.upload import MAX_FIELD_BYTES, MAX_PARTS
from tests.conftest import PASSWORD
from tests.openrosa.submit_client import (LIMIT, SubmitClient, app, instance, jpeg, message, multipart,  # noqa: F401
                                          stored, submissions, world)

FILES = {"p1.jpg": jpeg("p1")}

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<data id="visit" version="1"><household>&xxe;</household><meta><instanceID>uuid:xxe</instanceID></meta></data>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<data id="visit" version="1"><household>&lol3;</household><meta><instanceID>uuid:lol</instanceID></meta></data>"""


def refused(world, stored, resp, status: int, fragment: str) -> None:
    assert resp.status_code == status, (resp.status_code, resp.data.decode())
    assert fragment in message(resp), message(resp)
    assert 'nature="error"' in resp.data.decode()
    assert stored()[:3] == (0, 0, 0)


@pytest.fixture
def empty(stored, world):
    """The blob count before any submission (the forms' own files)."""
    return stored()


@pytest.mark.parametrize("xml, fragment", [
    (XXE, "DOCTYPE"),
    (LAUGHS, "DOCTYPE"),
    ("<data id='visit' version='1'><household>张三</household><meta><instanceID>uuid:gbk</instanceID></meta></data>"
     .encode("gbk"), "UTF-8"),
    (b'<?xml version="1.0" encoding="GBK"?><data id="visit" version="1"><meta><instanceID>uuid:g</instanceID>'
     b"</meta></data>", "UTF-8"),
    (b"<data id='visit' version='1'><meta><instanceID>uuid:x</instanceID></meta>", "XML"),
    (b"<data id='visit' version='1'><household>x</household></data>", "instanceID"),
    (b"<data version='1'><meta><instanceID>uuid:x</instanceID></meta></data>", "表单编号"),
    (b"", "空"),
], ids=["xxe", "billion_laughs", "gbk_bytes", "gbk_declared", "unclosed", "no_instance_id", "no_form_id", "empty"])
def test_hostile_or_broken_xml_is_400_and_stores_nothing(world, stored, empty, xml, fragment):
    refused(world, stored, world.a.post(xml, FILES), 400, fragment)
    assert stored() == empty


def test_a_truncated_body_is_400_and_stores_nothing(world, stored, empty):
    content_type, body = multipart(instance("uuid:cut"), {"p1.jpg": jpeg("p1"), "k1.jpg": jpeg("k1")})
    refused(world, stored, world.a.post_raw(content_type, body[: len(body) - 700]), 400, "不完整")
    assert stored() == empty


def test_missing_instance_part_is_400(world, stored):
    refused(world, stored, world.a.post(None, FILES), 400, "xml_submission_file")


def test_a_body_that_is_not_multipart_is_400(world, stored):
    refused(world, stored, world.a.post_raw("text/xml", instance("uuid:raw")), 400, "multipart")


@pytest.mark.parametrize("name", ["../../x", "..\\..\\x.jpg", "/etc/passwd", "a/b.jpg", "bad\x01.jpg", ".."])
def test_a_path_in_an_attachment_name_is_400_even_when_referenced(world, stored, empty, name):
    printable = name.replace("\x01", "")
    bare = printable.replace("\\", "/").split("/")[-1]
    xml = instance("uuid:path", photo=bare or "x", extra=f"<note>{printable}</note>")
    refused(world, stored, world.a.post(xml, {name: b"evil"}), 400, "附件文件名无效")
    assert stored() == empty


def test_too_many_parts_is_400(world, stored, empty):
    files = {f"f{i}.jpg": b"x" for i in range(MAX_PARTS + 5)}
    refused(world, stored, world.a.post(instance("uuid:many"), files), 400, "部分过多")
    assert stored() == empty


def test_a_body_over_the_limit_is_413_before_it_is_read(world, stored, empty):
    resp = world.a.post(instance("uuid:huge"), {"p1.jpg": b"\x00" * (LIMIT + 1)})
    refused(world, stored, resp, 413, "上传内容过大")
    assert resp.headers["X-OpenRosa-Accept-Content-Length"] == str(LIMIT)
    assert stored() == empty


def test_a_streamed_body_without_length_is_cut_at_the_limit(world, stored, empty):
    content_type, body = multipart(instance("uuid:stream"), {"p1.jpg": b"\x00" * (LIMIT + 1)})
    resp = world.a.post_raw(content_type, b"", input_stream=io.BytesIO(body),
                            environ_overrides={"wsgi.input_terminated": True})
    refused(world, stored, resp, 413, "上传内容过大")


def test_a_form_not_assigned_to_the_cadre_is_403(world, stored):
    refused(world, stored, world.b.post(instance("uuid:other"), FILES), 403, "没有分配给您")


def test_unknown_form_and_unknown_version_are_404(world, stored):
    refused(world, stored, world.a.post(instance("uuid:nf", form_id="nosuch"), FILES), 404, "没有表单“nosuch”")
    refused(world, stored, world.a.post(instance("uuid:nv", version="99"), FILES), 404, "版本 99 不存在")


def test_only_cadres_submit(world, client, stored):
    admin = SubmitClient(client, "", auth=("boss", PASSWORD))
    refused(world, stored, admin.post(instance("uuid:admin"), FILES), 403, "没有权限提交走访记录")


def test_a_bad_token_is_403_and_the_body_is_not_read(world, client, stored):
    refused(world, stored, SubmitClient(client, "/key/nope").post(instance("uuid:t"), FILES), 403, "手机链接无效")


def test_the_same_attachment_twice_in_one_post_is_400(world, stored):
    content_type, body = multipart(instance("uuid:twice"), FILES)
    delimiter = b"--" + content_type.split("boundary=")[1].encode()
    pieces = body.split(delimiter)  # "", the instance, p1.jpg, k1.jpg, "--" (the close)
    assert b'filename="p1.jpg"' in pieces[2]
    body = delimiter.join(pieces[:3] + pieces[2:])  # the p1.jpg part, repeated
    refused(world, stored, world.a.post_raw(content_type, body), 400, "附件重复")


def _spooled(world) -> list:
    """Files left in the blob store's tmp folder (where parts are written while a body is received)."""
    from pathlib import Path

    tmp = Path(world.app.config["ZOUFANG"].data_dir) / "blobs" / "tmp"
    return sorted(p.name for p in tmp.iterdir()) if tmp.exists() else []


def test_refused_bodies_leave_no_part_files_behind(world, stored, empty):
    content_type, body = multipart(instance("uuid:cut"), FILES)
    refused(world, stored, world.a.post_raw(content_type, body[:-300]), 400, "不完整")  # cut in a part
    refused(world, stored, world.a.post(instance("uuid:nv", version="99"), FILES), 404, "版本 99 不存在")
    content_type, body = multipart(instance("uuid:stream"), {"p1.jpg": b"\x00" * (LIMIT + 1)})
    refused(world, stored, world.a.post_raw(content_type, b"", input_stream=io.BytesIO(body),
                                            environ_overrides={"wsgi.input_terminated": True}), 413, "上传内容过大")
    assert _spooled(world) == []
    world.a.send(instance("uuid:ok"), FILES)  # an accepted one: its parts were moved into place
    assert _spooled(world) == []


def test_an_oversize_plain_field_is_400_and_stores_nothing(world, stored, empty):
    content_type, body = multipart(instance("uuid:field"), FILES)
    delimiter = b"--" + content_type.split("boundary=")[1].encode()
    field = b'\r\nContent-Disposition: form-data; name="note"\r\n\r\n' + b"x" * (MAX_FIELD_BYTES + 1) + b"\r\n"
    body = body.replace(delimiter + b"--", delimiter + field + delimiter + b"--")
    refused(world, stored, world.a.post_raw(content_type, body), 400, "字段过大")
    assert stored() == empty
