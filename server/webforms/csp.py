"""The Content-Security-Policy of the Web Forms pages (and only those).

Web Forms compiles its XPath engine from WebAssembly ('wasm-unsafe-eval'),
fetches that wasm from a data: URL (connect-src data:), injects its CSS at run
time ('unsafe-inline' styles), shows photos as blob: URLs and shrinks them in
blob:/data: workers (image-blob-reduce). The one inline
script, the import map, carries a per-response nonce.
"""
from __future__ import annotations

import secrets

from flask import g


def nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def policy(script_nonce: str) -> str:
    return "; ".join([
        "default-src 'none'",
        f"script-src 'self' 'nonce-{script_nonce}' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self' data:",
        "worker-src blob: data:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ])


def protect(response):
    """Set the policy on a Web Forms page; the page's URL may carry a phone token, so send no referrer."""
    response.headers["Content-Security-Policy"] = policy(nonce())
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
