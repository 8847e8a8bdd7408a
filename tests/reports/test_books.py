"""Book parts: rendered once per content (cache by hash), merged with a TOC and one bookmark per part."""
from __future__ import annotations

import io

from pypdf import PdfReader

from server.reports.books import Part, merge, render_parts
from tests.reports.conftest import pdf_text


def _parts(edit: str = "") -> list[Part]:
    return [Part(f"户{n}", f'<html><body><p>第{n}户{edit if n == 1 else ""}</p></body></html>') for n in range(3)]


def test_only_changed_parts_are_rendered_again_and_the_book_has_bookmarks(app, tmp_path):
    with app.app_context():
        first = render_parts(_parts(), tmp_path, processes=1)
        assert first.rendered == 3 and render_parts(_parts(), tmp_path, processes=1).rendered == 0
        changed = render_parts(_parts("（已更新）"), tmp_path, processes=1)
        assert changed.rendered == 1
        book = merge("测试村", _parts("（已更新）"), changed.paths, "东乡")
    text = pdf_text(book)
    assert "目录" in text and "第1户（已更新）" in text and "第2户" in text
    reader = PdfReader(io.BytesIO(book))
    assert [o.title for o in reader.outline] == ["目录", "户0", "户1", "户2"]
    assert [reader.get_destination_page_number(o) for o in reader.outline] == [0, 1, 2, 3]
