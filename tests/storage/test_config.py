"""STORAGE_URL: which store it picks, and the clear ConfigError for anything wrong, checked at start-up."""
from __future__ import annotations

from dataclasses import replace

import pytest

from server import create_app
from server.config import Config, ConfigError
from server.storage.blobs import store_from_config
from server.storage.local import LocalBlobStore
from server.storage.s3 import S3BlobStore, S3Location, parse_s3_url
from tests.storage.conftest import free_port


def config(tmp_path, url: str) -> Config:
    return replace(Config(), data_dir=tmp_path / "data", storage_url=url)


def test_empty_url_is_the_data_dir(tmp_path):
    store = store_from_config(config(tmp_path, ""))
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "data" / "blobs"


def test_file_url_is_a_local_folder(tmp_path):
    store = store_from_config(config(tmp_path, f"file://{tmp_path}/elsewhere"))
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "elsewhere"


def test_s3_url_is_the_s3_store(tmp_path, bucket, s3_url):
    store = store_from_config(config(tmp_path, s3_url("a/b")))
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix, store.spool_dir) == (bucket, "a/b/", tmp_path / "data" / "tmp")


@pytest.mark.parametrize("url, expected", [
    ("s3://zoufang", S3Location("zoufang")),
    ("s3://zoufang/", S3Location("zoufang")),
    ("s3://zoufang/blobs/2024/", S3Location("zoufang", "blobs/2024/")),
    ("s3://zou.fang-1/x?region=cn-north-1", S3Location("zou.fang-1", "x/", region="cn-north-1")),
    ("s3://zoufang/x?endpoint=https://minio.example.cn:9000&region=us-east-1",
     S3Location("zoufang", "x/", "https://minio.example.cn:9000", "us-east-1")),
])
def test_good_s3_urls_parse(url, expected):
    assert parse_s3_url(url) == expected


@pytest.mark.parametrize("url, zh, en", [
    ("ftp://host/blobs", "只支持 file:// 或 s3://", "must be file:///path or s3://"),
    ("S3://zoufang", "只支持 file:// 或 s3://", "must be file:///path or s3://"),
    ("/srv/blobs", "只支持 file:// 或 s3://", "must be file:///path or s3://"),
    ("s3://", "存储桶名称无效", "invalid bucket name"),
    ("s3://Zou_Fang/x", "存储桶名称无效", "invalid bucket name"),
    ("s3://ab", "存储桶名称无效", "invalid bucket name"),
    ("s3://key:secret@zoufang", "不能写密钥", "AWS_ACCESS_KEY_ID"),
    ("s3://zoufang/a//b", "空的路径段", "empty segment"),
    ("s3://zoufang?endpoint=127.0.0.1:9000", "endpoint 必须是 http(s)://", "endpoint must be http(s)://"),
    ("s3://zoufang?endpoint=ftp://127.0.0.1", "endpoint 必须是 http(s)://", "endpoint must be http(s)://"),
    ("s3://zoufang?endpoint=http://127.0.0.1:9000/path", "endpoint 必须是 http(s)://", "host[:port]"),
    ("s3://zoufang?endpoint=http://127.0.0.1:nine", "端口无效", "invalid port"),
    ("s3://zoufang?endpoint=http://h:1&endpoint=http://h:2", "参数重复", "repeats parameters"),
    ("s3://zoufang?region=Beijing 1", "region 无效", "invalid region"),
    ("s3://zoufang?bucket=other", "未知参数", "unknown parameters ['bucket']"),
    ("s3://zoufang?endpoint", "参数无法解析", "unparsable query"),
    ("s3://zoufang?endpoint=", "endpoint 必须是 http(s)://", "endpoint must be http(s)://"),
])
def test_bad_storage_urls_say_what_is_wrong(tmp_path, url, zh, en):
    with pytest.raises(ConfigError) as err:
        store_from_config(config(tmp_path, url))
    message = str(err.value)
    assert zh in message and en in message and "STORAGE_URL" in message


def test_start_up_refuses_a_missing_bucket(database_url, tmp_path, s3_endpoint, aws_env):
    with pytest.raises(ConfigError, match="存储桶不存在") as err:
        create_app({"database_url": database_url, "data_dir": tmp_path, "exports_dir": tmp_path / "exports",
                    "secret_key": "x", "testing": True,
                    "storage_url": f"s3://no-such-bucket?endpoint={s3_endpoint}&region=us-east-1"})
    assert "bucket does not exist: s3://no-such-bucket" in str(err.value)


def test_start_up_refuses_an_unreachable_endpoint(tmp_path, aws_env):
    endpoint = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ConfigError, match="无法连接对象存储") as err:
        store_from_config(config(tmp_path, f"s3://zoufang?endpoint={endpoint}"))
    assert f"cannot reach object storage s3://zoufang at {endpoint}" in str(err.value)


def test_storage_url_from_the_environment(monkeypatch, tmp_path, bucket, s3_url):
    monkeypatch.setenv("STORAGE_URL", s3_url("env"))
    store = store_from_config(replace(Config.from_env(), data_dir=tmp_path))
    assert isinstance(store, S3BlobStore) and (store.bucket, store.prefix) == (bucket, "env/")
