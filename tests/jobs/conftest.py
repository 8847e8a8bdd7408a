from tests.reports.conftest import app, field, make_household, registry, scores  # noqa: F401
