"""``zoufang serve`` (the README's server) answers /healthz, with gunicorn and with --dev."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ZOUFANG = Path(sys.executable).parent / "zoufang"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("extra", [[], ["--dev"]], ids=["gunicorn", "dev"])
def test_serve_answers_healthz(tmp_path, database_url, extra):
    if not ZOUFANG.exists():
        pytest.skip("the zoufang console script is not installed in this environment (pip install -e .)")
    port = _free_port()
    env = {**os.environ, "ZOUFANG_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url,
           "ZOUFANG_SECRET_KEY": "test", "ZOUFANG_ODK_VALIDATE": "off"}
    proc = subprocess.Popen([str(ZOUFANG), "serve", "--port", str(port), *extra], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "no answer on /healthz within 60 s"
                time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
