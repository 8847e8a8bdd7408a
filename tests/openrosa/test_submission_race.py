"""Two phones (or one phone retrying) POSTing the same instance at the same moment, against a live
threaded server: the database's unique constraint lets exactly one create the submission."""
from __future__ import annotations

import threading
import urllib.error
import urllib.request
from email.utils import formatdate

import pytest
from werkzeug.serving import make_server

from tests.openrosa.submit_client import app, instance, jpeg, multipart, stored, submissions, world  # noqa: F401

ROUNDS = 6
SENDERS = 4


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _post(url: str, content_type: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": content_type, "X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True)})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            assert resp.headers["X-OpenRosa-Version"] == "1.0"
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def test_identical_posts_racing_create_one_submission(world, live_server, submissions, stored):
    url = f"{live_server}/key/{world.tokens['cadre_a']}/submission?deviceID=collect:RACE"
    files = {"p1.jpg": jpeg("p1"), "k1.jpg": jpeg("k1"), "k2.jpg": jpeg("k2")}
    for n in range(ROUNDS):
        content_type, body = multipart(instance(f"uuid:race-{n}"), files)
        statuses: list[int] = []
        barrier = threading.Barrier(SENDERS)

        def send():
            barrier.wait()
            statuses.append(_post(url, content_type, body))

        threads = [threading.Thread(target=send) for _ in range(SENDERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sorted(statuses) == [201] + [202] * (SENDERS - 1), statuses
    subs = submissions()
    assert sorted(s.instance_id for s in subs) == sorted(f"uuid:race-{n}" for n in range(ROUNDS))
    assert all(s.current.attachments == files and not s.incomplete for s in subs)
    assert stored()[:3] == (ROUNDS, ROUNDS, 3 * ROUNDS)


def test_split_parts_racing_each_other_all_arrive(world, live_server, submissions):
    """Two halves of a split upload sent at once (Collect retrying in parallel): one creates, the other
    completes; no attachment is lost to the race."""
    url = f"{live_server}/key/{world.tokens['cadre_a']}/submission"
    for n in range(ROUNDS):
        xml = instance(f"uuid:halves-{n}")
        halves = [multipart(xml, {"p1.jpg": jpeg("p1"), "k1.jpg": jpeg("k1")}, incomplete=True),
                  multipart(xml, {"k2.jpg": jpeg("k2")})]
        statuses: list[int] = []
        barrier = threading.Barrier(2)

        def send(half):
            barrier.wait()
            statuses.append(_post(url, *half))

        threads = [threading.Thread(target=send, args=(h,)) for h in halves]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sorted(statuses) == [201, 202], statuses
    subs = submissions()
    assert len(subs) == ROUNDS
    assert all(set(s.current.attachments) == {"p1.jpg", "k1.jpg", "k2.jpg"} and not s.incomplete for s in subs)
