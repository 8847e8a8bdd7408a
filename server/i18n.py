"""Chinese by default, English on request (?lang=en, remembered in a cookie).

Message ids are the Chinese text; each domain package may carry
``translations/en/LC_MESSAGES/messages.po``. The .po files are compiled to .mo
at start-up when missing or older, so no build step is needed.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request

LOCALES = ("zh", "en")


def translation_dirs() -> list[str]:
    root = Path(__file__).resolve().parent
    return sorted(str(p) for p in root.glob("**/translations") if p.is_dir())


def compile_catalogs(dirs: list[str]) -> None:
    for d in dirs:
        for po in Path(d).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                with po.open("rb") as f:
                    catalog = read_po(f)
                tmp = mo.with_suffix(".mo.tmp")
                with tmp.open("wb") as f:
                    write_mo(f, catalog)
                tmp.replace(mo)


def select_locale() -> str:
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LOCALES:
        return lang
    return "zh"


def init_app(app) -> None:
    from server.extensions import babel

    dirs = translation_dirs()
    compile_catalogs(dirs)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(dirs)
    app.config["BABEL_DEFAULT_LOCALE"] = "zh"
    babel.init_app(app, locale_selector=select_locale)
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale  # base.html picks <html lang> and the switch link by it

    @app.after_request
    def _remember_lang(response):
        lang = request.args.get("lang")
        if lang in LOCALES:
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax")
        return response
