from sqlalchemy import select

from server.accounts.models import User
from server.accounts.permissions import SYSTEM
from server.accounts.phones import issue_phone_token, revoke_phone_token, user_for_phone_token
from server.db import get_session, unit_of_work
from server.errors import Forbidden


def _user(name):
    return get_session().scalar(select(User).where(User.username == name))


def test_a_new_token_replaces_the_old_and_revoking_locks_out(app, make_user):
    cadre = make_user("cadre", "V11")
    with app.app_context(), unit_of_work():
        first = issue_phone_token(_user(cadre), actor=SYSTEM).token
        second = issue_phone_token(_user(cadre), actor=SYSTEM).token
        assert user_for_phone_token(first) is None
        assert user_for_phone_token(second).username == cadre
        revoke_phone_token(_user(cadre), actor=SYSTEM)
        assert user_for_phone_token(second) is None


def test_only_an_admin_of_the_area_may_issue_for_another_user(app, make_user):
    cadre = make_user("cadre", "V21")
    other_admin = make_user("admin", "T1")
    with app.app_context(), unit_of_work():
        try:
            issue_phone_token(_user(cadre), actor=_user(other_admin))
        except Forbidden:
            pass
        else:
            raise AssertionError("an admin of T1 issued a phone token for a cadre of T2")
