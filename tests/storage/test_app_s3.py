"""End to end: the app with STORAGE_URL=s3://… keeps forms and submissions in the bucket."""
from __future__ import annotations

import hashlib
import io

import pytest

from server.storage.blobs import get_store
from server.storage.s3 import S3BlobStore
from tests.forms.conftest import xlsform
from tests.openrosa.submit_client import instance, jpeg, message, world  # noqa: F401
from tests.storage.conftest import bucket_keys, free_port


@pytest.fixture
def app(s3_app):
    """The shared fixtures (areas, make_user, client, api_token, world) on the S3-backed app."""
    return s3_app


def key(sha: str) -> str:
    return f"blobs/{sha[:2]}/{sha[2:4]}/{sha}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_get_store_in_the_app_writes_to_the_bucket(app, s3, bucket):
    with app.app_context():
        store = get_store()
        assert isinstance(store, S3BlobStore)
        sha = store.put_bytes("走访记录".encode())
    assert bucket_keys(s3, bucket) == [key(sha)]


def test_an_uploaded_xlsform_lands_in_the_bucket(app, s3, bucket, client, api_token, make_user, tmp_path):
    headers = api_token(make_user("designer", "C", username="designer"))
    data = xlsform()
    resp = client.post("/api/v1/forms", data={"file": (io.BytesIO(data), "visit.xlsx")}, headers=headers,
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.data.decode()[:500]
    version_id = resp.json["draft"]["id"]
    xform = client.get(f"/api/v1/forms/visit/versions/{version_id}/xform", headers=headers)
    assert xform.status_code == 200 and b"<h:html" in xform.data
    keys = bucket_keys(s3, bucket)
    assert key(sha256(data)) in keys and key(sha256(xform.data)) in keys
    assert s3.get_object(Bucket=bucket, Key=key(sha256(data)))["Body"].read() == data
    assert not (tmp_path / "data" / "blobs").exists()  # nothing went to local disk


def test_a_collect_submission_lands_in_the_bucket(world, s3, bucket):  # noqa: F811
    files = {"p1.jpg": jpeg("p1"), "k1.jpg": jpeg("k1"), "k2.jpg": jpeg("k2")}
    xml = instance("uuid:s3-1")
    [resp] = world.a.send(xml, files)
    assert resp.status_code == 201
    keys = bucket_keys(s3, bucket)
    for blob in (xml, *files.values()):
        assert key(sha256(blob)) in keys


def test_storage_down_is_503_on_the_api_and_to_collect(world, client, api_token):  # noqa: F811
    down = S3BlobStore.from_url(f"s3://zoufang-down?endpoint=http://127.0.0.1:{free_port()}&region=us-east-1",
                                check=False)
    world.app.extensions["zoufang_blobs"] = down
    resp = client.post("/api/v1/forms", data={"file": (io.BytesIO(xlsform(form_id="other")), "other.xlsx")},
                       headers=api_token("boss"), content_type="multipart/form-data")
    assert resp.status_code == 503 and resp.json["error"]["code"] == "storage_unavailable"
    assert "对象存储" in resp.json["error"]["message"]
    posted = world.a.post(instance("uuid:s3-down"), {"p1.jpg": jpeg("p1")})
    assert posted.status_code == 503 and "对象存储" in message(posted)
