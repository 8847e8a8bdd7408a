"""Reading a submission's multipart body: streamed to temporary files, never held whole in memory.

The body is read in 64 KB pieces and fed to the ``multipart`` library's push parser (the sans-io
parser Bottle uses: about a third of the CPU of Werkzeug's, which compiles a regular expression per
request). Each file part is written to a temporary file as it arrives (in memory only below 512 KB) —
or, given ``new_spool``, to a file of the blob store's tmp folder hashed as it is written, which the
store then moves into place instead of copying. The whole body is read and checked before anything
is stored, so a truncated or oversize body leaves nothing behind (the parts' files go when the upload
is closed).

- a body over ``max_bytes`` → 413 (``TooLarge``), whether or not it declared its length;
- more than ``max_parts`` parts → 400; a truncated or malformed body → 400;
- no ``xml_submission_file`` part → 400; an instance over ``MAX_XML_BYTES`` → 413;
- a client that stops sending for ``body_timeout`` seconds → 408 (``RequestTimeout``), instead of
  holding a gunicorn sync worker until its own --timeout kills it; one that keeps sending, however
  slowly, keeps its worker alive (``server.heartbeat``). The timeout is set on the
  connection's socket (``gunicorn.socket``, or ``werkzeug.socket`` under the dev server) while the
  body is read; like nginx's ``client_body_timeout`` it bounds the wait between two reads.
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Callable

import multipart
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.wsgi import get_content_length, get_input_stream

from server import heartbeat
from server.errors import BadRequest, RequestTimeout, TooLarge
from server.uploads import human_mb

XML_PART = "xml_submission_file"
MEMORY_PART_BYTES = 512 * 1024  # a file part (without new_spool) goes to disk above this
INCOMPLETE_FIELD = "*isIncomplete*"
MAX_PARTS = 1000
MAX_XML_BYTES = 10 * 1024 * 1024
READ_BYTES = 64 * 1024
MAX_FIELD_BYTES = 256 * 1024  # a plain field (no file name) is kept in memory up to this


@dataclass
class AttachmentPart:
    name: str  # as sent: the part's file name (or its field name when it has none)
    stream: IO[bytes]
    content_type: str


@dataclass
class SubmissionUpload:
    xml: bytes
    attachments: list[AttachmentPart] = field(default_factory=list)
    # Collect sends *isIncomplete*=yes on every POST of a split submission but the last.
    incomplete: bool = False
    # the instance part as received (a spooled store file when read_submission had new_spool), or None
    xml_stream: IO[bytes] | None = None
    _files: list["_Part"] = field(default_factory=list, repr=False)

    def close(self) -> None:
        for f in self._files:
            f.close()

    def __enter__(self) -> "SubmissionUpload":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def too_large(limit: int) -> TooLarge:
    return TooLarge(f"上传内容过大，上限 {human_mb(limit)}；请在 Collect 中重新发送（会自动分批）",
                    f"Submission too large; the limit is {human_mb(limit)}", code="submission_too_large")


def body_timed_out(seconds: float) -> RequestTimeout:
    return RequestTimeout(f"上传中断：{seconds:g} 秒内没有收到数据，请在网络较好时重新发送",
                          f"No data received for {seconds:g} s; send the submission again", code="body_timeout")


class _BodyTooLarge(Exception):
    pass


class _FieldTooLarge(Exception):
    pass


@dataclass
class _Part:
    """One part of the body: a file part's content in ``stream``, a plain field's in ``value``."""
    name: str
    filename: str | None
    content_type: str
    stream: IO[bytes] | None = None
    value: bytearray = field(default_factory=bytearray)

    def write(self, data) -> None:
        if self.stream is not None:
            self.stream.write(data)
        elif len(self.value) + len(data) > MAX_FIELD_BYTES:
            raise _FieldTooLarge()
        else:
            self.value += data

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


class _BodyTimeout(Exception):
    """Not an OSError, so Werkzeug's LimitedStream does not turn it into ClientDisconnected."""


class _TimedInput:
    """``wsgi.input`` over a socket with a timeout: a read that times out raises ``_BodyTimeout``."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except TimeoutError as exc:
            raise _BodyTimeout() from exc


@contextmanager
def _socket_timeout(environ, seconds: float | None):
    """Every recv() on the connection waits at most ``seconds`` while the body is read; restored after."""
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    if sock is None or not seconds:
        yield environ
        return
    previous = sock.gettimeout()
    sock.settimeout(seconds)
    try:
        yield {**environ, "wsgi.input": _TimedInput(environ["wsgi.input"])}
    finally:
        try:
            sock.settimeout(previous)
        except OSError:  # the connection is already gone
            pass


class _Body:
    """The limited input stream, telling "over the size limit" apart from the parser's own limits."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except RequestEntityTooLarge as exc:
            raise _BodyTooLarge() from exc


def _memory_spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=MEMORY_PART_BYTES)


def _read_parts(body, boundary: bytes, max_parts: int, new_spool: Callable[[], IO[bytes]], parts: list[_Part]) -> None:
    """Feed the body to the push parser; every part it yields is appended to ``parts`` as it starts."""
    parser = multipart.PushMultipartParser(boundary, max_segment_count=max_parts)
    current: _Part | None = None
    while True:
        chunk = body.read(READ_BYTES)
        heartbeat.beat()  # data is arriving: a gunicorn worker reading a slow upload is not hung
        for event in parser.parse(chunk):
            if isinstance(event, multipart.MultipartSegment):  # the parser refuses part max_parts + 1
                current = _Part(event.name, event.filename, (event.content_type or "").lower(),
                                new_spool() if event.filename is not None else None)
                parts.append(current)
            elif event is None:
                current = None
            elif current is not None:
                current.write(event)
        if not chunk:
            return


def _parse(environ, max_bytes: int, max_parts: int, body_timeout: float | None,
           new_spool: Callable[[], IO[bytes]] | None = None) -> list[_Part]:
    mimetype, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    if mimetype != "multipart/form-data" or not options.get("boundary"):
        raise BadRequest("提交格式不正确：需要 multipart/form-data", "A submission must be multipart/form-data",
                         code="not_multipart")
    length = get_content_length(environ)
    if length is not None and length > max_bytes:
        raise too_large(max_bytes)
    parts: list[_Part] = []  # every part file made is closed (so removed) when the body is refused
    try:
        try:
            with _socket_timeout(environ, body_timeout) as timed_environ:
                body = _Body(get_input_stream(timed_environ, max_content_length=max_bytes))
                _read_parts(body, options["boundary"].encode("latin-1"), max_parts, new_spool or _memory_spool, parts)
                return parts
        except BaseException:
            for part in parts:
                part.close()
            raise
    except _BodyTimeout as exc:
        raise body_timed_out(body_timeout) from exc
    except _BodyTooLarge as exc:
        raise too_large(max_bytes) from exc
    except (_FieldTooLarge, multipart.ParserLimitReached) as exc:  # part count, or a huge plain field
        raise BadRequest(f"提交内容的部分过多（上限 {max_parts} 个）或字段过大",
                         f"Too many parts (limit {max_parts}) or an oversize field", code="too_many_parts") from exc
    except (multipart.MultipartError, ClientDisconnected, UnicodeError) as exc:
        raise BadRequest("上传数据不完整或格式错误，请重新发送", "The upload is truncated or malformed; send it again",
                         code="bad_multipart") from exc


def read_submission(environ, *, max_bytes: int, max_parts: int = MAX_PARTS, body_timeout: float | None = None,
                    new_spool: Callable[[], IO[bytes]] | None = None) -> SubmissionUpload:
    """The instance XML (bytes) and the attachment parts of a submission request body.

    ``new_spool``: where each file part is written while it is received (default: temporary files);
    the blob store's ``new_spool`` lets ingest place parts without copying them."""
    parts = _parse(environ, max_bytes, max_parts, body_timeout, new_spool)
    try:
        xml_part = next((p for p in parts if p.name == XML_PART and p.stream is not None), None)
        if xml_part is None:
            raise BadRequest("缺少表单数据（xml_submission_file）", "The xml_submission_file part is missing",
                             code="no_instance")
        files = [p for p in parts if p.stream is not None]
        for p in files:
            p.stream.seek(0)
        xml = xml_part.stream.read(MAX_XML_BYTES + 1)
        xml_part.stream.seek(0)
        if len(xml) > MAX_XML_BYTES:
            raise TooLarge(f"表单数据过大（上限 {human_mb(MAX_XML_BYTES)}）",
                           f"The instance XML is larger than {human_mb(MAX_XML_BYTES)}", code="instance_too_large")
        attachments = [AttachmentPart(name=p.filename or p.name, stream=p.stream,
                                      content_type=(p.content_type or "application/octet-stream")[:100])
                       for p in files if p is not xml_part]
        flag = next((p.value for p in parts if p.name == INCOMPLETE_FIELD and p.stream is None), b"")
        incomplete = flag.decode("utf-8", "replace").strip().lower() in ("yes", "true", "1")
        for p in files:  # spooled into the blob store: its fsyncs start now, while the request is checked
            start_sync = getattr(p.stream, "start_sync", None)
            if start_sync is not None:
                start_sync()
        return SubmissionUpload(xml=xml, attachments=attachments, incomplete=incomplete, xml_stream=xml_part.stream,
                                _files=parts)
    except BaseException:
        for p in parts:
            p.close()
        raise
