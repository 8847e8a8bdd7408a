"""Reading a submission's multipart body: streamed to temporary files, never held whole in memory.

Werkzeug's multipart parser writes each file part to a temporary file (kept in
memory only below 500 KB) — or, given ``new_spool``, to a file of the blob store's tmp
folder hashed as it is written, which the store then moves into place instead of copying.
The whole body is read and checked before anything is stored, so a truncated or oversize
body leaves nothing behind (the parts' temporary files go when the upload is closed).

- a body over ``max_bytes`` → 413 (``TooLarge``), whether or not it declared its length;
- more than ``max_parts`` parts → 400; a truncated or malformed body → 400;
- no ``xml_submission_file`` part → 400; an instance over ``MAX_XML_BYTES`` → 413;
- a client that stops sending for ``body_timeout`` seconds → 408 (``RequestTimeout``), instead of
  holding a gunicorn sync worker until its own --timeout kills it. The timeout is set on the
  connection's socket (``gunicorn.socket``, or ``werkzeug.socket`` under the dev server) while the
  body is read; like nginx's ``client_body_timeout`` it bounds the wait between two reads.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Callable

from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.formparser import MultiPartParser
from werkzeug.http import parse_options_header
from werkzeug.wsgi import get_content_length, get_input_stream

from server.errors import BadRequest, RequestTimeout, TooLarge
from server.uploads import human_mb

XML_PART = "xml_submission_file"
INCOMPLETE_FIELD = "*isIncomplete*"
MAX_PARTS = 1000
MAX_XML_BYTES = 10 * 1024 * 1024
# Werkzeug's decoder checks max_form_memory_size against (bytes held back + the new read) for every
# part, files included, and holds bytes back whenever a read ends near a CR or LF (a boundary may
# start there; JPEG data has them at random). So the limit must exceed the read size with room to
# spare, or photo uploads are refused depending on where the reads happen to fall.
READ_BYTES = 64 * 1024
MAX_FIELD_BYTES = 256 * 1024


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
    _files: list[FileStorage] = field(default_factory=list, repr=False)

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


def _parse(environ, max_bytes: int, max_parts: int, body_timeout: float | None,
           new_spool: Callable[[], IO[bytes]] | None = None):
    mimetype, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    if mimetype != "multipart/form-data" or not options.get("boundary"):
        raise BadRequest("提交格式不正确：需要 multipart/form-data", "A submission must be multipart/form-data",
                         code="not_multipart")
    length = get_content_length(environ)
    if length is not None and length > max_bytes:
        raise too_large(max_bytes)
    spools: list[IO[bytes]] = []  # every part file made, closed (so removed) when the body is refused

    def factory(**_part) -> IO[bytes]:
        spools.append(new_spool())
        return spools[-1]

    parser = MultiPartParser(stream_factory=factory if new_spool is not None else None,
                             max_form_memory_size=MAX_FIELD_BYTES, max_form_parts=max_parts, buffer_size=READ_BYTES)
    try:
        try:
            with _socket_timeout(environ, body_timeout) as timed_environ:
                body = _Body(get_input_stream(timed_environ, max_content_length=max_bytes))
                return parser.parse(body, options["boundary"].encode("latin-1"), length)
        except BaseException:
            for spool in spools:
                spool.close()
            raise
    except _BodyTimeout as exc:
        raise body_timed_out(body_timeout) from exc
    except _BodyTooLarge as exc:
        raise too_large(max_bytes) from exc
    except RequestEntityTooLarge as exc:  # the parser's own limits: part count or a huge plain field
        raise BadRequest(f"提交内容的部分过多（上限 {max_parts} 个）或字段过大",
                         f"Too many parts (limit {max_parts}) or an oversize field", code="too_many_parts") from exc
    except (ValueError, ClientDisconnected) as exc:
        raise BadRequest("上传数据不完整或格式错误，请重新发送", "The upload is truncated or malformed; send it again",
                         code="bad_multipart") from exc


def read_submission(environ, *, max_bytes: int, max_parts: int = MAX_PARTS, body_timeout: float | None = None,
                    new_spool: Callable[[], IO[bytes]] | None = None) -> SubmissionUpload:
    """The instance XML (bytes) and the attachment parts of a submission request body.

    ``new_spool``: where each file part is written while it is received (default: Werkzeug's
    temporary files); the blob store's ``new_spool`` lets ingest place parts without copying them."""
    form, files = _parse(environ, max_bytes, max_parts, body_timeout, new_spool)
    all_files = [f for _, f in files.items(multi=True)]
    try:
        xml_file = files.get(XML_PART)
        if xml_file is None:
            raise BadRequest("缺少表单数据（xml_submission_file）", "The xml_submission_file part is missing",
                             code="no_instance")
        xml = xml_file.stream.read(MAX_XML_BYTES + 1)
        if len(xml) > MAX_XML_BYTES:
            raise TooLarge(f"表单数据过大（上限 {human_mb(MAX_XML_BYTES)}）",
                           f"The instance XML is larger than {human_mb(MAX_XML_BYTES)}", code="instance_too_large")
        attachments = [AttachmentPart(name=f.filename or name, stream=f.stream,
                                      content_type=(f.mimetype or "application/octet-stream")[:100])
                       for name, f in files.items(multi=True) if f is not xml_file]
        incomplete = (form.get(INCOMPLETE_FIELD) or "").strip().lower() in ("yes", "true", "1")
        for f in all_files:  # spooled into the blob store: its fsyncs start now, while the request is checked
            start_sync = getattr(f.stream, "start_sync", None)
            if start_sync is not None:
                start_sync()
        return SubmissionUpload(xml=xml, attachments=attachments, incomplete=incomplete, xml_stream=xml_file.stream,
                                _files=all_files)
    except BaseException:
        for f in all_files:
            f.close()
        raise
