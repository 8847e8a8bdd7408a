"""Routes of the draft preview (survey designers, logged in): the page, the draft's XForm and media,
and test submissions (CSRF checked from the X-CSRFToken header, so the multipart body streams unread)."""
from __future__ import annotations

from flask import Response, current_app, render_template, request, send_file, url_for
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from server.accounts.auth import current_user, login_required
from server.db import unit_of_work
from server.extensions import csrf
from server.forms.media import clean_media_name
from server.errors import DomainError
from server.openrosa.protocol import error_response, openrosa_message
from server.submissions.upload import read_submission
from server.webforms import assets, csp, preview
from server.webforms.views import bp


@bp.get("/forms/<xml_form_id>/draft/preview")
@login_required
def draft_preview(xml_form_id: str):
    with unit_of_work():
        web_form, tests = preview.preview(xml_form_id, actor=current_user())
        urls = {
            "form": url_for("webforms.draft_form_xml", xml_form_id=xml_form_id),
            "media": url_for("webforms.draft_media", xml_form_id=xml_form_id, filename="x")[:-1],
            "submit": url_for("webforms.draft_submission", xml_form_id=xml_form_id),
            "back": url_for("forms.show", form_id=xml_form_id),
        }
        return render_template("webforms/fill.html", web_form=web_form, urls=urls, preview=True, tests=tests,
                               installed=assets.installed(), nonce=csp.nonce())


@bp.get("/forms/<xml_form_id>/draft/form.xml")
@login_required
def draft_form_xml(xml_form_id: str):
    with unit_of_work():
        data = preview.draft_xform(xml_form_id, actor=current_user())
    return Response(data, content_type="text/xml; charset=utf-8", headers={"Cache-Control": "no-store"})


@bp.get("/forms/<xml_form_id>/draft/media/<path:filename>")
@login_required
def draft_media(xml_form_id: str, filename: str):
    with unit_of_work():
        data, content_type = preview.draft_media(xml_form_id, clean_media_name(filename), actor=current_user())
    if isinstance(data, bytes):
        return Response(data, content_type=content_type, headers={"Cache-Control": "no-store"})
    return send_file(data, mimetype=content_type, max_age=0)


@csrf.exempt
@bp.post("/forms/<xml_form_id>/draft/submission")
@login_required
def draft_submission(xml_form_id: str):
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except (ValidationError, CSRFError):
        return openrosa_message("页面已过期，请刷新预览页后重新发送", status=400, nature="error")
    config = current_app.config["ZOUFANG"]
    try:
        with read_submission(request.environ, max_bytes=config.submission_max_bytes,
                             body_timeout=config.body_timeout) as upload, unit_of_work():
            preview.store_test_submission(xml_form_id, upload, actor=current_user())
    except DomainError as exc:  # shown by the page like an OpenRosa refusal
        return error_response(exc)
    return openrosa_message("测试记录已保存（不计入正式数据，发布时删除）", status=201, nature="submit_success")
