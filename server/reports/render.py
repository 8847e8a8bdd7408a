"""Jinja template (templates/pdf/) → PDF bytes with WeasyPrint, and the start-up check for a CJK font.

Templates are rendered from the app's Jinja environment without context processors (no request is
needed, so a job thread renders the same way as a request). WeasyPrint reads nothing but the
thumbnails handed to its ``BlobFetcher``.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
from datetime import datetime

from flask import current_app

from server.audit.times import CHINA
from server.reports.fetcher import BlobFetcher

log = logging.getLogger(__name__)
FONT_HINT = ("没有找到中文字体，PDF 中的汉字将无法显示。请安装：apt-get install fonts-noto-cjk "
             "/ no CJK font found: PDFs will show no Chinese. Install it: apt-get install fonts-noto-cjk")


def render_html(template: str, **context) -> str:
    context.setdefault("generated", datetime.now(CHINA).strftime("%Y-%m-%d"))
    return current_app.jinja_env.get_template(f"pdf/{template}").render(**context)


def html_document(html: str, thumbnails: dict[str, bytes] | None = None, *, font_config=None, stylesheets=None):
    """The laid-out WeasyPrint document (pages of several can be written as one PDF, fonts embedded once).

    ``font_config``: a WeasyPrint ``FontConfiguration`` to reuse (a render worker keeps one for its life);
    ``stylesheets``: parsed ``CSS`` to apply (a worker passes the templates' stylesheet parsed once, with
    the document's own ``<style>`` taken out by ``split_style``)."""
    from weasyprint import HTML  # imported late: pango is loaded only when a PDF is made

    return HTML(string=html, base_url="zoufang-blob:",
                url_fetcher=BlobFetcher(thumbnails or {})).render(font_config=font_config, stylesheets=stylesheets)


def split_style(html: str) -> tuple[str, str | None]:
    """The HTML without its one ``<style>`` block, and that block's CSS (None when there is not exactly one).

    Passed back as a stylesheet it cascades as before: it then has the user origin, which still wins over
    the user agent's rules, and the templates put no other author styles beside it but style attributes."""
    head, found, rest = html.partition("<style>")
    css, closed, tail = rest.partition("</style>")
    if not found or not closed or "<style" in tail:
        return html, None
    return head + tail, css


def html_to_pdf(html: str, thumbnails: dict[str, bytes] | None = None, *, font_config=None) -> bytes:
    return html_document(html, thumbnails, font_config=font_config).write_pdf()


def render_pdf(template: str, thumbnails: dict[str, bytes] | None = None, **context) -> bytes:
    return html_to_pdf(render_html(template, **context), thumbnails)


def cjk_font_available() -> bool:
    if shutil.which("fc-list") is None:
        return False
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


def check_cjk_font() -> bool:
    """Say clearly what to install when no Chinese font is found; never refuse to start."""
    ok = cjk_font_available()
    if not ok:
        log.warning(FONT_HINT)
        print(FONT_HINT, flush=True)
    return ok
