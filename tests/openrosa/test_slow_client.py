"""A phone that announces a big body and then stops sending, against the production server (gunicorn as
``zoufang serve`` runs it): it is answered 408 with an OpenRosa message after ZOUFANG_BODY_TIMEOUT, nothing
is stored, and the worker is free again — instead of being held until gunicorn's --timeout kills it. A
phone on a weak signal that keeps sending, slowly, for longer than that --timeout is stored (201)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from email.utils import formatdate

import pytest
from defusedxml.ElementTree import fromstring

from tests.openrosa.submit_client import (RESPONSE_NS, app, instance, jpeg, multipart, stored,  # noqa: F401
                                          world)

BODY_TIMEOUT = 2
DECLARED = 10 * 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _gunicorn(app, *, timeout: int):
    """gunicorn as ``zoufang serve`` runs it (1 worker here), on the test database and data dir, with a 2 s
    body timeout and the given --timeout."""
    from server.cli import gunicorn_argv

    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed in this environment; the body timeout needs its socket")
    cfg = app.config["ZOUFANG"]
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": cfg.database_url, "ZOUFANG_DATA_DIR": str(cfg.data_dir),
           "ZOUFANG_EXPORTS_DIR": str(cfg.exports_dir), "ZOUFANG_SECRET_KEY": "test-secret",
           "ZOUFANG_ODK_VALIDATE": "off", "ZOUFANG_BODY_TIMEOUT": str(BODY_TIMEOUT),
           "ZOUFANG_SUBMISSION_MAX_BYTES": str(2 * DECLARED)}
    argv = gunicorn_argv(gunicorn, "127.0.0.1", port, workers=1, timeout=timeout)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer /healthz")
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def gunicorn_server(app, world):
    with _gunicorn(app, timeout=120) as port:
        yield port


def _send_partial(port: int, path: str, head_of_body: bytes) -> bytes:
    """Headers declaring DECLARED bytes, then only ``head_of_body``; everything the server answers."""
    content_type = "multipart/form-data; boundary=slowclient"
    headers = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-OpenRosa-Version: 1.0\r\n"
               f"Date: {formatdate(usegmt=True)}\r\nContent-Type: {content_type}\r\n"
               f"Content-Length: {DECLARED}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(headers + head_of_body)
        answer = b""
        while chunk := sock.recv(65536):  # the server closes after answering; 60 s < gunicorn's 120 s
            answer += chunk
    return answer


def _status_and_message(answer: bytes) -> tuple[int, dict, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    root = fromstring(body)
    assert root.tag == f"{RESPONSE_NS}OpenRosaResponse", body
    return int(lines[0].split()[1]), headers, root.find(f"{RESPONSE_NS}message").text or ""


def _healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as resp:
        return resp.status == 200


@pytest.mark.parametrize("sent", ["part_of_a_photo", "headers_only"])
def test_stalled_body_is_answered_408_and_nothing_is_stored(gunicorn_server, world, stored, sent):
    port = gunicorn_server
    before = stored()  # the published form's own files are in the blob store already
    path = f"/key/{world.tokens['cadre_a']}/submission?deviceID=collect:SLOW"
    head_of_body = b""
    if sent == "part_of_a_photo":
        xml = instance("uuid:slow-1", kid_photos=())
        head_of_body = (b"--slowclient\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; "
                        b"filename=\"instance.xml\"\r\nContent-Type: text/xml\r\n\r\n" + xml +
                        b"\r\n--slowclient\r\nContent-Disposition: form-data; name=\"p1.jpg\"; filename=\"p1.jpg\""
                        b"\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg("p1")[:1000])
    status, headers, text = _status_and_message(_send_partial(port, path, head_of_body))
    assert status == 408
    assert headers.get("x-openrosa-version") == "1.0"
    assert f"{BODY_TIMEOUT} 秒内没有收到数据" in text
    assert stored() == before and before[:3] == (0, 0, 0)
    assert _healthy(port)


def test_a_whole_submission_still_goes_through_the_same_server(gunicorn_server, world, stored):
    """The timeout is set per read and restored: a normal upload on the same worker is stored (201)."""
    port = gunicorn_server
    _status_and_message(_send_partial(port, f"/key/{world.tokens['cadre_a']}/submission", b""))  # leave a 408 behind
    content_type, body = multipart(instance("uuid:fast-1"), {"p1.jpg": jpeg("p1"), "k1.jpg": jpeg("k1"),
                                                             "k2.jpg": jpeg("k2")})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/key/{world.tokens['cadre_a']}/submission",
                                     data=body, method="POST", headers={
                                         "Content-Type": content_type, "X-OpenRosa-Version": "1.0",
                                         "Date": formatdate(usegmt=True)})
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert resp.status == 201
    assert stored()[:3] == (1, 1, 3)


def test_body_timeout_setting():
    from server.config import Config, ConfigError

    assert Config().body_timeout == 30
    assert Config.from_env({"ZOUFANG_BODY_TIMEOUT": "5"}).body_timeout == 5
    with pytest.raises(ConfigError, match="ZOUFANG_BODY_TIMEOUT"):
        Config.from_env({"ZOUFANG_BODY_TIMEOUT": "soon"})
    with pytest.raises(ConfigError, match="ZOUFANG_BODY_TIMEOUT"):
        Config.from_env({"ZOUFANG_BODY_TIMEOUT": "0"}).with_overrides({"secret_key": "x"}).finalised()


GUNICORN_TIMEOUT = 3


def _photo(seed: int) -> bytes:
    """A photo of a phone's size (~200 KB of noise, as JPEG)."""
    import io
    import random

    from PIL import Image

    rnd = random.Random(seed)
    out = io.BytesIO()
    Image.frombytes("RGB", (320, 320), rnd.randbytes(320 * 320 * 3)).save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.fixture
def short_timeout_server(app, world):
    with _gunicorn(app, timeout=GUNICORN_TIMEOUT) as port:
        yield port


def test_a_slow_phone_that_keeps_sending_for_longer_than_the_worker_timeout_is_stored(short_timeout_server, world,
                                                                                       stored):
    """A weak signal: the body trickles in for about three times gunicorn's --timeout, never pausing as long as
    the body timeout. Without the heartbeat the sync worker is killed mid-upload (and the phone retries for
    ever); reading the body reports it alive."""
    port = short_timeout_server
    content_type, body = multipart(instance("uuid:slow-steady"), {"p1.jpg": _photo(1), "k1.jpg": _photo(2),
                                                                 "k2.jpg": _photo(3)})
    assert len(body) > 4 * 64 * 1024  # phone-sized photos: the body is read 64 KB at a time
    headers = (f"POST /key/{world.tokens['cadre_a']}/submission HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"X-OpenRosa-Version: 1.0\r\nDate: {formatdate(usegmt=True)}\r\nContent-Type: {content_type}\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    pieces, seconds = 30, 3 * GUNICORN_TIMEOUT
    size = -(-len(body) // pieces)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(headers)
        for k in range(0, len(body), size):
            sock.sendall(body[k:k + size])
            time.sleep(seconds / pieces)  # 0.3 s apart: well inside the 2 s body timeout
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert time.monotonic() - started > 2 * GUNICORN_TIMEOUT  # the upload did outlast the worker timeout
    assert answer, "the server closed the connection without an answer (the worker was killed)"
    status, _, text = _status_and_message(answer)
    assert status == 201, text
    assert stored()[:3] == (1, 1, 3)
    assert _healthy(port)
