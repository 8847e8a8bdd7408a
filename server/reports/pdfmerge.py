"""Concatenate WeasyPrint PDFs at the byte level: objects copied as they are, only renumbered.

pypdf parses every object of every part into Python objects and writes them back (and the merge read
every part twice): several seconds per hundred parts, on one core, after the pool has finished.
WeasyPrint (pydyf) writes a simple layout we can read with a few regular expressions: streams as
top-level objects, every other object in one object stream, a cross-reference stream. ``read_pdf``
takes a part apart into raw objects; ``concatenate`` copies the objects its pages reach (streams
untouched, references renumbered), under one page tree, with one bookmark per part.

Anything else (an encrypted file, named destinations, a form, an indirect stream length…) raises
``Unsupported`` and the caller falls back to pypdf.
"""
from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_OBJ_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\s*")
_STREAM_DICT = re.compile(rb"(<<.*?>>)\s*stream\r?\n", re.S)
# A literal string (left as it is) or an indirect reference (renumbered).
_REF_OR_STRING = re.compile(rb"\((?:\\.|[^\\()])*\)|(?<![\d.+-])(\d+)\s+(\d+)\s+R(?![A-Za-z0-9_])", re.S)
_PARENT = re.compile(rb"/Parent\s+(\d+)\s+\d+\s+R")
_CATALOG_REFUSED = (b"/Names", b"/Dests", b"/AcroForm", b"/StructTreeRoot", b"/OpenAction")


class Unsupported(ValueError):
    pass


@dataclass
class Obj:
    head: bytes  # a non-stream object, or a stream's dictionary
    stream: bytes | None = None  # raw (still encoded) stream bytes


@dataclass
class PdfParts:
    objects: dict[int, Obj]
    pages: list[int]  # page object numbers, in order
    pages_root: int
    skip: set[int] = field(default_factory=set)  # objects never copied (catalog, outlines, info…)


def _int(head: bytes, key: bytes) -> int | None:
    m = re.search(rb"/" + key + rb"\s+(\d+)(?!\d|\s+\d+\s+R)", head)
    return int(m.group(1)) if m else None


def _ref(head: bytes, key: bytes) -> int | None:
    m = re.search(rb"/" + key + rb"\s+(\d+)\s+\d+\s+R", head)
    return int(m.group(1)) if m else None


def _decode(head: bytes, raw: bytes) -> bytes:
    filters = re.search(rb"/Filter\s*(\[[^\]]*\]|/\w+)", head)
    if filters is None:
        return raw
    if filters.group(1).strip(b"[] ") != b"/FlateDecode" or b"/DecodeParms" in head:
        raise Unsupported("stream filter")
    return zlib.decompress(raw)


def _object_at(data: bytes, offset: int) -> tuple[int, Obj]:
    m = _OBJ_HEADER.match(data, offset)
    if m is None or m.group(2) != b"0":
        raise Unsupported(f"no object at {offset}")
    start = m.end()
    end = data.find(b"endobj", start)
    if end < 0:
        raise Unsupported("endobj missing")
    s = _STREAM_DICT.match(data, start)
    if s is not None and s.end() <= end + 6 and data[start:start + 2] == b"<<":
        head = s.group(1)
        length = _int(head, b"Length")
        if length is None:
            raise Unsupported("indirect stream length")
        raw = data[s.end():s.end() + length]
        if len(raw) != length:
            raise Unsupported("short stream")
        return int(m.group(1)), Obj(head, raw)
    return int(m.group(1)), Obj(data[start:end].rstrip())


def read_pdf(data: bytes) -> PdfParts:
    m = _STARTXREF.search(data[-64:])
    if m is None or b"/Encrypt" in data[-4096:]:
        raise Unsupported("no startxref or encrypted")
    if data.startswith(b"xref", int(m.group(1))):
        return _read_classic(data, int(m.group(1)))
    _, xref = _object_at(data, int(m.group(1)))
    if xref.stream is None or b"/XRef" not in xref.head or b"/Prev" in xref.head:
        raise Unsupported("not a single cross-reference stream")
    widths = [int(x) for x in re.search(rb"/W\s*\[([\d\s]+)\]", xref.head).group(1).split()]
    index = re.search(rb"/Index\s*\[([\d\s]+)\]", xref.head)
    size = _int(xref.head, b"Size")
    ranges = [int(x) for x in index.group(1).split()] if index else [0, size]
    table = _decode(xref.head, xref.stream)
    objects: dict[int, Obj] = {}
    in_streams: dict[int, list[tuple[int, int]]] = {}
    pos, row = 0, sum(widths)
    for first, count in zip(ranges[::2], ranges[1::2]):
        for num in range(first, first + count):
            fields, p = [], pos
            for w in widths:
                fields.append(int.from_bytes(table[p:p + w], "big") if w else 1)
                p += w
            pos += row
            kind, a, b = fields
            if kind == 1:
                got, obj = _object_at(data, a)
                if got != num:
                    raise Unsupported("object number mismatch")
                objects[num] = obj
            elif kind == 2:
                in_streams.setdefault(a, []).append((num, b))
    for stm_num, members in in_streams.items():
        stm = objects.pop(stm_num)
        content = _decode(stm.head, stm.stream)
        n, first = _int(stm.head, b"N"), _int(stm.head, b"First")
        header = [int(x) for x in content[:first].split()]
        nums, offsets = header[::2], header[1::2] + [len(content) - first]
        for i in range(n):
            objects[nums[i]] = Obj(content[first + offsets[i]:first + offsets[i + 1]].strip())
    return _finish(objects, _ref(xref.head, b"Root"))


_XREF_ROW = re.compile(rb"(\d{10}) (\d{5}) ([nf])")


def _read_classic(data: bytes, offset: int) -> PdfParts:
    """What ``concatenate`` writes (a part cut from a chunk): a cross-reference table, no object streams."""
    end = data.find(b"trailer", offset)
    if end < 0:
        raise Unsupported("no trailer")
    trailer = data[end:data.find(b"startxref", end)]
    if b"/Prev" in trailer:
        raise Unsupported("incremental update")
    objects: dict[int, Obj] = {}
    lines = data[offset + 4:end].split(b"\n")
    num = 0
    for line in lines:
        line = line.strip()
        if not line:
            continue
        row = _XREF_ROW.match(line)
        if row is None:
            num = int(line.split()[0])
            continue
        if row.group(3) == b"n":
            got, obj = _object_at(data, int(row.group(1)))
            if got != num:
                raise Unsupported("object number mismatch")
            objects[num] = obj
        num += 1
    return _finish(objects, _ref(trailer, b"Root"))


def _finish(objects: dict[int, Obj], root: int) -> PdfParts:
    catalog = objects[root].head
    for key in _CATALOG_REFUSED:  # internal links, forms, tags: pypdf knows how to carry those
        if key in catalog:
            raise Unsupported(f"catalog has {key!r}")
    pages_root = _ref(catalog, b"Pages")
    kids = objects[pages_root].head
    if re.search(rb"/Type\s*/Pages", kids) is None:
        raise Unsupported("no page tree")
    pages = [int(x) for x in re.findall(rb"(\d+)\s+\d+\s+R", re.search(rb"/Kids\s*\[([^\]]*)\]", kids).group(1))]
    for p in pages:
        if re.search(rb"/Type\s*/Pages\b", objects[p].head):
            raise Unsupported("nested page tree")
    skip = {root, pages_root}
    return PdfParts(objects, pages, pages_root, skip)


_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")
_XOBJECTS = re.compile(rb"/XObject\s*<<((?:\s*/[^\s/\[\]()<>{}%]+\s+\d+\s+0\s+R)*)\s*>>")
_XOBJECT_ENTRY = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+(\d+)\s+0\s+R")


def _content_streams(doc: PdfParts, head: bytes) -> list[bytes]:
    m = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R)", head)
    if m is None:
        return []
    out = []
    for num in re.findall(rb"(\d+)\s+\d+\s+R", m.group(1)):
        obj = doc.objects[int(num)]
        out.append(_decode(obj.head, obj.stream or b""))
    return out


def extract(doc: PdfParts, start: int, stop: int) -> bytes:
    """Pages ``start:stop`` of ``doc`` as a PDF of their own (WeasyPrint shares one resource dictionary
    among all pages of a document: its images are trimmed to those these pages draw)."""
    pages = doc.pages[start:stop]
    objects = dict(doc.objects)
    resources = {int(n) for p in pages
                 for n in re.findall(rb"/Resources\s+(\d+)\s+\d+\s+R", doc.objects[p].head)}
    used: set[bytes] = set()
    streams = [c for p in pages for c in _content_streams(doc, doc.objects[p].head)]
    names: dict[bytes, bytes] = {}
    for r in resources:
        m = _XOBJECTS.search(objects[r].head)
        names.update(_XOBJECT_ENTRY.findall(m.group(1)) if m else [])
    while streams:  # names drawn by the pages, and by the forms they draw
        for name in _DO.findall(streams.pop()):
            if name not in used and name in names:
                used.add(name)
                form = objects[int(names[name])]
                if form.stream is not None and b"/Form" in form.head:
                    streams.append(_decode(form.head, form.stream))
    for r in resources:
        head = objects[r].head
        m = _XOBJECTS.search(head)
        if m is None:
            continue
        kept = b"".join(b"/%s %s 0 R" % (name, num) for name, num in _XOBJECT_ENTRY.findall(m.group(1))
                        if name in used)
        objects[r] = Obj(head[:m.start()] + b"/XObject <<" + kept + b">>" + head[m.end():])
    return concatenate([PdfParts(objects, pages, doc.pages_root, doc.skip)], [], "")


def _utf16(text: str) -> bytes:
    return b"<" + ("\ufeff" + text).encode("utf-16-be").hex().encode() + b">"


# A book's page number, stamped centred in the bottom margin on the footer's baseline (WeasyPrint's A4 pages,
# base.html's 20 mm bottom margin): Helvetica, one of the PDF's standard fonts (nothing to embed; digits
# and hyphens only), grey like the footer.
STAMP_FONT = b"ZBookPage"
_STAMP_SIZE, _STAMP_BASELINE = 8, 24.86
_HELVETICA_WIDTHS = {"-": 333, " ": 278, **{d: 556 for d in "0123456789"}}
_FONT_ENTRY = re.compile(rb"/Font\s*(?:(\d+)\s+\d+\s+R|<<)")
_CONTENTS = re.compile(rb"/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R)")
_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([\d.+-]+)\s+[\d.+-]+\s+([\d.+-]+)")


def _stamp_stream(number: int, page_head: bytes) -> bytes:
    text = f"- {number} -"
    box = _MEDIABOX.search(page_head)
    left, right = (float(box.group(1)), float(box.group(2))) if box else (0.0, 595.275591)
    width = sum(_HELVETICA_WIDTHS[c] for c in text) * _STAMP_SIZE / 1000
    x = (left + right - width) / 2
    content = (b"q 0.333333 g BT /%s %d Tf %.2f %.2f Td (%s) Tj ET Q\n"
               % (STAMP_FONT, _STAMP_SIZE, x, _STAMP_BASELINE, text.encode()))
    return b"<</Length %d>>\nstream\n%s\nendstream" % (len(content), content)


def stamp_pages(count: int, media_box: bytes = b"[0 0 595.275591 841.889764]") -> bytes:
    """A PDF of ``count`` blank pages stamped with their numbers by ``concatenate``: laid over a book's pages
    where pypdf assembles it."""
    objects = {1: Obj(b"<</Type /Pages>>"), 2: Obj(b"<<>>"), 3: Obj(b"<</Length 0>>", b"")}
    for k in range(count):
        objects[4 + k] = Obj(b"<</Type /Page/Parent 1 0 R/MediaBox %s/Resources 2 0 R/Contents 3 0 R>>" % media_box)
    return concatenate([PdfParts(objects, list(range(4, 4 + count)), 1)], [], "", number_pages=True)


def _stamp_fonts(doc: PdfParts) -> tuple[set[int], set[int]]:
    """The font dictionaries of ``doc``'s page resources, and the resource dictionaries without one: where
    the stamp's font goes."""
    fonts, bare = set(), set()
    for p in doc.pages:
        r = _ref(doc.objects[p].head, b"Resources")
        if r is None or r not in doc.objects:
            raise Unsupported("page resources not an indirect dictionary")
        head = doc.objects[r].head
        m = _FONT_ENTRY.search(head)
        if m is None:
            bare.add(r)
        elif m.group(1) is None:
            raise Unsupported("inline font dictionary")
        else:
            fonts.add(int(m.group(1)))
    return fonts, bare


def concatenate(docs: list[PdfParts], bookmarks: list[tuple[str, int]], title: str, *,
                number_pages: bool = False) -> bytes:
    """One PDF of every doc's pages in order; ``bookmarks`` are (title, 0-based page index); with
    ``number_pages`` each page also shows its number in the whole (a book's TOC gives those numbers)."""
    out: list[bytes] = [b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n"]
    offsets: dict[int, int] = {}
    position = len(out[0])
    pages_num, catalog_num, outlines_num, info_num = 1, 2, 3, 4
    next_num = 5
    page_refs: list[int] = []

    def emit(num: int, body: bytes) -> None:
        nonlocal position
        chunk = b"%d 0 obj\n%s\nendobj\n" % (num, body)
        offsets[num] = position
        out.append(chunk)
        position += len(chunk)

    seen: dict[bytes, int] = {}  # identical streams without references (a font, a photo) are written once
    if number_pages:
        stamp_font, save, restore = next_num, next_num + 1, next_num + 2
        next_num += 3
        emit(stamp_font, b"<</Type /Font/Subtype /Type1/BaseFont /Helvetica/Encoding /WinAnsiEncoding>>")
        emit(save, b"<</Length 2>>\nstream\nq\n\nendstream")  # the page's own drawing left as it leaves it
        emit(restore, b"<</Length 2>>\nstream\nQ\n\nendstream")
        font_entry = b"/%s %d 0 R" % (STAMP_FONT, stamp_font)
    for doc in docs:
        fonts, bare = _stamp_fonts(doc) if number_pages else (set(), set())
        position_of = {p: len(page_refs) + i for i, p in enumerate(doc.pages)}
        mapping: dict[int, int] = {doc.pages_root: pages_num}
        order: list[int] = []
        todo = list(doc.pages)
        while todo:  # every object the pages reach, each once
            num = todo.pop()
            if num in mapping or num in doc.skip:
                continue
            obj = doc.objects.get(num)
            if obj is None:
                raise Unsupported(f"dangling reference {num}")
            refs = [int(m.group(1)) for m in _REF_OR_STRING.finditer(obj.head) if m.group(1) is not None]
            if obj.stream is not None and not refs:
                digest = hashlib.blake2b(obj.head + b"\0" + obj.stream, digest_size=20).digest()
                if digest in seen:
                    mapping[num] = seen[digest]
                    continue
                seen[digest] = next_num
            mapping[num] = next_num
            next_num += 1
            order.append(num)
            todo.extend(refs)

        def renumber(m: re.Match) -> bytes:
            if m.group(1) is None:
                return m.group(0)
            return b"%d 0 R" % mapping[int(m.group(1))]

        for num in order:
            obj = doc.objects[num]
            head = _REF_OR_STRING.sub(renumber, obj.head)
            if num in fonts:
                head = head.replace(b"<<", b"<<" + font_entry, 1)
            elif num in bare:
                head = head.replace(b"<<", b"<</Font <<" + font_entry + b">>", 1)
            if number_pages and num in position_of:
                contents = _CONTENTS.search(head)
                if contents is None:
                    raise Unsupported("page without contents")
                stamp = next_num
                next_num += 1
                emit(stamp, _stamp_stream(position_of[num] + 1, head))
                refs = contents.group(1).strip(b"[]").strip()
                head = (head[:contents.start()] + b"/Contents [%d 0 R %s %d 0 R %d 0 R]" % (save, refs, restore, stamp)
                        + head[contents.end():])
            if obj.stream is None:
                emit(mapping[num], head)
            else:
                emit(mapping[num], head + b"\nstream\n" + obj.stream + b"\nendstream")
        for p in doc.pages:
            if _PARENT.search(doc.objects[p].head) is None:
                raise Unsupported("page without parent")
            page_refs.append(mapping[p])

    items = []
    for t, page in bookmarks:
        items.append((next_num, t, page))
        next_num += 1
    for i, (num, t, page) in enumerate(items):
        links = b"/Parent %d 0 R" % outlines_num
        if i:
            links += b"/Prev %d 0 R" % items[i - 1][0]
        if i + 1 < len(items):
            links += b"/Next %d 0 R" % items[i + 1][0]
        emit(num, b"<</Title %s%s/Dest [%d 0 R /Fit]>>" % (_utf16(t), links, page_refs[page]))
    if items:
        emit(outlines_num, b"<</Type /Outlines/First %d 0 R/Last %d 0 R/Count %d>>"
             % (items[0][0], items[-1][0], len(items)))
    else:
        emit(outlines_num, b"<</Type /Outlines/Count 0>>")
    kids = b" ".join(b"%d 0 R" % n for n in page_refs)
    emit(pages_num, b"<</Type /Pages/Kids [%s]/Count %d>>" % (kids, len(page_refs)))
    emit(catalog_num, b"<</Type /Catalog/Pages %d 0 R/Outlines %d 0 R>>" % (pages_num, outlines_num))
    emit(info_num, b"<</Title %s/Producer (zoufang)>>" % _utf16(title))

    xref = [b"xref\n0 %d\n" % next_num, b"0000000000 65535 f \n"]
    xref += [b"%010d 00000 n \n" % offsets[n] for n in range(1, next_num)]
    out += xref
    out.append(b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n"
               % (next_num, catalog_num, info_num, position))
    return b"".join(out)
