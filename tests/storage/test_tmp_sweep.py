"""Upload files a killed process left in the blob store's tmp folder are removed when the app starts;
files of uploads that may still be running (recent) and blobs themselves are left alone."""
from __future__ import annotations

import os
import time

from server import create_app
from server.storage.local import TMP_MAX_AGE, LocalBlobStore


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_app_sweeps_old_leftovers_from_tmp_and_keeps_the_rest(tmp_path):
    data = tmp_path / "data"
    store = LocalBlobStore(data / "blobs")
    sha = store.put_bytes(b"a blob")
    _age(store.path(sha), 10 * TMP_MAX_AGE)  # an old blob is not a leftover
    old = store.tmp_dir / "tmpkilled"
    old.write_bytes(b"half a photo")
    _age(old, TMP_MAX_AGE + 60)
    fresh = store.new_spool()  # an upload being received right now
    fresh.write(b"part")
    fresh.flush()

    create_app({"data_dir": data, "exports_dir": tmp_path / "exports", "secret_key": "t",
                "database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}"})

    assert not old.exists()
    assert os.path.exists(fresh.path) and store.read_bytes(sha) == b"a blob"
    fresh.close()
    assert not os.path.exists(fresh.path)


def test_sweep_counts_what_it_removed(tmp_path):
    store = LocalBlobStore(tmp_path / "blobs")
    for i in range(3):
        leftover = store.tmp_dir / f"tmp{i}"
        leftover.write_bytes(b"x")
        _age(leftover, 2 * TMP_MAX_AGE)
    assert store.sweep_tmp() == 3 and store.sweep_tmp() == 0
    assert list(store.tmp_dir.iterdir()) == []
