"""Byte-level book assembly: a chunk cut back into parts (each with its own photos), fonts written once,
and pypdf taking over for a PDF the byte-level reader refuses."""
from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader

from server.reports import pdfmerge
from server.reports.books import Part, _render_chunk, merge, render_parts
from tests.reports.conftest import pdf_text, real_jpeg


def _photo_part(n: int) -> tuple[str, dict[str, bytes]]:
    data = real_jpeg(colour=(40 * n, 90, 200 - 40 * n))
    sha = hashlib.sha256(data).hexdigest()
    html = (f'<html><head><style>@page {{ @bottom-right {{ content: "第 " counter(page) " 页 / 共 " counter(pages) " 页" }} }}'
            f'</style></head><body><h1>第{n}户</h1><img src="zoufang-blob:{sha}">'
            f'<p style="page-break-before: always">第{n}户续页</p></body></html>')
    return html, {sha: data}


def _images(reader: PdfReader) -> set[int]:
    """The image objects the pages' resources name (each once)."""
    return {page["/Resources"]["/XObject"].raw_get(name).idnum
            for page in reader.pages if "/XObject" in page["/Resources"] for name in page["/Resources"]["/XObject"]}


def test_a_chunk_is_cut_into_parts_with_their_own_pages_and_photos(tmp_path):
    jobs = [(*_photo_part(n), str(tmp_path / f"{n}.pdf")) for n in range(3)]
    assert _render_chunk(jobs) == 3
    for n in range(3):
        data = (tmp_path / f"{n}.pdf").read_bytes()
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 2
        text = pdf_text(data)
        assert f"第{n}户" in text and "共 2 页" in text.replace("共2页", "共 2 页")
        assert not any(f"第{m}户" in text for m in range(3) if m != n)
        assert len(_images(reader)) == 1  # its own photo, not the chunk's three
        assert pdfmerge.read_pdf(data).pages  # what the merge reads


def test_the_book_embeds_a_chunk_fonts_once_and_keeps_every_photo(app, tmp_path):
    parts = [Part(f"户{n}", *_photo_part(n)) for n in range(3)]
    with app.app_context():
        rendered = render_parts(parts, tmp_path, processes=1)
        book = merge("测试村", parts, rendered.paths, "东乡")
    reader = PdfReader(io.BytesIO(book))
    assert len(reader.pages) == 1 + 6
    assert [o.title for o in reader.outline] == ["目录", "户0", "户1", "户2"]
    assert [reader.get_destination_page_number(o) for o in reader.outline] == [0, 1, 3, 5]
    files: dict[str, set[int]] = {}  # font face → the embedded font programs it uses
    for page in reader.pages[1:]:
        for font in page["/Resources"]["/Font"].values():
            for descendant in font.get_object().get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        files.setdefault(str(descriptor["/FontName"]), set()).add(descriptor.raw_get(key).idnum)
    assert files and all(len(ids) == 1 for ids in files.values())  # one program per face, not one per part
    assert len(_images(reader)) == 3
    # every page shows its number in the book, and the TOC's numbers are those printed on the parts' first pages
    texts = [page.extract_text() or "" for page in reader.pages]
    assert all(f"- {k + 1} -" in text for k, text in enumerate(texts)), texts
    toc = " ".join(texts[0].split())
    for o in reader.outline[1:]:
        first = reader.get_destination_page_number(o) + 1
        assert f"{o.title} {first}" in toc and f"- {first} -" in texts[first - 1]
    assert "第 1 页 / 共 2 页" in " ".join(texts[3].split()).replace("第1页/共2页", "第 1 页 / 共 2 页")  # its own


def test_a_part_the_byte_reader_refuses_is_merged_by_pypdf(app, tmp_path):
    linked = Part("户1", '<html><body><p><a href="#end">跳到末尾</a></p><p id="end">第1户末尾</p></body></html>')
    plain = Part("户0", "<html><body><p>第0户</p></body></html>")
    with app.app_context():
        rendered = render_parts([plain, linked], tmp_path, processes=1)
        book = merge("测试村", [plain, linked], rendered.paths, "东乡")
    text = pdf_text(book)
    assert "第0户" in text and "第1户末尾" in text
    reader = PdfReader(io.BytesIO(book))
    assert [o.title for o in reader.outline] == ["目录", "户0", "户1"]
    assert [f"- {k + 1} -" in (page.extract_text() or "") for k, page in enumerate(reader.pages)] == [True] * 3
