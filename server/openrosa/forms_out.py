"""OpenRosa forms out: formList, form download, manifest, media download.

Each route is registered at ``/rule`` and ``/key/<token>/rule``; the URLs it
hands out keep the ``/key/<token>`` prefix the phone came in with.
"""
from __future__ import annotations

import hashlib

from flask import request, send_file, url_for

from server.db import unit_of_work
from server.forms import delivery
from server.openrosa.protocol import openrosa_route, phone_user, xml_response
from server.openrosa.xml_lists import FormEntry, MediaEntry, form_list_xml, manifest_xml

XML = "text/xml; charset=utf-8"


def _url(endpoint: str, token: str | None, **values) -> str:
    """An absolute URL of one of our routes, through the phone's token prefix when it used one."""
    if token is not None:
        return url_for(f"openrosa.{endpoint}_key", token=token, _external=True, **values)
    return url_for(f"openrosa.{endpoint}", _external=True, **values)


def _conditional(body: bytes, etag: str, content_type: str = XML):
    response = xml_response(body, content_type=content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"  # revalidate every time, cheaply (304)
    return response.make_conditional(request)


@openrosa_route("/formList")
def form_list(token=None):
    form_id = request.args.get("formID") or None
    with unit_of_work():
        user = phone_user()
        entries = [FormEntry(form_id=form.xml_form_id, name=version.title or form.title, version=version.version,
                             md5=version.xform_md5,
                             download_url=_url("form_download", token, xml_form_id=form.xml_form_id),
                             manifest_url=(_url("form_manifest", token, xml_form_id=form.xml_form_id)
                                           if delivery.wants_manifest(version) else None))
                   for form, version in delivery.phone_forms(user, form_id)]
    return xml_response(form_list_xml(entries))


@openrosa_route("/forms/<xml_form_id>/form.xml")
def form_download(xml_form_id: str, token=None):
    with unit_of_work():
        version, data = delivery.phone_xform(phone_user(), xml_form_id)
    return _conditional(data, version.xform_md5, content_type="text/xml; charset=utf-8")


@openrosa_route("/forms/<xml_form_id>/manifest")
def form_manifest(xml_form_id: str, token=None):
    with unit_of_work():
        media = delivery.phone_media_list(phone_user(), xml_form_id)
        entries = [MediaEntry(filename=m.filename, md5=m.md5, entity_list=m.entity_list,
                              download_url=_url("form_media", token, xml_form_id=xml_form_id, filename=m.filename))
                   for m in media]
    body = manifest_xml(entries)
    return _conditional(body, hashlib.md5(body).hexdigest())


# <path:…> so a name with slashes still reaches us (and gets an OpenRosa 400, not a bare 404)
@openrosa_route("/forms/<xml_form_id>/media/<path:filename>")
def form_media(xml_form_id: str, filename: str, token=None):
    with unit_of_work():
        media, stream = delivery.phone_media(phone_user(), xml_form_id, filename)
        md5, content_type, name = media.md5, media.content_type, media.filename
    return send_file(stream, mimetype=content_type, download_name=name, etag=md5, conditional=True, max_age=0)
