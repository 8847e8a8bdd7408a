"""zoufang: household-visit survey server for poverty-alleviation work."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from server.config import ROOT, Config


def create_app(overrides: dict | None = None) -> Flask:
    """config → extensions → blueprints → errors → CLI."""
    import server.models  # noqa: F401  every mapper known before the first query, whatever a worker imports
    cfg = Config.from_env().with_overrides(overrides).finalised()
    Path(cfg.data_dir).mkdir(parents=True, exist_ok=True)
    Path(cfg.exports_dir).mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "server" / "static"))
    app.config.update(
        ZOUFANG=cfg,
        SECRET_KEY=cfg.secret_key,
        TESTING=cfg.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The largest body any route accepts; routes check their own smaller limits.
        MAX_CONTENT_LENGTH=max(cfg.xlsform_max_bytes, cfg.media_max_bytes, cfg.import_max_bytes),
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=cfg.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )

    from server import db, errors, i18n
    from server.extensions import csrf, limiter
    from server.storage import blobs

    db.init_app(app)
    blobs.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from server.blueprints import register_blueprints

    register_blueprints(app)
    errors.init_app(app)

    from server.cli import register_cli

    register_cli(app)
    if cfg.proxy_hops:  # behind nginx: the client's address, scheme and host come from the proxies' headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=cfg.proxy_hops, x_proto=cfg.proxy_hops, x_host=cfg.proxy_hops)
    return app
