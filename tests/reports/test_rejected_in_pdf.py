"""A visit a supervisor rejected stays in the PDF visit log, marked with the comment, and is not counted."""
from __future__ import annotations

from sqlalchemy import select

from server.accounts.models import User
from server.db import get_session, unit_of_work
from server.review.service import set_state
from server.submissions.models import Submission
from tests.reports.conftest import pdf_text
from tests.scoring.conftest import build_instance

ANSWERS = {"talk_done": "yes", "measures_done": "yes", "data_done": "yes", "env_done": "yes", "problems_found": "no"}


def test_a_rejected_visit_is_marked_and_not_counted(field, client, api_token, make_user):
    for talk in ("第一次谈心", "第二次谈心"):
        [resp] = field.phone.send(build_instance(field.xforms["four_ones_visit"],
                                                 {"household": "H11A", **ANSWERS, "talk_what": talk}))
        assert resp.status_code == 201, resp.data
    staff = api_token("t1_staff")
    before = pdf_text(client.get("/api/v1/households/H11A/visits.pdf", headers=staff).data)
    assert "走访记录（2 次）" in before and "不计入" not in before

    sup = make_user("supervisor", "T1")
    with field.app.app_context(), unit_of_work():
        session = get_session()
        second = session.scalars(select(Submission).order_by(Submission.id)).all()[1]
        set_state(second.id, "rejected", actor=session.scalar(select(User).where(User.username == sup)),
                  comment="照片与上次走访相同")
    text = pdf_text(client.get("/api/v1/households/H11A/visits.pdf", headers=staff).data)
    assert "走访记录（1 次，另有 1 次被督查退回）" in text
    assert "【已退回，不计入走访次数】" in text and "督查意见：照片与上次走访相同" in text
    assert "第一次谈心" in text and "第二次谈心" in text  # the rejected visit is still there, marked
    assert text.count("【已退回") == 1
