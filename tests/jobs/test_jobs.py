"""Export jobs: a village book and a cadre's month, in-process (a thread) and through RQ on this machine's
Redis (a real SimpleWorker, burst) — the same PDF text either way; progress, permissions, retention."""
from __future__ import annotations

import io
import os
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from server.accounts.permissions import SYSTEM
from server.db import get_session, unit_of_work
from server.jobs import queue
from server.jobs.models import Job
from server.jobs.service import create_job, run_job
from tests.conftest import csrf_from
from tests.reports.conftest import pdf_text
from tests.reports.test_household_pdfs import FOUR_ONES, PROBLEMS, _send
from tests.reports.conftest import real_jpeg

REDIS_URL = os.environ.get("ZOUFANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def visited(field):
    _send(field, "four_ones_visit", FOUR_ONES, {"problem": PROBLEMS}, {"front.jpg": real_jpeg(orientation=6)})
    _send(field, "living_environment", {"clean_doors": "pass", "clean_kitchen": "fail"}, household="H11B")
    return field


def _wait(client, headers, job_id: int, timeout: float = 120) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        body = client.get(f"/api/v1/report-jobs/{job_id}", headers=headers).json
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {body}")


def _redis_or_skip():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    conn = Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except RedisDown:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return conn


def test_a_village_book_in_process_has_every_household_a_toc_and_bookmarks(client, api_token, visited):
    headers = api_token("t1_staff")
    resp = client.post("/api/v1/report-jobs", json={"kind": "village_book", "area": "V11"}, headers=headers)
    assert resp.status_code == 202 and resp.json["status"] == "queued"
    job = _wait(client, headers, resp.json["id"])
    assert (job["status"], job["progress"]) == ("done", 100), job
    pdf = client.get(f"/api/v1/report-jobs/{job['id']}/file", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    for expected in ("目录", "王一", "王二", "王二家人2", "屋顶漏雨", "待整改", "完成项数", "达标项数", "一、家庭基本情况"):
        assert expected in text, expected
    assert "李三" not in text  # V12, not in this village
    outline = [item.title for item in PdfReader(io.BytesIO(pdf.data)).outline]
    assert outline[0] == "目录" and any("王一" in t for t in outline) and any("王二" in t for t in outline)


def test_the_rq_queue_and_the_thread_make_the_same_pdf(app, client, api_token, visited, monkeypatch):
    conn = _redis_or_skip()
    from rq import SimpleWorker

    monkeypatch.setattr(queue, "QUEUE_NAME", f"zoufang-test-{uuid.uuid4().hex[:8]}")
    headers = api_token("t1_staff")
    threaded = _wait(client, headers, client.post("/api/v1/report-jobs", json={"kind": "village_book", "area": "V11"},
                                                  headers=headers).json["id"])
    app.config["ZOUFANG"] = replace(app.config["ZOUFANG"], redis_url=REDIS_URL)
    queued = client.post("/api/v1/report-jobs", json={"kind": "village_book", "area": "V11"}, headers=headers).json
    q = queue.rq_queue(REDIS_URL)
    try:
        assert q.count == 1 and client.get(f"/api/v1/report-jobs/{queued['id']}", headers=headers).json["status"] == \
            "queued"
        with app.app_context():
            SimpleWorker([q], connection=conn).work(burst=True)
    finally:
        q.delete(delete_jobs=True)
    done = client.get(f"/api/v1/report-jobs/{queued['id']}", headers=headers).json
    assert done["status"] == "done", done
    a = pdf_text(client.get(f"/api/v1/report-jobs/{threaded['id']}/file", headers=headers).data)
    b = pdf_text(client.get(f"/api/v1/report-jobs/{queued['id']}/file", headers=headers).data)
    assert a == b and "屋顶漏雨" in b


def test_a_cadre_month_has_only_that_cadres_visits(client, api_token, visited):
    headers = api_token("cadre_a")
    month = datetime.utcnow().strftime("%Y-%m")
    job = client.post("/api/v1/report-jobs", json={"kind": "cadre_month", "cadre": "cadre_a", "month": month},
                      headers=headers).json
    done = _wait(client, headers, job["id"])
    assert done["status"] == "done", done
    text = pdf_text(client.get(f"/api/v1/report-jobs/{job['id']}/file", headers=headers).data)
    assert "屋顶漏雨" in text and "王一" in text and "王二" in text and "帮扶走访记录" in text
    other = client.post("/api/v1/report-jobs", json={"kind": "cadre_month", "cadre": "cadre_a2"}, headers=headers)
    assert other.status_code == 404


def test_scope_and_ownership(client, api_token, visited):
    t1 = api_token("t1_staff")
    assert client.post("/api/v1/report-jobs", json={"kind": "village_book", "area": "V21"}, headers=t1).status_code == 404
    bad = client.post("/api/v1/report-jobs", json={"kind": "village_book", "area": "T1"}, headers=t1)
    assert bad.status_code == 422
    job = client.post("/api/v1/report-jobs", json={"kind": "township_book", "area": "T1"}, headers=t1).json
    _wait(client, t1, job["id"])
    boss = api_token("boss")
    assert client.get(f"/api/v1/report-jobs/{job['id']}", headers=boss).status_code == 404
    assert client.get(f"/api/v1/report-jobs/{job['id']}/file", headers=boss).status_code == 404
    text = pdf_text(client.get(f"/api/v1/report-jobs/{job['id']}/file", headers=t1).data)
    assert "李三" in text and "王一" in text and "赵四" not in text  # T1's villages only


def test_the_page_shows_progress_and_offers_the_download(client, login, visited):
    login("t1_staff")
    page = client.get("/reports")
    assert page.status_code == 200
    resp = client.post("/reports/jobs", data={"kind": "village_book", "area": "V11",
                                              "csrf_token": csrf_from(page.data)})
    assert resp.status_code == 302
    job_url = resp.headers["Location"]
    html = client.get(job_url).get_data(as_text=True)
    assert "<progress" in html and ".json" in html
    end = time.monotonic() + 120
    while client.get(job_url + ".json").json["status"] not in ("done", "failed") and time.monotonic() < end:
        time.sleep(0.2)
    assert client.get(job_url + ".json").json["status"] == "done"
    assert "下载 PDF" in client.get(job_url).get_data(as_text=True)
    assert client.get(job_url + "/download").data.startswith(b"%PDF")


def test_old_exports_are_deleted_when_a_job_starts(app, visited, monkeypatch):
    monkeypatch.setenv("ZOUFANG_EXPORT_RETENTION_DAYS", "3")
    exports = app.config["ZOUFANG"].exports_dir
    with app.app_context():
        with unit_of_work():
            old = create_job("village_book", {"area": "V11"}, actor=SYSTEM)
            new = create_job("village_book", {"area": "V11"}, actor=SYSTEM)
            old_id, new_id = old.id, new.id
        run_job(old_id)
        with unit_of_work():
            job = get_session().get(Job, old_id)
            path = exports / job.path
            assert path.is_file()
            job.created_at = datetime.utcnow() - timedelta(days=4)
        run_job(new_id)
        assert not path.exists() and get_session().get(Job, old_id).status == "expired"
        assert (exports / get_session().get(Job, new_id).path).is_file()


def test_the_cli_makes_a_book_and_the_worker_needs_redis(app, runner, visited):
    result = runner.invoke(args=["jobs", "book", "V11"])
    assert result.exit_code == 0, result.output
    path = result.output.split("：", 1)[1].strip()
    assert "王二家人2" in pdf_text(open(path, "rb").read())
    assert runner.invoke(args=["jobs", "worker", "--burst"]).exit_code != 0
    assert "expired" in runner.invoke(args=["jobs", "cleanup"]).output
