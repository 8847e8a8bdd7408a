"""Many households in one PDF: parts rendered once per content, on both cores, merged with bookmarks and a TOC.

A part is one household's HTML plus the thumbnails it embeds. Its cache key is the SHA-256 of that HTML
(which names every image by its blob hash) and ``PART_VERSION``: an unchanged household is never
re-rendered; a changed one (a new visit, an edited name, another day's footer) is. Parts are rendered in
a process pool (``html_to_pdf`` needs no app or database), then concatenated with pypdf, each part a
bookmark, after a table of contents whose page numbers are those of the merged book.
"""
from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pypdf import PdfReader, PdfWriter

from server.reports.render import html_to_pdf, render_html

PART_VERSION = "1"  # bump when templates/pdf change in a way the HTML does not show
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


def _render_one(args: tuple[str, dict[str, bytes]]) -> bytes:
    html, thumbnails = args
    return html_to_pdf(html, thumbnails)


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

    def store(i: int, data: bytes) -> None:
        nonlocal done
        tmp = paths[i].with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(paths[i])
        done += 1
        if progress:
            progress(done, len(todo))

    if processes > 1 and len(todo) >= POOL_THRESHOLD:
        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded server process
        with ProcessPoolExecutor(max_workers=processes, mp_context=ctx) as pool:
            results = pool.map(_render_one, [(p.html, p.thumbnails) for _, p in todo], chunksize=4)
            for (i, _), data in zip(todo, results):
                store(i, data)
    else:
        for i, p in todo:
            store(i, html_to_pdf(p.html, p.thumbnails))
    return Rendered(paths, len(todo))


def _toc_pdf(title: str, entries: list[tuple[str, int]], footer: str) -> bytes:
    return html_to_pdf(render_html("toc.html", title=title, entries=entries, footer=footer))


def merge(title: str, parts: list[Part], paths: list[Path], footer: str) -> bytes:
    """A table of contents, then every part; one bookmark per part pointing at its first page."""
    counts = [len(PdfReader(str(p)).pages) for p in paths]
    toc_pages, toc = 1, b""
    for _ in range(3):  # the TOC's own length moves every start page; settle it
        starts, page = [], toc_pages + 1
        for n in counts:
            starts.append(page)
            page += n
        toc = _toc_pdf(title, [(p.title, s) for p, s in zip(parts, starts)], footer)
        n_toc = len(PdfReader(io.BytesIO(toc)).pages)
        if n_toc == toc_pages:
            break
        toc_pages = n_toc
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(toc)), import_outline=False)
    writer.add_outline_item(title="目录", page_number=0)
    for part, path, start in zip(parts, paths, starts):
        writer.append(PdfReader(str(path)), import_outline=False)
        writer.add_outline_item(title=part.title, page_number=start - 1)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def naive_book(title: str, parts: list[Part], footer: str) -> bytes:
    """One WeasyPrint call over the whole document (the bench's baseline)."""
    bodies = "".join(f'<section class="part">{_body(p.html)}</section>' for p in parts)
    html = parts[0].html.split("<body>", 1)[0] + f"<body><h1>{title}</h1>{bodies}</body></html>" if parts else ""
    thumbs = {k: v for p in parts for k, v in p.thumbnails.items()}
    return html_to_pdf(html, thumbs)


def _body(html: str) -> str:
    return html.split("<body>", 1)[-1].rsplit("</body>", 1)[0]
