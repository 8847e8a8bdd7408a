"""HTTP responses for a submission's files, shared by the pages and the API."""
from __future__ import annotations

from flask import Response, send_file

from server.submissions.queries import served_type


def attachment_response(att, stream) -> Response:
    """A photo or audio inline, anything else as a download; never sniffed into a page."""
    content_type, inline = served_type(att.content_type)
    resp = send_file(stream, mimetype=content_type, download_name=att.name, as_attachment=not inline,
                     etag=att.sha256, conditional=True)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def xml_download(data: bytes, submission_id: int) -> Response:
    return Response(data, content_type="text/xml; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=submission-{submission_id}.xml",
                             "X-Content-Type-Options": "nosniff"})
