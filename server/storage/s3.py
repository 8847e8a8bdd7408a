"""Content-addressed blob store (sha256) in an S3-compatible bucket (AWS S3, MinIO, Ceph…).

Same keys and semantics as the local store: ``<prefix>ab/cd/<sha256>``. A stream
is spooled to a temporary file while it is hashed (so the key is known before
the upload and memory stays bounded), then sent with ``put_object`` carrying
its SHA-256 checksum, which S3 verifies. An object already present (HEAD) is not
sent again. A put that returned was acknowledged by S3: that is its durability.

Credentials come from the standard AWS variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_PROFILE`` …) as boto3
reads them; the URL only says where the bucket is.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from server.config import ConfigError
from server.errors import StorageUnavailable
from server.storage.local import CHUNK, blob_key

SPOOL_IN_MEMORY = CHUNK  # streams up to this size never touch the disk
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
EXAMPLE = "s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1"
MISSING = ("404", "NoSuchKey", "NotFound")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str = ""           # "" or ends with "/"
    endpoint: str | None = None
    region: str | None = None


def _bad(zh: str, en: str) -> ConfigError:
    return ConfigError(f"STORAGE_URL {zh}（例如 {EXAMPLE}）/ STORAGE_URL {en} (e.g. {EXAMPLE})")


def parse_s3_url(url: str) -> S3Location:
    """``s3://BUCKET[/prefix]?endpoint=http://host:port&region=…`` → S3Location, or ConfigError."""
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise _bad("不是 s3:// 地址", "is not an s3:// URL")
    if "@" in parts.netloc:
        raise _bad("中不能写密钥，请用环境变量 AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
                   "must not carry credentials; set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY instead")
    bucket = parts.netloc
    if not BUCKET_NAME.match(bucket) or ".." in bucket:
        raise _bad(f"的存储桶名称无效：{bucket!r}（3–63 位小写字母、数字、点或连字符）",
                   f"has an invalid bucket name: {bucket!r} (3-63 lowercase letters, digits, dots or hyphens)")
    prefix = parts.path.strip("/")
    if "//" in prefix:
        raise _bad(f"的前缀中有空的路径段：{parts.path!r}", f"has an empty segment in its prefix: {parts.path!r}")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _bad(f"的参数无法解析：{parts.query!r}", f"has an unparsable query: {parts.query!r}") from None
    unknown = sorted(set(query) - {"endpoint", "region"})
    if unknown:
        raise _bad(f"有未知参数 {unknown}，只支持 endpoint 和 region",
                   f"has unknown parameters {unknown}; only endpoint and region are supported")
    repeated = sorted(k for k, v in query.items() if len(v) > 1)
    if repeated:
        raise _bad(f"的参数重复：{repeated}", f"repeats parameters {repeated}")
    endpoint = query.get("endpoint", [None])[0]
    if endpoint is not None:
        ep = urlsplit(endpoint)
        if ep.scheme not in ("http", "https") or not ep.hostname or ep.path.strip("/") or ep.query:
            raise _bad(f"的 endpoint 必须是 http(s)://主机[:端口]，而不是 {endpoint!r}",
                       f"endpoint must be http(s)://host[:port], not {endpoint!r}")
        try:
            ep.port  # noqa: B018 — raises on a non-numeric port
        except ValueError:
            raise _bad(f"的 endpoint 端口无效：{endpoint!r}", f"endpoint has an invalid port: {endpoint!r}") from None
    region = query.get("region", [None])[0]
    if region is not None and not re.fullmatch(r"[a-z0-9\-]+", region):
        raise _bad(f"的 region 无效：{region!r}", f"has an invalid region: {region!r}")
    return S3Location(bucket=bucket, prefix=f"{prefix}/" if prefix else "", endpoint=endpoint, region=region)


def make_client(loc: S3Location):
    """A boto3 S3 client for the location; credentials as boto3 finds them (AWS_* variables, profile…)."""
    config = BotoConfig(
        connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
        # a custom endpoint (MinIO, Ceph, moto…) seldom has wildcard DNS for virtual-host buckets
        s3={"addressing_style": "path" if loc.endpoint else "auto"},
    )
    return boto3.session.Session().client("s3", endpoint_url=loc.endpoint, region_name=loc.region, config=config)


def check_bucket(client, loc: S3Location) -> None:
    """HEAD the bucket at start-up; a ConfigError that says what is wrong otherwise."""
    where = f"s3://{loc.bucket}" + (f"（{loc.endpoint}）" if loc.endpoint else "")
    where_en = f"s3://{loc.bucket}" + (f" at {loc.endpoint}" if loc.endpoint else "")
    try:
        client.head_bucket(Bucket=loc.bucket)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise ConfigError(f"STORAGE_URL 的存储桶不存在：{where} / bucket does not exist: {where_en}") from exc
        if code in ("403", "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            raise ConfigError(f"无权访问存储桶 {where}，请检查 AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / "
                              f"access denied to bucket {where_en}; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"
                              ) from exc
        raise ConfigError(f"存储桶 {where} 检查失败 / checking bucket {where_en} failed: {exc}") from exc
    except BotoCoreError as exc:
        raise ConfigError(f"无法连接对象存储 {where} / cannot reach object storage {where_en}: {exc}") from exc


@contextlib.contextmanager
def _talking_to_s3(action: str, key: str):
    """Map S3 and network failures to StorageUnavailable (HTTP 503); a missing object to FileNotFoundError."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in MISSING:
            raise FileNotFoundError(f"no such blob: {key}") from exc
        raise StorageUnavailable("对象存储暂时不可用，请稍后重试",
                                 f"Object storage refused to {action} {key}: {code or exc}",
                                 code="storage_unavailable") from exc
    except BotoCoreError as exc:
        raise StorageUnavailable("无法连接对象存储，请稍后重试", f"Cannot reach object storage to {action} {key}: {exc}",
                                 code="storage_unavailable") from exc


class S3BlobStore:
    def __init__(self, client, bucket: str, prefix: str = "", spool_dir: Path | None = None):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.spool_dir = Path(spool_dir) if spool_dir else None

    @classmethod
    def from_url(cls, url: str, *, spool_dir: Path | None = None, check: bool = True) -> "S3BlobStore":
        loc = parse_s3_url(url)
        if check:
            # a client of its own, closed after: no connection is left open for forked workers to share
            probe = make_client(loc)
            try:
                check_bucket(probe, loc)
            finally:
                probe.close()
        return cls(make_client(loc), loc.bucket, loc.prefix, spool_dir)

    def key(self, sha256: str) -> str:
        return self.prefix + blob_key(sha256)

    def exists(self, sha256: str) -> bool:
        key = self.key(sha256)
        try:
            with _talking_to_s3("check", key):
                self.client.head_object(Bucket=self.bucket, Key=key)
        except FileNotFoundError:
            return False
        return True

    def put_bytes(self, data: bytes) -> str:
        h = hashlib.sha256(data)
        sha = h.hexdigest()
        if not self.exists(sha):
            self._upload(sha, h.digest(), data, len(data))
        return sha

    def put_stream(self, stream: BinaryIO) -> tuple[str, int]:
        """Copy a stream into the store in chunks; returns (sha256, size)."""
        if self.spool_dir:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        size = 0
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=self.spool_dir) as spool:
            while chunk := stream.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
                spool.write(chunk)
            sha = h.hexdigest()
            if not self.exists(sha):
                spool.seek(0)
                self._upload(sha, h.digest(), spool, size)
        return sha, size

    def put_many(self, items) -> list[tuple[str, int]]:
        """Bytes and streams, one after another; (sha256, size) of each, in order."""
        return [(self.put_bytes(bytes(item)), len(item)) if isinstance(item, (bytes, bytearray, memoryview))
                else self.put_stream(item) for item in items]

    def put_many_pending(self, items):
        """``put_many``; every upload has finished when it returns, so ``synced()`` has nothing to wait for."""
        return self.put_many(items), lambda: None

    def read_bytes(self, sha256: str) -> bytes:
        body = self.open(sha256)
        try:
            with _talking_to_s3("read", self.key(sha256)):
                return body.read()
        finally:
            body.close()

    def open(self, sha256: str) -> BinaryIO:
        """The object's body, streamed from S3 (the caller closes it)."""
        key = self.key(sha256)
        with _talking_to_s3("read", key):
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def _upload(self, sha: str, digest: bytes, body, size: int) -> None:
        key = self.key(sha)
        with _talking_to_s3("write", key):
            # S3 checks the body against ChecksumSHA256 and refuses a corrupted upload.
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentLength=size,
                                   ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
                                   ContentType="application/octet-stream")
