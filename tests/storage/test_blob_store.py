"""The blob store's behaviour, the same on local disk and on S3 (see the ``store`` fixture)."""
from __future__ import annotations

import hashlib
import io
import tempfile

import pytest

from server.errors import StorageUnavailable
from server.storage.local import CHUNK, LocalBlobStore
from server.storage.s3 import S3BlobStore
from tests.storage.conftest import bucket_keys, free_port

SIZE_20MB = 20 * 1024 * 1024


class RecordingReader(io.RawIOBase):
    """A 20 MB stream made on demand (never held whole), recording the largest read asked of it."""

    def __init__(self, size: int):
        self.left = size
        self.largest_read = 0
        self.reads = 0
        self.counter = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        self.reads += 1
        if n is None or n < 0:
            n = self.left  # a store that asks for everything at once shows up as a 20 MB read
        self.largest_read = max(self.largest_read, n)
        n = min(n, self.left)
        out = bytearray()
        while len(out) < n:
            self.counter += 1
            out += hashlib.sha256(self.counter.to_bytes(8, "big")).digest()
        del out[n:]
        self.left -= n
        return bytes(out)


def expected_digest(size: int) -> str:
    """What RecordingReader(size) yields, hashed here independently of the store."""
    h = hashlib.sha256()
    reader = RecordingReader(size)
    while chunk := reader.read(CHUNK):
        h.update(chunk)
    return h.hexdigest()


def test_put_bytes_returns_the_sha256_and_round_trips(store):
    data = "户主：张三\n".encode() * 100
    sha = store.put_bytes(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.exists(sha)
    assert store.read_bytes(sha) == data
    with store.open(sha) as f:
        assert f.read() == data


def test_put_stream_returns_sha256_and_size(store):
    data = bytes(range(256)) * 4099
    sha, size = store.put_stream(io.BytesIO(data))
    assert (sha, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert store.read_bytes(sha) == data


def test_empty_content_is_a_blob_too(store):
    sha, size = store.put_stream(io.BytesIO(b""))
    assert (sha, size) == (hashlib.sha256(b"").hexdigest(), 0)
    assert store.read_bytes(sha) == b""


def test_exists_is_false_until_put(store):
    data = b"not yet stored"
    sha = hashlib.sha256(data).hexdigest()
    assert not store.exists(sha)
    store.put_bytes(data)
    assert store.exists(sha)
    assert not store.exists(hashlib.sha256(b"something else").hexdigest())


def test_putting_the_same_content_again_is_idempotent(store):
    data = b"same bytes" * 1000
    first = store.put_bytes(data)
    assert store.put_bytes(data) == first
    assert store.put_stream(io.BytesIO(data)) == (first, len(data))
    assert store.read_bytes(first) == data


@pytest.mark.parametrize("bad", ["", "abc", "../../etc/passwd", "A" * 64, "g" * 64, "0" * 63, "0" * 65,
                                 "00/00/" + "0" * 58])
def test_a_bad_sha256_is_rejected(store, bad):
    for call in (store.exists, store.read_bytes, store.open):
        with pytest.raises(ValueError, match="sha256"):
            call(bad)


def test_reading_a_missing_blob_is_file_not_found(store):
    missing = hashlib.sha256(b"never stored").hexdigest()
    with pytest.raises(FileNotFoundError):
        store.read_bytes(missing)
    with pytest.raises(FileNotFoundError):
        store.open(missing)


def test_a_20mb_stream_is_put_in_chunks_not_read_whole(store):
    reader = RecordingReader(SIZE_20MB)
    sha, size = store.put_stream(reader)
    assert size == SIZE_20MB
    assert sha == expected_digest(SIZE_20MB)
    assert reader.largest_read <= CHUNK and reader.reads >= SIZE_20MB // CHUNK
    h, total = hashlib.sha256(), 0
    with store.open(sha) as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            total += len(chunk)
    assert (h.hexdigest(), total) == (sha, SIZE_20MB)


# ---- S3 specifics ---------------------------------------------------------------------------

def count_puts(store: S3BlobStore) -> list:
    """Record every PutObject the store's own client sends (botocore's event hooks; nothing is replaced)."""
    seen = []
    store.client.meta.events.register("before-parameter-build.s3.PutObject", lambda params, **kw: seen.append(params))
    return seen


def test_s3_keys_are_prefix_plus_sharded_sha(s3, bucket, s3_url):
    store = S3BlobStore.from_url(s3_url("zou/fang/"))
    sha = store.put_bytes(b"where does it go")
    assert bucket_keys(s3, bucket) == [f"zou/fang/{sha[:2]}/{sha[2:4]}/{sha}"]
    stored = s3.get_object(Bucket=bucket, Key=f"zou/fang/{sha[:2]}/{sha[2:4]}/{sha}")["Body"].read()
    assert stored == b"where does it go"


def test_s3_without_prefix_uses_the_bucket_root(s3, bucket, s3_endpoint):
    store = S3BlobStore.from_url(f"s3://{bucket}?endpoint={s3_endpoint}&region=us-east-1")
    sha = store.put_bytes(b"at the root")
    assert bucket_keys(s3, bucket) == [f"{sha[:2]}/{sha[2:4]}/{sha}"]


def test_s3_skips_the_upload_when_the_object_exists(s3, bucket, s3_url, tmp_path):
    store = S3BlobStore.from_url(s3_url(), spool_dir=tmp_path / "spool")
    puts = count_puts(store)
    data = b"uploaded once" * 500
    sha = store.put_bytes(data)
    store.put_bytes(data)
    store.put_stream(io.BytesIO(data))
    assert len(puts) == 1
    assert len(bucket_keys(s3, bucket)) == 1 and store.read_bytes(sha) == data
    assert list((tmp_path / "spool").iterdir()) == []  # spooled temp files are gone


def test_s3_large_stream_is_spooled_to_disk_not_memory(s3_url, tmp_path):
    store = S3BlobStore.from_url(s3_url(), spool_dir=tmp_path / "spool")
    puts = count_puts(store)
    store.put_stream(RecordingReader(3 * CHUNK))
    body = puts[0]["Body"]
    # over SPOOL_IN_MEMORY the SpooledTemporaryFile has rolled over to an unnamed file in spool_dir
    assert isinstance(body, tempfile.SpooledTemporaryFile) and body._rolled


def test_s3_unreachable_raises_storage_unavailable(tmp_path):
    store = S3BlobStore.from_url(f"s3://zoufang-down?endpoint=http://127.0.0.1:{free_port()}&region=us-east-1",
                                 spool_dir=tmp_path, check=False)
    sha = hashlib.sha256(b"x").hexdigest()
    for call in (lambda: store.exists(sha), lambda: store.put_bytes(b"x"), lambda: store.read_bytes(sha),
                 lambda: store.put_stream(io.BytesIO(b"x"))):
        with pytest.raises(StorageUnavailable) as err:
            call()
        assert err.value.status == 503 and err.value.code == "storage_unavailable"
        assert "对象存储" in err.value.message and "object storage" in err.value.message_en.lower()


def test_s3_missing_bucket_at_run_time_is_storage_unavailable(s3_endpoint, aws_env, tmp_path):
    store = S3BlobStore.from_url(f"s3://zoufang-gone?endpoint={s3_endpoint}&region=us-east-1",
                                 spool_dir=tmp_path, check=False)
    with pytest.raises(StorageUnavailable, match="对象存储"):
        store.put_bytes(b"nowhere to go")


def test_local_store_still_keeps_its_layout(tmp_path):
    store = LocalBlobStore(tmp_path)
    sha = store.put_bytes(b"on disk")
    assert (tmp_path / sha[:2] / sha[2:4] / sha).read_bytes() == b"on disk"


def test_local_store_does_not_rewrite_what_it_holds(tmp_path, monkeypatch):
    """A re-sent photo (seekable, as spooled upload parts are) is hashed, found, and neither written nor fsync'd."""
    from server.storage import local

    store = local.LocalBlobStore(tmp_path / "blobs")
    data = b"photo" * 10000
    sha, size = store.put_stream(io.BytesIO(data))
    synced = []
    monkeypatch.setattr(local.os, "fsync", lambda fd: synced.append(fd))
    stream = io.BytesIO(b"xx" + data)
    stream.seek(2)  # from where the caller stands, not from 0
    assert store.put_stream(stream) == (sha, size)
    assert synced == [] and stream.tell() == 2
    assert store.put_stream(io.BytesIO(b"new photo")) != (sha, size)
    assert len(synced) == 2  # a new blob: the file and its directory
    assert store.read_bytes(sha) == data
