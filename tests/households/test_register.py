"""The village register (村有册), its spreadsheet, and the township book (乡有簿): counts, scope, queries."""
from __future__ import annotations

import io
import re
import threading
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select, update

from server.accounts.permissions import SYSTEM
from server.areas.models import Area
from server.db import get_session, unit_of_work
from server.households.assignments import assign_households
from server.households.models import Household
from server.households.register import Month, township_book, village_register
from server.submissions.models import Submission
from tests.households.test_entity_list import _visit, phones  # noqa: F401
from tests.households.test_file import submission_id
from tests.openrosa.submit_client import app  # noqa: F401

ID_NUMBER = re.compile(r"\d{17}[\dX]|\*{6,}")


def _move(app, instance_id: str, days_back: int) -> None:
    """Date a visit back (as if sent ``days_back`` days before the start of this month)."""
    when = Month.of().start - timedelta(days=days_back)
    with app.app_context(), unit_of_work():
        get_session().execute(update(Submission).where(Submission.id == submission_id(instance_id))
                              .values(received_at=when))


@pytest.fixture
def visits(app, phones):
    """This month: H11A twice (cadre_a), H21A once (cadre_b). Last month: H11A once, H11B once. H12A never."""
    phones.submit["cadre_a"].send(_visit("H11A", "uuid:a-now-1"))
    phones.submit["cadre_a"].send(_visit("H11A", "uuid:a-now-2"))
    phones.submit["cadre_a"].send(_visit("H11A", "uuid:a-last-month"))
    phones.submit["cadre_a2"].send(_visit("H11B", "uuid:b-last-month"))
    phones.submit["cadre_b"].send(_visit("H21A", "uuid:w-now"))
    _move(app, "uuid:a-last-month", 3)
    _move(app, "uuid:b-last-month", 10)
    return phones


def _rows(data):
    return {r["code"]: r for r in data["households"]}


def test_register_counts_visits_this_month_and_the_last_visit(client, api_token, visits):
    resp = client.get("/api/v1/areas/V11/register", headers=api_token("t1_staff"))
    assert resp.status_code == 200
    data = resp.json
    assert (data["village_name"], data["month"]) == ("东一村", Month.of().label)
    rows = _rows(data)
    assert list(rows) == ["H11A", "H11B"]
    assert (rows["H11A"]["visits_in_month"], rows["H11A"]["visits_total"], rows["H11A"]["helpers"]) == \
        (2, 3, ["cadre_a"])
    assert (rows["H11B"]["visits_in_month"], rows["H11B"]["visits_total"], rows["H11B"]["members"]) == (0, 1, 3)
    assert rows["H11A"]["last_visit"][:7] == Month.of().label
    last_month = (Month.of().first - timedelta(days=1)).strftime("%Y-%m")
    assert rows["H11B"]["last_visit"][:7] == last_month
    # the same register for last month
    rows = _rows(client.get(f"/api/v1/areas/V11/register?month={last_month}", headers=api_token("t1_staff")).json)
    assert (rows["H11A"]["visits_in_month"], rows["H11B"]["visits_in_month"]) == (1, 1)


def test_register_page_on_the_web(client, login, visits):
    login("t1_staff")
    page = client.get("/areas/V11/register").get_data(as_text=True)
    assert "东一村 · 村有册" in page and "共 2 户" in page and "已走访 1 户" in page
    assert 'href="/households/H11A"' in page and "从未走访" not in page
    assert "/api/v1/areas/V11/register.xlsx?month=" in page
    v12 = client.get("/areas/V12/register").get_data(as_text=True)
    assert "李三" in v12 and "从未走访" in v12


def test_a_cadres_register_is_their_own_households(client, login, api_token, visits):
    rows = _rows(client.get("/api/v1/areas/V11/register", headers=api_token("cadre_a")).json)
    assert list(rows) == ["H11A"]
    assert client.get("/api/v1/areas/V21/register", headers=api_token("cadre_a")).status_code == 404
    login("cadre_a2")
    page = client.get("/areas/V11/register").get_data(as_text=True)
    assert "H11B" in page and "H11A" not in page


def test_scope_and_levels(client, api_token, make_user, visits):
    make_user("supervisor", "T2", username="inspector")
    t1 = api_token("t1_staff")
    assert client.get("/api/v1/areas/V21/register", headers=t1).status_code == 404
    assert client.get("/api/v1/areas/T2/book", headers=t1).status_code == 404
    assert client.get("/api/v1/areas/NOPE/book", headers=t1).status_code == 404
    assert client.get("/api/v1/areas/T1/register", headers=t1).json["error"]["code"] == "wrong_area_level"
    assert client.get("/api/v1/areas/V11/book", headers=t1).status_code == 422
    assert client.get("/api/v1/areas/V11/register?month=2025-13", headers=t1).status_code == 422
    inspector = api_token("inspector")
    assert list(_rows(client.get("/api/v1/areas/V21/register", headers=inspector).json)) == ["H21A"]
    assert client.get("/api/v1/areas/V11/register", headers=inspector).status_code == 404


def test_the_township_book_counts_per_village(client, api_token, visits):
    book = client.get("/api/v1/areas/T1/book", headers=api_token("t1_staff")).json
    villages = {v["village"]: v for v in book["villages"]}
    assert list(villages) == ["V11", "V12"]
    v11, v12 = villages["V11"], villages["V12"]
    assert (v11["households"], v11["by_category"], v11["visited_in_month"], v11["visits_in_month"],
            v11["never_visited"]) == (2, {"poor": 2}, 1, 2, 0)
    assert (v12["households"], v12["visited_in_month"], v12["visits_in_month"], v12["never_visited"]) == (1, 0, 0, 1)
    assert book["totals"]["households"] == 3 and book["totals"]["visits_in_month"] == 2
    assert book["categories"] == ["poor"] and book["category_labels"] == {"poor": "贫困户"}
    county = client.get("/api/v1/areas/C/book", headers=api_token("boss")).json
    assert [v["village"] for v in county["villages"]] == ["V11", "V12", "V21"]
    assert county["categories"] == ["poor", "edge"]
    v21 = county["villages"][2]
    assert (v21["by_category"], v21["visited_in_month"], v21["visits_in_month"]) == ({"edge": 1}, 1, 1)
    assert county["totals"]["households"] == 4 and county["totals"]["never_visited"] == 1


def test_a_cadres_book_counts_only_their_households(client, api_token, make_user, app, visits):
    make_user("cadre", "T1", username="roaming")
    with app.app_context(), unit_of_work():
        assign_households("roaming", actor=SYSTEM, codes=["H12A"])
    book = client.get("/api/v1/areas/T1/book", headers=api_token("roaming")).json
    assert [(v["village"], v["households"], v["never_visited"]) for v in book["villages"]] == [("V12", 1, 1)]


def test_book_page_links_each_village_register(client, login, visits):
    login("t1_staff")
    page = client.get("/areas/T1/book").get_data(as_text=True)
    assert "东乡 · 乡有簿" in page and 'href="/areas/V11/register"' in page and "合计" in page
    assert "西一村" not in page
    english = client.get("/areas/T1/book?lang=en").get_data(as_text=True)
    assert "Township book" in english and "Never visited" in english


def test_the_register_spreadsheet_has_every_household_and_no_id_numbers(client, api_token, visits):
    resp = client.get("/api/v1/areas/V11/register.xlsx", headers=api_token("boss"))
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.active
    assert ws.title == "东一村村有册"
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][:3] == ["序号", "户编号", "户主姓名"] and "身份证号" not in rows[0]
    assert [r[1:7] for r in rows[1:]] == [["H11A", "王一", None, 1, "贫困户", "cadre_a"],
                                         ["H11B", "王二", None, 3, "贫困户", "cadre_a2"]]
    assert [r[8:10] for r in rows[1:]] == [[2, 3], [0, 1]]
    assert [r[10:] for r in rows[1:]] == [[0, None], [0, None]]  # no problems raised, no scoring sheet
    assert isinstance(rows[1][7], str) and rows[1][7].startswith(Month.of().label)
    assert not any(ID_NUMBER.search(str(cell)) for row in rows for cell in row if cell is not None)


def _statements(app, read) -> tuple[int, int]:
    """(rows read, SQL statements run) for ``read()`` called in a fresh app context — this thread's only:
    the evidence-check thread may be at work on the fixture's visits meanwhile."""
    statements = []
    engine = app.extensions["zoufang_engine"]
    me = threading.get_ident()

    def listener(*args):
        if threading.get_ident() == me:
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        with app.app_context():
            rows = read()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return rows, len(statements)


def _register_rows():
    return len([(r.household.code, r.household.group, r.helpers, r.members)
                for r in village_register("V11", actor=SYSTEM).rows])


def _book_rows():
    return sum(r.households for r in township_book("C", actor=SYSTEM).rows)


def test_register_and_book_take_the_same_number_of_queries_for_4_or_64_households(app, make_household, visits):
    def in_group(codes):
        with app.app_context(), unit_of_work():
            group = get_session().scalar(select(Area.id).where(Area.code == "G111"))
            get_session().execute(update(Household).where(Household.code.in_(codes)).values(group_id=group))

    in_group(["H11A"])
    few = _statements(app, _register_rows), _statements(app, _book_rows)
    codes = [make_household(f"H11X{n:02d}", "V11", head=f"张{n}", members=2) for n in range(60)]
    in_group(codes)
    with app.app_context(), unit_of_work():
        assign_households("cadre_a2", actor=SYSTEM, codes=codes)
    many = _statements(app, _register_rows), _statements(app, _book_rows)
    assert [rows for rows, _ in few] == [2, 4] and [rows for rows, _ in many] == [62, 64]
    assert [n for _, n in many] == [n for _, n in few]


def test_month_bounds_are_china_time():
    month = Month.of(date(2025, 3, 17))
    assert (month.label, month.start.isoformat(), month.end.isoformat()) == \
        ("2025-03", "2025-02-28T16:00:00", "2025-03-31T16:00:00")
    assert Month.of(date(2025, 12, 5)).end.isoformat() == "2025-12-31T16:00:00"


def test_the_households_page_lists_areas_for_staff_and_own_households_for_cadres(client, login, make_user, visits):
    login("t1_staff")
    page = client.get("/households").get_data(as_text=True)
    assert 'href="/households"' in page  # the nav link
    assert 'href="/areas/T1/book"' in page and 'href="/areas/V12/register"' in page and "西乡" not in page
    found = client.get("/households?q=王").get_data(as_text=True)
    assert 'href="/households/H11A"' in found and 'href="/households/H11B"' in found and "H12A" not in found
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    login("cadre_a")
    own = client.get("/households").get_data(as_text=True)
    assert 'href="/households/H11A"' in own and "H11B" not in own and "/book" not in own


def test_designers_see_no_household_pages(client, login, make_user, visits):
    make_user("designer", "C", username="designer1")
    login("designer1")
    assert 'href="/households"' not in client.get("/").get_data(as_text=True)
    assert client.get("/households").status_code == 403
    assert client.get("/areas/V11/register").status_code == 403
