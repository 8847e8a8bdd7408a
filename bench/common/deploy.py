"""A production-like installation to measure: fresh data dir and database, ``zoufang init`` +
``zoufang demo``, cadre1's phone link, ``zoufang serve`` (gunicorn, 2 sync workers) in its own process
group; and the baseline server under the same gunicorn."""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from email.utils import formatdate
from pathlib import Path

from .client import OPENROSA_HEADERS, REQUEST_TIMEOUT, fetch_form, get
from .instances import Form
from .util import free_port, log

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
# The source tree the server runs from: the working tree, or an export of a commit (use_ref).
TREE = ROOT
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


# ---- the code under test ------------------------------------------------------------------------

def use_ref(ref: str | None) -> None:
    """Run the server (and verify with) the code of commit ``ref`` (``git archive`` into a temp dir)
    instead of the working tree — for measuring a commit while the working tree is being edited."""
    global TREE
    if not ref:
        return
    if "server" in sys.modules:
        raise RuntimeError("use_ref() must run before anything imports the server package")
    out = Path(tempfile.mkdtemp(prefix="zoufang-bench-tree-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", ref], capture_output=True, text=True,
                            check=True).stdout.strip()
    TREE = out
    sys.path.insert(0, str(out))
    import atexit

    atexit.register(shutil.rmtree, out, True)
    log(f"server code: {ref} ({commit}) exported to {out}")


def tree_env() -> dict:
    """Environment that makes ``zoufang``/gunicorn import the server from TREE."""
    if TREE == ROOT:
        return {}
    return {"PYTHONPATH": str(TREE) + os.pathsep + os.environ.get("PYTHONPATH", "")}


# ---- processes -------------------------------------------------------------------------------------

class ServerProcess:
    """A server in its own process group (so SIGKILL can take the master and its workers at once)."""

    def __init__(self, argv: list[str], env: dict, port: int, log_path: Path, health_path: str = "/healthz"):
        self.argv, self.env, self.port, self.log_path, self.health_path = argv, env, port, log_path, health_path
        self.proc: subprocess.Popen | None = None

    def start(self, ready_timeout: float = 60) -> None:
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(self.argv, env=self.env, cwd=TREE, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; log:\n{self.log_tail()}")
            try:
                get(f"http://127.0.0.1:{self.port}{self.health_path}", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"server not ready after {ready_timeout} s; log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _group_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.05)
        return False

    def kill9(self) -> None:
        """SIGKILL the whole process group: gunicorn's master and every worker, mid-request."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        if not self._group_gone(10):
            raise SystemExit("server processes survived SIGKILL")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None and self._group_gone(0.1):
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        if not self._group_gone(10):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self._group_gone(10)


class Deployment:
    """A fresh zoufang installation: temp data dir, fresh database, demo county, cadre1's phone link,
    served by ``zoufang serve`` (gunicorn, 2 sync workers) on a free port. A context manager that
    stops the server, drops the PostgreSQL database and removes the data dir on exit."""

    def __init__(self, db: str = "sqlite", *, keep: bool = False, extra_env: dict | None = None):
        if db not in ("sqlite", "postgres"):
            raise ValueError(db)
        self.db, self.keep = db, keep
        self.tmp = Path(tempfile.mkdtemp(prefix=f"zoufang-bench-{db}-"))
        self.data_dir = self.tmp / "data"
        self.port = free_port()
        self.pg_name = f"zoufang_bench_{uuid.uuid4().hex[:10]}" if db == "postgres" else None
        self.database_url = (PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.pg_name}" if self.pg_name
                             else f"sqlite:///{self.data_dir / 'zoufang.sqlite3'}")
        self.env = {**os.environ, "ZOUFANG_DATA_DIR": str(self.data_dir), "DATABASE_URL": self.database_url,
                    "ZOUFANG_EXPORTS_DIR": str(self.tmp / "exports"), "ZOUFANG_SECRET_KEY": "bench-" + uuid.uuid4().hex,
                    "ZOUFANG_ODK_VALIDATE": "off", "ZOUFANG_BASE_URL": f"http://127.0.0.1:{self.port}",
                    # gunicorn ≥ 23 opens a control socket in ~/.gunicorn by default: shared by every
                    # gunicorn of this user; the bench must not take it from someone else's server.
                    "GUNICORN_CMD_ARGS": "--no-control-socket",
                    **tree_env(), **(extra_env or {})}
        self.key_path = ""
        self.server = ServerProcess([str(BIN / "zoufang"), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                     "--workers", "2"], self.env, self.port, self.tmp / "server.log")

    def __enter__(self) -> "Deployment":
        try:
            self.setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _cli(self, *args: str) -> str:
        out = subprocess.run([str(BIN / "zoufang"), *args], env=self.env, cwd=TREE, capture_output=True, text=True,
                             timeout=300)
        if out.returncode != 0:
            raise SystemExit(f"zoufang {' '.join(args)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def setup(self) -> None:
        t0 = time.monotonic()
        if self.pg_name:
            self._pg(f'CREATE DATABASE "{self.pg_name}"')
        self._cli("init")
        self._cli("demo")
        url = self._cli("phone-url", "cadre1").strip().splitlines()[0]
        self.key_path = url[url.index("/key/"):].rstrip("/")
        log(f"{self.db}: fresh installation in {self.tmp} ({time.monotonic() - t0:.1f} s: init + demo)"
            + (f", database {self.pg_name}" if self.pg_name else ""))

    @property
    def submission_path(self) -> str:
        return f"{self.key_path}/submission?deviceID=collect:BENCH"

    def start(self) -> None:
        self.server.start()

    def close(self) -> None:
        self.server.stop()
        if self.pg_name:
            try:
                self._pg(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001 - report and go on cleaning
                log(f"could not drop {self.pg_name}: {exc}")
            self.pg_name = None
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f"kept {self.tmp}")

    def _pg(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                               isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def app(self):
        """A Flask app on this installation's database and blob store (to verify what was stored)."""
        from server import create_app

        return create_app({"database_url": self.database_url, "data_dir": self.data_dir,
                           "exports_dir": self.tmp / "exports", "secret_key": self.env["ZOUFANG_SECRET_KEY"],
                           "odk_validate": "off"})

    def count_submissions(self) -> tuple[int, int]:
        """(submissions, attachment rows) in the database."""
        from sqlalchemy import func, select

        from server.db import get_session
        from server.submissions.models import Submission as SubmissionRow
        from server.submissions.models import SubmissionAttachment

        app = self.app()
        try:
            with app.app_context():
                session = get_session()
                return (session.scalar(select(func.count()).select_from(SubmissionRow)),
                        session.scalar(select(func.count()).select_from(SubmissionAttachment)))
        finally:
            app.extensions["zoufang_engine"].dispose()

    def warm_up(self) -> Form:
        """Fetch formList (the form's version) and HEAD /submission a few times, as Collect does first."""
        form = fetch_form(self.port, self.key_path)
        for _ in range(4):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            conn.request("HEAD", f"{self.key_path}/submission", headers={**OPENROSA_HEADERS,
                                                                        "Date": formatdate(usegmt=True)})
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status != 204:
                raise SystemExit(f"HEAD /submission answered {resp.status}, not 204")
        return form


def _bench_app_server(tmp: Path, app: str, env: dict, log_name: str) -> ServerProcess:
    """A WSGI app of bench/ under the same gunicorn as ``zoufang serve``'s: 2 sync workers."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120",
            "--no-control-socket", "--chdir", str(ROOT / "bench"), app]
    return ServerProcess(argv, {**os.environ, **tree_env(), **env}, port, tmp / log_name)


def baseline_server(tmp: Path) -> ServerProcess:
    """bench/baseline_app.py: body → file → fsync → 201."""
    out_dir = tmp / "baseline-bodies"
    out_dir.mkdir(parents=True, exist_ok=True)
    return _bench_app_server(tmp, "baseline_app:app", {"BENCH_BASELINE_DIR": str(out_dir)}, "baseline.log")


def floor_server(tmp: Path) -> ServerProcess:
    """bench/floor_app.py: our multipart reader into the blob store, fsync'd, → 201 (no database)."""
    return _bench_app_server(tmp, "floor_app:app", {"BENCH_FLOOR_DIR": str(tmp / "floor-blobs")}, "floor.log")
