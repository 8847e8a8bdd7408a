"""The few node_modules files the Web Forms page loads, served by name from an allowlist.

No directory listing and no paths from the request: a name either is a key of
``allowed_assets()`` or the answer is 404.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
WEB_FORMS_DIST = NODE_MODULES / "@getodk" / "web-forms" / "dist"
VUE_BROWSER = NODE_MODULES / "vue" / "dist" / "vue.runtime.esm-browser.prod.js"

# What the import map names: the page imports these two; web-forms' chunks import each other relatively.
VUE = "vue.js"
WEB_FORMS = "web-forms/index.js"


@lru_cache(maxsize=1)
def allowed_assets() -> dict[str, Path]:
    """URL name → file: Vue's browser ES build and the JavaScript files of web-forms' dist."""
    out: dict[str, Path] = {}
    if VUE_BROWSER.is_file():
        out[VUE] = VUE_BROWSER
    if WEB_FORMS_DIST.is_dir():
        for path in sorted(WEB_FORMS_DIST.glob("*.js")):
            out[f"web-forms/{path.name}"] = path
    return out


def installed() -> bool:
    assets = allowed_assets()
    return VUE in assets and WEB_FORMS in assets


def asset_path(name: str) -> Path | None:
    return allowed_assets().get(name)
