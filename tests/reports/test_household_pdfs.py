"""走访记录 and 一户一档 as PDF: visits sent over OpenRosa by cadre_a's phone, text extracted with pypdf."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from server.accounts.permissions import SYSTEM
from server.db import get_session, unit_of_work
from server.households.service import get_household
from server.ledger.models import LedgerItem
from server.reports.photos import make_thumbnail
from tests.reports.conftest import pdf_text, real_jpeg
from tests.scoring.conftest import build_instance

FULL_ID = re.compile(r"\d{17}[\dX]")
FOUR_ONES = {"talk_done": "yes", "measures_done": "yes", "data_done": "no", "env_done": "yes",
             "talk_what": "讲解低保政策", "problems_found": "yes", "visit_photo": "front.jpg",
             "visit_photo_2": "gone.jpg", "sig_household": "sig.jpg", "signer_name": "王一"}
PROBLEMS = [{"problem_desc": "屋顶漏雨", "problem_area": "housing", "problem_measure": "危房改造"},
            {"problem_desc": "饮水不安全", "problem_area": "water"}]


def _send(field, form_id, answers, repeats=None, files=None, household="H11A"):
    xml = build_instance(field.xforms[form_id], {"household": household, **answers}, repeats)
    [resp] = field.phone.send(xml, files or {})
    assert resp.status_code == 201, resp.data


@pytest.fixture
def visits(field):
    _send(field, "four_ones_visit", FOUR_ONES, {"problem": PROBLEMS},
          {"front.jpg": real_jpeg(orientation=6), "sig.jpg": real_jpeg((120, 40), (0, 0, 0))})
    _send(field, "living_environment", {"clean_doors": "pass", "clean_bedroom": "pass", "clean_kitchen": "fail",
                                        "clean_doors_photo": "door.jpg", "clean_kitchen_photo": "kitchen.jpg"},
          files={"door.jpg": b"\xff\xd8\xff\xe0 this is not a jpeg", "kitchen.jpg": real_jpeg((8000, 5000))})
    with field.app.app_context(), unit_of_work():
        item = get_session().scalar(select(LedgerItem).where(LedgerItem.description == "饮水不安全"))
        item.state = "in_progress"
        get_household("H11A", actor=SYSTEM).head_name = "𠮷王一"  # outside GB2312
    return field


def test_visit_log_has_names_items_scores_problems_and_placeholders(client, api_token, visits):
    resp = client.get("/api/v1/households/H11A/visits.pdf", headers=api_token("t1_staff"))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = pdf_text(resp.data)
    for expected in ("帮扶走访记录", "𠮷王一", "东乡", "东一村", "cadre_a", "讲解低保政策", "屋顶漏雨", "饮水不安全", "危房改造",
                     "待整改", "整改中", "第 1 页", "帮扶责任人签字"):
        assert expected in text, expected
    assert "照片缺失" in text and "照片已损坏" in text  # gone.jpg never sent; door.jpg garbage
    assert "kitchen.jpg" in text and "照片过大" not in text  # a 40 MP photo is usable, downscaled
    assert re.search(r"完成项数|项数", text), text[:2000]


def test_the_household_file_pdf_masks_id_numbers_and_has_the_six_sections(client, api_token, login, visits):
    resp = client.get("/api/v1/households/H11B/file.pdf", headers=api_token("t1_staff"))
    text = pdf_text(resp.data)
    for section in ("一、家庭基本情况", "二、致贫原因", "三、帮扶责任人", "四、帮扶计划", "五、帮扶措施", "六、帮扶成效",
                    "王二家人2", "户类别变动", "贫困户"):
        assert section in text, section
    assert "4312**********" in text and not FULL_ID.search(text)
    admin = pdf_text(client.get("/api/v1/households/H11B/file.pdf", headers=api_token("boss")).data)
    assert FULL_ID.search(admin)
    login("t1_staff")
    page = client.get("/households/H11A/file.pdf")
    assert page.status_code == 200 and "屋顶漏雨" in pdf_text(page.data) and "cadre_a" in pdf_text(page.data)


def test_period_filters_visits(client, api_token, visits):
    text = pdf_text(client.get("/api/v1/households/H11A/visits.pdf?since=2000-01-01&until=2000-12-31",
                               headers=api_token("t1_staff")).data)
    assert "所选期间没有走访记录" in text and "屋顶漏雨" not in text
    bad = client.get("/api/v1/households/H11A/visits.pdf?since=2001-01-01&until=2000-12-31",
                     headers=api_token("t1_staff"))
    assert bad.status_code == 422


def test_other_township_is_404_and_cadres_only_their_own(client, api_token, login, visits):
    assert client.get("/api/v1/households/H21A/visits.pdf", headers=api_token("t1_staff")).status_code == 404
    assert client.get("/api/v1/households/H21A/file.pdf", headers=api_token("t1_staff")).status_code == 404
    assert client.get("/api/v1/households/H11A/visits.pdf", headers=api_token("cadre_a")).status_code == 200
    assert client.get("/api/v1/households/H11B/file.pdf", headers=api_token("cadre_b")).status_code == 404
    login("cadre_b")
    assert client.get("/households/H11A/visits.pdf").status_code == 404


def test_thumbnails_apply_exif_orientation_and_refuse_bad_images():
    from PIL import Image
    import io

    data, reason = make_thumbnail(real_jpeg((64, 48), orientation=6))
    assert reason is None and Image.open(io.BytesIO(data)).size == (48, 64)  # rotated upright
    assert make_thumbnail(b"\xff\xd8 corrupt")[1] == "corrupt"
    big, reason = make_thumbnail(real_jpeg((8000, 5000)))
    assert reason is None and max(Image.open(io.BytesIO(big)).size) <= 480


def test_the_url_fetcher_refuses_files_and_network():
    from server.reports.fetcher import BlobFetcher, RefusedURL

    fetcher = BlobFetcher({"a" * 64: b"x"})
    assert fetcher.fetch("zoufang-blob:" + "a" * 64).read() == b"x"
    for url in ("file:///etc/passwd", "http://127.0.0.1/", "zoufang-blob:" + "b" * 64, "/etc/passwd"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_a_malicious_answer_cannot_pull_a_local_file(app):
    from server.reports.render import html_to_pdf

    with app.app_context():
        pdf = html_to_pdf('<p>x</p><img src="file:///etc/passwd"><link rel=stylesheet href="http://example.com/a.css">')
    assert pdf.startswith(b"%PDF") and b"root:" not in pdf


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_a_page_renders_to_png(client, api_token, visits, tmp_path):
    pdf = tmp_path / "visits.pdf"
    pdf.write_bytes(client.get("/api/v1/households/H11A/visits.pdf", headers=api_token("t1_staff")).data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    [png] = list(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_without_a_cjk_font_the_app_says_what_to_install(monkeypatch, capsys):
    from server.reports import render

    assert render.cjk_font_available()  # fonts-noto-cjk is installed here (dev.sh)
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    assert render.check_cjk_font() is False
    assert "fonts-noto-cjk" in capsys.readouterr().out


def test_a_household_with_200_visits_renders(app):
    from server.reports.render import render_pdf

    hd = {"code": "H1", "head": "𠮷大", "village": "东一村", "township": "东乡", "group": "", "address": "",
          "category": "脱贫户", "helpers": "干部甲"}
    visits = [{"id": n, "when": f"2026-01-01 08:{n % 60:02d}", "cadre": "干部甲", "form": "四个一走访", "state": "已接收",
               "flag": None, "openable": True, "answers": [{"label": "谈了什么", "value": f"第{n}次"}],
               "scores": [{"label": "完成项数", "display": "4"}], "photos": [], "signatures": [], "hidden_photos": 0,
               "problems": []} for n in range(1, 201)]
    with app.app_context():
        text = pdf_text(render_pdf("visits.html", hd=hd, visits=visits, period="全部走访", footer="东乡东一村"))
    assert "第1次" in text and "第200次" in text and "200. 2026-01-01" in text


def test_a_photo_whose_blob_is_gone_prints_a_placeholder(app, client, api_token, visits):
    from server.storage.blobs import get_store
    from server.submissions.models import SubmissionAttachment

    with app.app_context():
        sha = get_session().scalar(select(SubmissionAttachment.sha256).where(SubmissionAttachment.name == "front.jpg"))
        get_store().path(sha).unlink()
    text = pdf_text(client.get("/api/v1/households/H11A/visits.pdf", headers=api_token("t1_staff")).data)
    assert text.count("照片缺失") == 2 and "front.jpg" in text  # front.jpg's blob and gone.jpg
