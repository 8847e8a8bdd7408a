"""What the Web Forms pages show: a cadre's forms, one form's limitations and missing media."""
from __future__ import annotations

from dataclasses import dataclass, field

from server.forms import delivery
from server.forms.media import media_status
from server.forms.models import Form, FormVersion
from server.forms.service import get_xform_bytes
from server.webforms.support import limitations


@dataclass
class WebForm:
    form: Form
    version: FormVersion
    limitations: list[str]
    missing_media: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.version.title or self.form.title


def missing_media(version: FormVersion) -> list[str]:
    """Files the XForm refers to that nobody uploaded (households.csv is made per cadre, never missing)."""
    return [m["filename"] for m in media_status(version) if m["expected"] and m["media"] is None and not m["server"]]


def web_form(form: Form, version: FormVersion) -> WebForm:
    return WebForm(form, version, limitations(get_xform_bytes(version)), missing_media(version))


def cadre_forms(user) -> list[WebForm]:
    return [web_form(form, version) for form, version in delivery.phone_forms(user)]


def cadre_form(user, xml_form_id: str) -> WebForm:
    version = delivery.phone_version(user, xml_form_id)  # 404 / 410 as for Collect
    return web_form(version.form, version)
