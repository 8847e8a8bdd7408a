"""Many households in one PDF: parts rendered once per content, on both cores, merged with bookmarks and a TOC.

A part is one household's HTML plus the thumbnails it embeds. Its cache key is the SHA-256 of that HTML
(which names every image by its blob hash) and ``PART_VERSION``: an unchanged household is never
re-rendered; a changed one (a new visit, an edited name, another day's footer) is. Parts are rendered in
a process pool (``html_to_pdf`` needs no app or database; each worker keeps one font configuration and
writes its parts straight into the cache), then concatenated at the byte level (``pdfmerge``; pypdf when a
file is not the simple shape WeasyPrint writes), each part a bookmark, after a table of contents whose
page numbers are those of the merged book (rendered once when its length is guessed right), and every page
stamped with that number at the foot's centre — each part's own footer counts the household's pages.
"""
from __future__ import annotations

import gc
import hashlib
import io
import logging
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Callable

from pypdf import PdfReader, PdfWriter

from server.reports import pdfmerge
from server.reports.render import html_document, html_to_pdf, render_html, split_style

log = logging.getLogger(__name__)

PART_VERSION = "1"  # bump when templates/pdf change in a way the HTML does not show
CHUNK = 10  # parts a worker renders together (their fonts embedded once), at most
POOL_THRESHOLD = 3  # fewer parts than this to render: render in this process (a pool costs ~1 s to start)


@dataclass
class Part:
    title: str  # the bookmark and TOC line
    html: str
    thumbnails: dict[str, bytes] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{PART_VERSION}\0{self.html}".encode()).hexdigest()


@dataclass
class Rendered:
    paths: list[Path]
    rendered: int  # parts actually rendered (the rest came from the cache)


_font_config = None  # one per render worker process: fonts are looked up once, not once per part
_stylesheets: dict[str, object] = {}  # a render worker's parsed template stylesheets, by their CSS text


def _init_worker() -> None:
    """A render worker: WeasyPrint imported once, its modules left out of the cyclic GC's scans, and the
    collector run once per chunk instead of automatically.

    A part's layout allocates hundreds of thousands of objects that live until the chunk is written; the
    automatic collector walks them again and again while they pile up (about 12 % of a part's CPU even
    with a 50 000 threshold, measured). Collected after each chunk (``_render_chunk``), a worker stays at
    about 350 MB through a 300-household book.
    """
    global _font_config
    from weasyprint.text.fonts import FontConfiguration

    _font_config = FontConfiguration()
    gc.collect()
    gc.freeze()
    gc.disable()


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _render_chunk(chunk: list[tuple[str, dict[str, bytes], str]]) -> int:
    """Render a few parts straight into the cache (no PDF travels back through the pool's pipe).

    Each part is laid out on its own (its page numbers, its footer), but their pages are written as one
    PDF, so the CJK fonts are subset and embedded once per chunk instead of once per part (a fifth of a
    part's time); the chunk is then cut back into one PDF per part, and the merge writes each shared
    font once. A chunk that cannot be cut (see ``pdfmerge``) is written part by part.
    """
    try:
        return _render_chunk_into_cache(chunk)
    finally:
        if _font_config is not None:  # a render worker (``_init_worker``): the chunk's garbage goes now
            gc.collect()


def _document(html: str, thumbnails: dict[str, bytes]):
    """One part laid out; in a render worker, its stylesheet (the same for every part) is parsed once."""
    if _font_config is None:
        return html_document(html, thumbnails)
    body, css = split_style(html)
    if css is None:
        return html_document(html, thumbnails, font_config=_font_config)
    sheet = _stylesheets.get(css)
    if sheet is None:
        from weasyprint import CSS

        if len(_stylesheets) >= 8:  # templates changed under a long-lived worker: start over
            _stylesheets.clear()
        sheet = _stylesheets[css] = CSS(string=css, font_config=_font_config)
    return html_document(body, thumbnails, font_config=_font_config, stylesheets=[sheet])


def _render_chunk_into_cache(chunk: list[tuple[str, dict[str, bytes], str]]) -> int:
    docs = [_document(html, thumbnails) for html, thumbnails, _ in chunk]
    if len(docs) > 1:
        try:
            whole = pdfmerge.read_pdf(docs[0].copy([page for d in docs for page in d.pages]).write_pdf())
            start = 0
            for d, (_, _, path) in zip(docs, chunk):
                _write(Path(path), pdfmerge.extract(whole, start, start + len(d.pages)))
                start += len(d.pages)
            return len(chunk)
        except (pdfmerge.Unsupported, KeyError, ValueError, AttributeError, IndexError) as exc:
            log.info("chunk written part by part (%s)", exc)
    for d, (_, _, path) in zip(docs, chunk):
        _write(Path(path), d.write_pdf())
    return len(chunk)


def _chunks(jobs: list, processes: int) -> list[list]:
    """Large chunks first, then smaller and smaller ones, so that the workers finish together.

    Each chunk is a share of what is left (at most ``CHUNK``): near the end a worker picks up two parts,
    not ten, while the other finishes (guided scheduling; a part takes about 0.7 s)."""
    chunks, k = [], 0
    while k < len(jobs):
        size = max(2, min(CHUNK, (len(jobs) - k) // (processes * 2)))
        chunks.append(jobs[k:k + size])
        k += size
    return chunks


def workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def render_parts(parts: list[Part], cache_dir: Path, *, processes: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Rendered:
    """Every part as a PDF file in ``cache_dir`` (named by its key); only missing ones are rendered."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = [cache_dir / f"{p.key}.pdf" for p in parts]
    todo = []
    for i, (p, path) in enumerate(zip(parts, paths)):
        try:
            os.utime(path)  # a part still in use stays past the retention period
        except FileNotFoundError:
            todo.append((i, p))
    todo = list({p.key: (i, p) for i, p in todo}.values())  # identical parts render once
    processes = processes or workers()
    done = 0

    def stored(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(todo))

    jobs = [(p.html, p.thumbnails, str(paths[i])) for i, p in todo]
    if processes > 1 and len(todo) >= POOL_THRESHOLD:
        chunks = _chunks(jobs, processes)
        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded server process
        with ProcessPoolExecutor(max_workers=processes, mp_context=ctx, initializer=_init_worker) as pool:
            for n in pool.map(_render_chunk, chunks):
                stored(n)
    else:
        for k in range(0, len(jobs), CHUNK):
            stored(_render_chunk(jobs[k:k + CHUNK]))
    return Rendered(paths, len(todo))


def _toc_pdf(title: str, entries: list[tuple[str, int]], footer: str) -> bytes:
    return html_to_pdf(render_html("toc.html", title=title, entries=entries, footer=footer))


# A first guess at the TOC's length: rows on its first page (under the title), then on each further page.
# It is checked; a wrong guess costs one more render of the TOC.
TOC_ROWS = (28, 34)


def _with_toc(title: str, parts: list[Part], counts: list[int], footer: str) -> tuple[bytes, list[int]]:
    """The TOC and every part's first page in the book; the TOC is rendered once when its length was guessed right."""
    toc_pages, toc = 1 + math.ceil(max(0, len(parts) - TOC_ROWS[0]) / TOC_ROWS[1]), b""
    for _ in range(4):  # the TOC's own length moves every start page; settle it
        starts, page = [], toc_pages + 1
        for n in counts:
            starts.append(page)
            page += n
        toc = _toc_pdf(title, [(p.title, s) for p, s in zip(parts, starts)], footer)
        n_toc = len(PdfReader(io.BytesIO(toc)).pages)
        if n_toc == toc_pages:
            break
        toc_pages = n_toc
    return toc, starts


def merge(title: str, parts: list[Part], paths: list[Path], footer: str) -> bytes:
    """A table of contents, then every part; one bookmark per part pointing at its first page."""
    try:
        docs = [pdfmerge.read_pdf(p.read_bytes()) for p in paths]
    except (pdfmerge.Unsupported, KeyError, ValueError, AttributeError, IndexError) as exc:
        log.info("book parts merged with pypdf (%s)", exc)
        return _merge_pypdf(title, parts, paths, footer)
    toc, starts = _with_toc(title, parts, [len(d.pages) for d in docs], footer)
    try:
        toc_doc = pdfmerge.read_pdf(toc)
        return pdfmerge.concatenate([toc_doc] + docs, [("目录", 0)] + [(p.title, s - 1) for p, s in zip(parts, starts)],
                                    title, number_pages=True)
    except (pdfmerge.Unsupported, KeyError, ValueError, AttributeError, IndexError) as exc:
        log.info("book parts merged with pypdf (%s)", exc)
        return _merge_pypdf(title, parts, paths, footer)


def _merge_pypdf(title: str, parts: list[Part], paths: list[Path], footer: str) -> bytes:
    readers = [PdfReader(str(p)) for p in paths]
    toc, starts = _with_toc(title, parts, [len(r.pages) for r in readers], footer)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(toc)), import_outline=False)
    writer.add_outline_item(title="目录", page_number=0)
    for part, reader, start in zip(parts, readers, starts):
        writer.append(reader, import_outline=False)
        writer.add_outline_item(title=part.title, page_number=start - 1)
    stamps = PdfReader(io.BytesIO(pdfmerge.stamp_pages(len(writer.pages))))
    for page, stamp in zip(writer.pages, stamps.pages):  # the book's page numbers, as the byte-level merge stamps
        page.merge_page(stamp)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def naive_book(title: str, parts: list[Part], footer: str) -> bytes:
    """One WeasyPrint call over the whole document (the bench's baseline), with the book's footer."""
    bodies = "".join(f'<section class="part">{_body(p.html)}</section>' for p in parts)
    html = (parts[0].html.split("<body", 1)[0] + f'<body data-footer="{escape(footer)}"><h1>{escape(title)}</h1>'
            f"{bodies}</body></html>") if parts else ""
    thumbs = {k: v for p in parts for k, v in p.thumbnails.items()}
    return html_to_pdf(html, thumbs)


def _body(html: str) -> str:
    return html.split("<body", 1)[-1].split(">", 1)[-1].rsplit("</body>", 1)[0]
