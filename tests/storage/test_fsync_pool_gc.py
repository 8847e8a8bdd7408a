"""A spooled part closed inside an fsync pool thread (as the garbage collector may do) must not wait there for
a future queued behind it: with every pool thread waiting so, all later uploads would hang."""
from __future__ import annotations

import threading
import time

from server.storage import local


def test_a_part_closed_in_a_pool_thread_does_not_block_the_pool(tmp_path):
    store = local.LocalBlobStore(tmp_path)
    gate = threading.Event()
    pool = local._fsync_pool()
    # every pool thread busy until the gate opens, so the part's own fsync stays queued behind them
    blockers = [pool.submit(gate.wait, 30) for _ in range(local._FSYNC_THREADS)]
    part = local.SpooledBlob(store)
    part.write(b"photo bytes")
    part.start_sync()
    assert not part._sync.done()
    closed = threading.Event()

    def close_like_gc():
        part.close()
        closed.set()

    thread = threading.Thread(target=close_like_gc, name=f"{local.FSYNC_THREAD}_9")  # a pool thread's name
    thread.start()
    assert closed.wait(5), "close() blocked in a pool thread"
    gate.set()
    for b in blockers:
        b.result(timeout=10)
    part._sync.result(timeout=10)
    # the done-callback runs in the pool thread just after the result is set (the gate is open by now, so
    # waiting on it would not wait at all): poll for up to 5 s
    deadline = time.monotonic() + 5
    while list((tmp_path / "tmp").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not list((tmp_path / "tmp").iterdir())  # the file went once its fsync was done
