"""Storage fixtures: a real S3-compatible HTTP server (moto's ThreadedMotoServer on 127.0.0.1),
a fresh bucket per test, and a ``store`` fixture that runs each behaviour test on both backends."""
from __future__ import annotations

import os
import socket
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from server import create_app
from server.storage.local import LocalBlobStore
from server.storage.s3 import S3BlobStore
from tests.conftest import empty_database

REGION = "us-east-1"


@pytest.fixture(scope="session")
def s3_endpoint():
    """http://127.0.0.1:<free port> of an S3-compatible server running for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Dummy credentials in the standard AWS variables, and no profile or config file from this machine."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture
def s3(s3_endpoint, aws_env):
    """A boto3 client on the test server, to look at buckets independently of the store."""
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)


@pytest.fixture
def bucket(s3):
    name = f"zoufang-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_url(s3_endpoint, bucket):
    """s3_url(prefix="blobs") → the STORAGE_URL of this test's bucket."""
    def make(prefix: str = "blobs") -> str:
        return f"s3://{bucket}/{prefix}?endpoint={s3_endpoint}&region={REGION}"

    return make


def bucket_keys(s3, bucket: str) -> list[str]:
    return sorted(obj["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                  for obj in page.get("Contents", []))


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """The same behaviour tests, on the local disk store and on the S3 store."""
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    url = request.getfixturevalue("s3_url")("zou/fang")
    return S3BlobStore.from_url(url, spool_dir=tmp_path / "spool")


@pytest.fixture
def s3_app(database_url, tmp_path, s3_url):
    """The app with STORAGE_URL pointing at this test's bucket (prefix ``blobs/``)."""
    app = create_app({
        "database_url": database_url,
        "data_dir": tmp_path / "data",
        "exports_dir": tmp_path / "exports",
        "secret_key": "test-secret",
        "testing": True,
        "odk_validate": "off",
        "storage_url": s3_url("blobs"),
    })
    yield app
    empty_database(app)


def free_port() -> int:
    """A port nothing listens on (bound then released), for an unreachable endpoint."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
