"""Book parts on the render workers (a real process pool): the same pages as in this process, the footer on
every page from the body's data-footer (odd characters intact), chunks that shrink towards the end."""
from __future__ import annotations

import io

from pypdf import PdfReader

from server.reports.books import CHUNK, Part, _chunks, render_parts
from server.reports.render import render_html, split_style

FOOTER = '东乡东一村 · 王"小&二 · 生成于 2026-12-07'


def _part(n: int) -> Part:
    hd = {"code": f"H{n:03d}", "head": f"户主{n}", "village": "东一村", "township": "东乡", "group": "一组",
          "category": "脱贫户", "helpers": "干部甲"}
    visits = [{"id": n * 10 + v, "when": f"2026-0{v + 1}-15 10:00", "cadre": "干部甲", "form": "四个一走访",
               "state": "已接收", "flag": None, "openable": True, "scores": [], "photos": [], "signatures": [],
               "hidden_photos": 0, "problems": [],
               "answers": [{"label": f"项目{i}", "value": f"第{n}户第{v + 1}次回答{i}" * 6} for i in range(14)]}
              for v in range(3)]
    return Part(f"户主{n}", render_html("visits.html", hd=hd, visits=visits, period="2026 年", footer=FOOTER))


def _pages(path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(path.read_bytes())).pages]


def test_parts_rendered_by_the_worker_pool_match_the_ones_rendered_here(app, tmp_path):
    with app.app_context():
        parts = [_part(n) for n in range(4)]
    pooled = render_parts(parts, tmp_path / "pool", processes=2)
    here = render_parts(parts, tmp_path / "here", processes=1)
    assert pooled.rendered == here.rendered == 4
    for n, (a, b) in enumerate(zip(pooled.paths, here.paths)):
        pages = _pages(a)
        assert pages == _pages(b)
        assert len(pages) >= 2, "each part should run over a page, so the footer is seen on more than one"
        assert all(FOOTER in text for text in pages)
        assert f"户主{n}" in pages[0] and f"第{n}户第3次回答13" in "".join(pages)


def test_the_template_stylesheet_is_split_off_once_and_the_rest_is_kept():
    html = "<html><head><style>p { color: red }</style></head><body data-footer='x'><p>甲</p></body></html>"
    body, css = split_style(html)
    assert css == "p { color: red }" and "<style" not in body and "<p>甲</p>" in body
    assert split_style("<html><body>no style</body></html>") == ("<html><body>no style</body></html>", None)
    two = "<style>a{}</style><style>b{}</style>"
    assert split_style(two) == (two, None)


def test_chunks_cover_every_job_once_and_shrink_towards_the_end():
    for n in (1, 2, 3, 10, 61, 300):
        chunks = _chunks(list(range(n)), 2)
        assert [j for c in chunks for j in c] == list(range(n))
        sizes = [len(c) for c in chunks]
        assert max(sizes) <= CHUNK and sizes == sorted(sizes, reverse=True)
        assert sizes[-1] <= 2
    assert len(_chunks(list(range(300)), 2)[0]) == CHUNK
