"""What the bench scripts share: a production-like deployment (fresh data dir and database, ``zoufang
init`` + ``zoufang demo``, ``zoufang serve`` = gunicorn with 2 workers on a free port), the baseline
server, 四个一走访 instances and their multipart bodies, the HTTP client, load loops and percentiles.

Run the scripts with the project's virtualenv: ``.venv/bin/python bench/ingest.py``.
"""
from __future__ import annotations

import hashlib
import http.client
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The source tree the server runs from: the working tree, or an export of a commit (use_ref).
TREE = ROOT
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FORM_ID = "four_ones_visit"
OPENROSA_HEADERS = {"X-OpenRosa-Version": "1.0", "User-Agent": "org.odk.collect.android/v2024.2.0 (bench)"}
REQUEST_TIMEOUT = 60  # seconds, per HTTP request: no client waits for ever
SUCCESS = (201, 202)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load_average() -> str:
    """The machine's 1-minute load average: other work on the box skews every figure."""
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# ---- a JPEG ---------------------------------------------------------------------------------------

def _tiny_jpeg_tail() -> bytes:
    """Everything after SOI/APP0 of a valid baseline JPEG: one 8×8 grey block (DC 0, all AC zero)."""
    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload

    one_code = bytes([1] + [0] * 15) + b"\x00"  # one Huffman code of length 1 → symbol 0
    return (segment(0xDB, b"\x00" + b"\x01" * 64)                              # DQT: table 0, all ones
            + segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")            # SOF0: 8×8, 1 component
            + segment(0xC4, b"\x00" + one_code)                               # DHT: DC table 0
            + segment(0xC4, b"\x10" + one_code)                               # DHT: AC table 0 (EOB)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")                       # SOS
            + b"\x3f"                                                         # DC cat 0, EOB, 1-padding
            + b"\xff\xd9")                                                    # EOI


def make_jpeg(size: int = 150 * 1024, seed: int = 1) -> bytes:
    """A valid JPEG of about ``size`` bytes: a tiny grey image carrying random-byte COM segments
    (what a camera's big EXIF/thumbnail would be to the server: opaque bytes). Pillow is not in the
    project's environment, so no real photo is encoded; the server does not decode images anyway."""
    rnd = random.Random(seed)
    head = b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    tail = _tiny_jpeg_tail()
    padding = b""
    room = size - len(head) - len(tail)
    while room >= 4:
        payload_len = min(65533, room - 4)
        payload = rnd.randbytes(payload_len)
        padding += b"\xff\xfe" + (payload_len + 2).to_bytes(2, "big") + payload
        room -= payload_len + 4
    return head + padding + tail


# ---- instances and multipart bodies ---------------------------------------------------------------

@dataclass
class Form:
    form_id: str
    version: str


@dataclass
class Submission:
    instance_id: str
    xml: bytes
    content_type: str
    body: bytes
    attachments: dict[str, str]  # file name → sha256 of the bytes sent

    @property
    def xml_sha256(self) -> str:
        return hashlib.sha256(self.xml).hexdigest()


def four_ones_instance(form: Form, instance_id: str, photos: tuple[str, str], n: int) -> bytes:
    """A 四个一走访 instance as Collect writes it: root ``data`` with id/version, two visit photos."""
    now = datetime.now(timezone(timedelta(hours=8)))
    stamp = now.isoformat(timespec="milliseconds")
    today = now.date().isoformat()
    fields = (f"<start>{stamp}</start><end>{stamp}</end><today>{today}</today><deviceid>collect:BENCH{n % 50:04d}"
              f"</deviceid><grp_visit><household>hh{n:06d}</household><household_label>{escape('张三')}{n}"
              f"</household_label><household_note/><cadre_name>{escape('杨明')}</cadre_name>"
              f"<visit_date>{today}</visit_date></grp_visit><visit_gps>28.2 109.6 320 5</visit_gps>"
              f"<grp_talk><talk_done>yes</talk_done><talk_what>policy income</talk_what>"
              f"<talk_income_change>up</talk_income_change><talk_lbs_concerns>none</talk_lbs_concerns>"
              f"<talk_notes>{escape('谈心谈话，了解家庭收入变化')}</talk_notes></grp_talk>"
              f"<grp_measures><measures_done>yes</measures_done><measures_what>industry</measures_what>"
              f"<measures_reviewed>all</measures_reviewed><measures_other/><household_can_explain>yes"
              f"</household_can_explain><measures_notes/></grp_measures>"
              f"<grp_data><data_done>yes</data_done><data_what>handbook</data_what><data_status>ok</data_status>"
              f"<data_sections/><data_corrections/><handbook_at_home>yes</handbook_at_home><data_notes/></grp_data>"
              f"<grp_env><env_done>yes</env_done><env_what>yard</env_what><env_notes/></grp_env>"
              f"<problems_found>no</problems_found><calc_problem_count>0</calc_problem_count><problems_none_note/>"
              f"<visit_photo>{photos[0]}</visit_photo><visit_photo_2>{photos[1]}</visit_photo_2>"
              f"<calc_items_done>4</calc_items_done><summary_note/><grp_sign><signer_name>{escape('张三')}"
              f"</signer_name><sig_household/><sig_cadre/></grp_sign>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><data xmlns:jr="http://openrosa.org/javarosa" '
            f'xmlns:orx="http://openrosa.org/xforms" id="{escape(form.form_id)}" version="{escape(form.version)}">'
            f"{fields}<meta><instanceID>{instance_id}</instanceID><instanceName>{escape('四个一走访')} hh{n:06d}"
            f"</instanceName></meta></data>").encode("utf-8")


def multipart(parts: list[tuple[str, str, str, bytes]]) -> tuple[str, bytes]:
    """(content type, body) from (field name, file name, content type, data) parts."""
    boundary = "----zoufangbench" + uuid.uuid4().hex
    chunks = []
    for name, filename, ctype, data in parts:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                      f"Content-Type: {ctype}\r\n\r\n".encode())
        chunks.append(data)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


class SubmissionFactory:
    """Builds the n-th submission: unique instanceID, the same two photos (content need not differ)."""

    def __init__(self, form: Form, photo_bytes: int = 150 * 1024):
        self.form = form
        self.photos = (make_jpeg(photo_bytes, seed=1), make_jpeg(photo_bytes, seed=2))
        self.photo_sha = tuple(hashlib.sha256(p).hexdigest() for p in self.photos)
        self.run = uuid.uuid4().hex[:8]

    def build(self, n: int) -> Submission:
        instance_id = f"uuid:{uuid.uuid4()}"
        names = (f"{1700000000000 + n}.jpg", f"{1700000000000 + n}_2.jpg")
        xml = four_ones_instance(self.form, instance_id, names, n)
        parts = [("xml_submission_file", f"{FORM_ID}_{n}.xml", "text/xml", xml)]
        parts += [(name, name, "image/jpeg", data) for name, data in zip(names, self.photos)]
        content_type, body = multipart(parts)
        return Submission(instance_id, xml, content_type, body, dict(zip(names, self.photo_sha)))


# ---- HTTP ------------------------------------------------------------------------------------------

def post(port: int, path: str, content_type: str, body: bytes, timeout: float = REQUEST_TIMEOUT) -> int:
    """One Collect-style POST on a fresh connection (gunicorn's sync worker closes after each); the status.
    Connection errors and timeouts raise OSError / http.client.HTTPException."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={**OPENROSA_HEADERS, "Date": formatdate(usegmt=True),
                                                       "Content-Type": content_type})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status not in SUCCESS:
            _remember_failure(resp.status, body)
        return resp.status
    finally:
        conn.close()


FAILURE_SAMPLES: dict[int, str] = {}  # status → the first answer body seen with it (for the report)


def _remember_failure(status: int, body: bytes) -> None:
    if status not in FAILURE_SAMPLES:
        FAILURE_SAMPLES[status] = body[:300].decode("utf-8", errors="replace")


def get(url: str, timeout: float = 10) -> bytes:
    req = urllib.request.Request(url, headers={**OPENROSA_HEADERS, "Date": formatdate(usegmt=True)})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.read()


def fetch_form(port: int, key_path: str, form_id: str = FORM_ID) -> Form:
    """The form's id and version as the server's formList announces them to the cadre."""
    from defusedxml.ElementTree import fromstring

    ns = "{http://openrosa.org/xforms/xformsList}"
    root = fromstring(get(f"http://127.0.0.1:{port}{key_path}/formList?formID={form_id}"))
    for xform in root.iter(f"{ns}xform"):
        if xform.findtext(f"{ns}formID") == form_id:
            return Form(form_id, xform.findtext(f"{ns}version") or "")
    raise SystemExit(f"formList of {key_path} does not list {form_id}")


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


def baseline_server(tmp: Path) -> ServerProcess:
    """bench/baseline_app.py under the same gunicorn, 2 sync workers: body → file → fsync → 201."""
    port = free_port()
    out_dir = tmp / "baseline-bodies"
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BENCH_BASELINE_DIR": str(out_dir)}
    argv = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120",
            "--no-control-socket", "--chdir", str(ROOT / "bench"), "baseline_app:app"]
    return ServerProcess(argv, env, port, tmp / "baseline.log")


# ---- load ------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    n: int
    status: int | None  # None: no HTTP answer (connection error / timeout)
    latency: float  # seconds, from sending to the answer read
    lag: float = 0.0  # open loop: how late the send started against its schedule
    error: str = ""


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in SUCCESS]

    def non_success(self) -> dict:
        counts: dict = {}
        for o in self.outcomes:
            if o.status not in SUCCESS:
                key = o.status if o.status is not None else (o.error or "no answer")
                counts[key] = counts.get(key, 0) + 1
        return counts

    def summary(self, name: str) -> str:
        lat = [o.latency for o in self.ok]
        rate = len(self.ok) / self.elapsed if self.elapsed else 0.0
        return (f"{name}: {len(self.outcomes)} sent, {len(self.ok)} × 201/202 in {self.elapsed:.1f} s = "
                f"{rate:.1f} submissions/s; latency p50 {ms(percentile(lat, 50))}, p95 {ms(percentile(lat, 95))}, "
                f"max {ms(max(lat) if lat else float('nan'))}; non-201/202: {sum(self.non_success().values())}"
                + (f" {self.non_success()}" if self.non_success() else ""))

    @property
    def rate(self) -> float:
        return len(self.ok) / self.elapsed if self.elapsed else 0.0


def timed(send: Callable[[int], int], n: int) -> Outcome:
    t0 = time.monotonic()
    try:
        status = send(n)
        return Outcome(n, status, time.monotonic() - t0)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(n, None, time.monotonic() - t0, error=type(exc).__name__)


def closed_loop(n: int, concurrency: int, send: Callable[[int], int], *, max_seconds: float = 1800) -> LoadResult:
    """``concurrency`` clients, each sending the next of ``n`` submissions as soon as its last one is
    answered; stops after ``n`` or ``max_seconds``, whichever first."""
    counter = itertools.count()
    lock = threading.Lock()
    result = LoadResult()
    t0 = time.monotonic()
    deadline = t0 + max_seconds

    def client():
        while time.monotonic() < deadline:
            with lock:
                i = next(counter)
            if i >= n:
                return
            outcome = timed(send, i)
            with lock:
                result.outcomes.append(outcome)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
    result.elapsed = time.monotonic() - t0
    return result


def open_loop(rate: float, seconds: float, send: Callable[[int], int], *, max_in_flight: int = 64,
              drain_seconds: float = 2 * REQUEST_TIMEOUT, progress_every: float = 30) -> LoadResult:
    """Start one submission every 1/``rate`` s for ``seconds`` s, whatever the answers (open loop), on a
    pool of ``max_in_flight`` threads; a send that could not start on time records its lag. Waits at
    most ``drain_seconds`` for the last answers."""
    total = int(rate * seconds)
    result = LoadResult()
    lock = threading.Lock()
    t0 = time.monotonic()

    def job(i: int, scheduled: float) -> None:
        lag = time.monotonic() - scheduled
        outcome = timed(send, i)
        outcome.lag = lag
        with lock:
            result.outcomes.append(outcome)

    pool = ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="soak")
    futures = []
    next_report = t0 + progress_every
    for i in range(total):
        scheduled = t0 + i / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(job, i, scheduled))
        if time.monotonic() >= next_report:
            next_report += progress_every
            with lock:
                done = len(result.outcomes)
                good = sum(1 for o in result.outcomes if o.status in SUCCESS)
            log(f"  {time.monotonic() - t0:.0f} s: {i + 1} started, {done} answered, {good} × 201/202")
    sent_for = time.monotonic() - t0
    _, not_done = wait_futures(futures, timeout=drain_seconds)
    for f in not_done:
        f.cancel()
    pool.shutdown(wait=False, cancel_futures=True)
    with lock:
        result.elapsed = max(sent_for, max((o.n / rate + o.lag + o.latency for o in result.outcomes), default=0))
    return result
