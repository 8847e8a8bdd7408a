"""Every blueprint, registered in one place."""
from __future__ import annotations

from importlib import import_module

from server.extensions import csrf

# (module, attribute) of each blueprint; API blueprints authenticate by token and skip CSRF.
UI_BLUEPRINTS = [
    ("server.core.views", "bp"),
    ("server.accounts.views", "bp"),
    ("server.accounts.phone_views", "bp"),
    ("server.areas.views", "bp"),
    ("server.households.views", "bp"),
    ("server.forms.views", "bp"),
    ("server.submissions.views", "bp"),
    ("server.audit.views", "bp"),
    ("server.households.file_views", "bp"),
    ("server.households.assign_views", "bp"),
    ("server.poverty.views", "bp"),
    ("server.ledger.views", "bp"),
    ("server.webforms.views", "bp"),
    ("server.reports.views", "bp"),
    ("server.jobs.views", "bp"),
    ("server.review.views", "bp"),
    ("server.evidence.views", "bp"),
]
API_BLUEPRINTS = [
    ("server.core.api", "bp"),
    ("server.accounts.api", "bp"),
    ("server.areas.api", "bp"),
    ("server.households.api", "bp"),
    ("server.forms.api", "bp"),
    ("server.submissions.api", "bp"),
    ("server.audit.api", "bp"),
    ("server.households.file_api", "bp"),
    ("server.households.assign_api", "bp"),
    ("server.poverty.api", "bp"),
    ("server.ledger.api", "bp"),
    ("server.reports.api", "bp"),
    ("server.jobs.api", "bp"),
    ("server.review.api", "bp"),
    ("server.evidence.api", "bp"),
    # OpenRosa (ODK Collect): authenticated by path token or HTTP Basic, no cookies, no CSRF
    ("server.openrosa.views", "bp"),
]


def _load(module: str, attr: str):
    try:
        mod = import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:  # a domain without that transport yet
            return None
        raise
    return getattr(mod, attr)


def register_blueprints(app) -> None:
    for module, attr in UI_BLUEPRINTS:
        bp = _load(module, attr)
        if bp is not None:
            app.register_blueprint(bp)
    for module, attr in API_BLUEPRINTS:
        bp = _load(module, attr)
        if bp is not None:
            csrf.exempt(bp)
            app.register_blueprint(bp)
