"""Helpers for the accounts tests: look users up, post forms with their CSRF token, an app with a low login limit."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from server import create_app
from server.accounts.models import User
from server.db import get_session
from tests.conftest import csrf_from


def user_id(app, username: str) -> int:
    with app.app_context():
        return get_session().scalar(select(User.id).where(User.username == username))


def post_form(client, page_url: str, action_url: str, data: dict, **kwargs):
    """GET the page, take its CSRF token, POST the form."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action_url, data={**data, "csrf_token": csrf_from(page.data)}, **kwargs)


@pytest.fixture
def limited_app(app, database_url, tmp_path):
    """A second app on the same database whose login limit is 3 failures per minute (``app`` cleans up)."""
    other = create_app({
        "database_url": database_url, "data_dir": tmp_path / "data2", "exports_dir": tmp_path / "exports2",
        "secret_key": "test-secret", "testing": True, "login_rate_limit": "3 per minute",
        "odk_validate": os.environ.get("ZOUFANG_ODK_VALIDATE", "auto"),
    })
    yield other
    other.extensions["zoufang_engine"].dispose()
