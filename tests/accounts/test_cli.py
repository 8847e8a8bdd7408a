"""zoufang user create | list | token | set-password | deactivate, with their exit codes."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.accounts.models import User
from server.db import get_session
from tests.conftest import csrf_from


def _count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count(User.id)))


def _can_log_in(app, username, password) -> bool:
    c = app.test_client()
    page = c.get("/login")
    return c.post("/login", data={"username": username, "password": password,
                                  "csrf_token": csrf_from(page.data)}).status_code == 302


def test_create_with_password_from_stdin_then_list_and_log_in(app, runner, areas):
    result = runner.invoke(args=["user", "create", "li", "--role", "township", "--area", "T1", "--area", "T2",
                                 "--name", "李站长", "--password-stdin"], input="stdin-password\n")
    assert result.exit_code == 0, result.output
    assert "li" in result.output
    listed = runner.invoke(args=["user", "list"])
    assert listed.exit_code == 0
    [line] = [ln for ln in listed.output.splitlines() if ln.startswith("li ")]
    assert line.split()[:4] == ["li", "township", "active", "T1,T2"]
    assert _can_log_in(app, "li", "stdin-password")


def test_create_prompts_for_the_password_when_not_given(app, runner, areas):
    result = runner.invoke(args=["user", "create", "zhao", "--role", "cadre", "--area", "V11"],
                           input="prompted-pass\nprompted-pass\n")
    assert result.exit_code == 0, result.output
    assert _can_log_in(app, "zhao", "prompted-pass")


@pytest.mark.parametrize("args,code,message", [
    (["--role", "emperor", "--area", "V11"], 9, "未知角色"),
    (["--role", "cadre", "--area", "NOPE"], 9, "找不到区划代码"),
    (["--role", "cadre", "--area", "V11", "--password", "short"], 9, "密码至少 8 位"),
    (["--role", "cadre"], 2, "--area"),
])
def test_create_refuses_bad_input_with_an_exit_code(app, runner, areas, args, code, message):
    before = _count(app)
    pw = [] if "--password" in args else ["--password", "long-enough-pw"]
    result = runner.invoke(args=["user", "create", "newbie", *args, *pw])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert _count(app) == before


def test_create_duplicate_username_exits_6(app, runner, make_user):
    make_user("cadre", "V11", username="dup")
    result = runner.invoke(args=["user", "create", "dup", "--role", "cadre", "--area", "V11",
                                 "--password", "long-enough-pw"])
    assert result.exit_code == 6
    assert "用户名已存在" in result.output


def test_token_prints_a_working_secret_once(app, runner, make_user):
    name = make_user("supervisor", "T1")
    result = runner.invoke(args=["user", "token", name, "--name", "nightly"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert secret.startswith("zf_")
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json["username"] == name
    assert runner.invoke(args=["user", "token", "ghost"]).exit_code == 5


def test_set_password_and_deactivate(app, runner, make_user):
    name = make_user("cadre", "V11")
    result = runner.invoke(args=["user", "set-password", name, "--password-stdin"], input="changed-by-cli\n")
    assert result.exit_code == 0, result.output
    assert _can_log_in(app, name, "changed-by-cli")
    weak = runner.invoke(args=["user", "set-password", name, "--password-stdin"], input="tiny\n")
    assert weak.exit_code == 9
    result = runner.invoke(args=["user", "deactivate", name])
    assert result.exit_code == 0
    assert not _can_log_in(app, name, "changed-by-cli")
    assert "inactive" in runner.invoke(args=["user", "list"]).output
    assert runner.invoke(args=["user", "deactivate", "ghost"]).exit_code == 5


def test_list_filters_and_bad_filter(app, runner, make_user):
    make_user("cadre", "V21", username="west")
    make_user("admin", "C", username="boss")
    out = runner.invoke(args=["user", "list", "--area", "T2"]).output
    assert "west" in out and "boss" not in out
    out = runner.invoke(args=["user", "list", "--role", "admin"]).output
    assert "boss" in out and "west" not in out
    assert runner.invoke(args=["user", "list", "--area", "NOPE"]).exit_code == 5
