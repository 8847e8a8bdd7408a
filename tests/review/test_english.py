"""The review pages in English (?lang=en): headings, buttons and labels come from
server/review/translations (and the shared catalogs); no Chinese is left in them but user data."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from server.db import get_session
from server.review.models import Sample
from server.submissions.models import Submission
from tests.conftest import csrf_from
from tests.review.test_review_views import draw, flag

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WATCHED = {"h1", "h2", "h3", "button", "label", "legend"}
SKIPPED = {"select", "option", "textarea", "script", "style"}  # choices and typed values are user data


class Texts(HTMLParser):
    """The text of each heading, button, label and legend (without the options of a select inside a label)."""

    def __init__(self):
        super().__init__()
        self.open: list[list] = []  # [tag, text parts]
        self.skip = 0
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skip += 1
        elif tag in WATCHED:
            self.open.append([tag, []])

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in WATCHED and self.open and self.open[-1][0] == tag:
            t, parts = self.open.pop()
            self.found.append((t, " ".join("".join(parts).split())))

    def handle_data(self, data):
        if not self.skip:
            for _tag, parts in self.open:
                parts.append(data)


def texts(html: str) -> list[tuple[str, str]]:
    p = Texts()
    p.feed(html)
    return p.found


def english(resp, user_data=()) -> dict[str, list[str]]:
    """Tag → texts of a 200 page; fails if any of them still has Chinese once the user data is taken out."""
    assert resp.status_code == 200, resp.status_code
    html = resp.get_data(as_text=True)
    assert '<html lang="en"' in html
    out: dict[str, list[str]] = {}
    for tag, text in texts(html):
        bare = text
        for d in user_data:
            if d:
                bare = bare.replace(d, "")
        assert not CJK.search(bare), f"Chinese left in <{tag}>: {text!r}"
        out.setdefault(tag, []).append(text)
    return out


def test_the_review_pages_in_english(crowd, client, login):
    ids = crowd.add("cadre_a", 3)
    flag(crowd, ids[0])
    login("t1_insp")
    index = english(client.get("/review?lang=en"))
    assert index["h1"] == ["Spot checks"] and index["h2"] == ["Draw a sample", "Sample"]
    assert "Draw" in index["button"] and "Log out" in index["button"]
    assert {"Share per village (%)", "At least per cadre (visits)", "Received from (China time)",
            "Random seed (to repeat an earlier draw)", "Note"} <= set(index["label"])

    resp = draw(client, seed="7")
    assert resp.status_code == 302
    with crowd.app.app_context():
        sample = get_session().scalar(select(Sample).where(Sample.seed == 7))
        sample_id, order = sample.id, [i.submission_id for i in sample.items]
        area_names = [sample.area.name]
    queue_page = client.get(f"/review/samples/{sample_id}?lang=en")
    queue = english(queue_page, area_names)
    assert queue["h1"] == [f"Sample #{sample_id}"]
    html = queue_page.get_data(as_text=True)
    assert "Drew 3 of 3 visits." in html and "Flags: 1" in html and "0 / 3 reviewed" in html

    pos = order.index(ids[0]) + 1
    with crowd.app.app_context():
        sub = get_session().get(Submission, ids[0])
        who = [sub.instance_name, sub.household.head_name if sub.household else None,
               sub.household.code if sub.household else None]
    item_page = client.get(f"/review/samples/{sample_id}/items/{pos}?lang=en")
    item = english(item_page, who)
    assert [h.split("（")[0].split("(")[0] for h in item["h2"]] == \
        ["Photos", "Flags", "Location", "Review", "Answers", "Review history"]
    assert {"Approve", "Has issues", "Reject"} <= set(item["button"])
    assert "Comment (required to mark “has issues” or to reject; the cadre will see it)" in item["label"]
    html = item_page.get_data(as_text=True)
    assert f"Visit {pos} of 3" in html and "Keys: j or → next" in html

    done = client.post(f"/review/samples/{sample_id}/items/{pos}?lang=en",
                       data={"csrf_token": csrf_from(item_page.data), "state": "has_issues", "comment": "缺照片"})
    assert done.status_code == 302
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Visit {pos} marked “Has issues”." in after

    # the review panel on the visit's own page
    show = english(client.get(f"/submissions/{ids[0]}?lang=en"), who + area_names)
    assert "Review" in show["h2"] and "Review history" in show["h3"]

    client.post("/logout", data={"csrf_token": csrf_from(item_page.data)})
    login("cadre_a")
    mine_page = client.get("/review/mine?lang=en")
    mine = english(mine_page)
    assert mine["h1"] == ["Review results for my visits"]
    assert "缺照片" in mine_page.get_data(as_text=True)  # the reviewer's comment stays as written


def test_bulk_review_on_the_list_in_english(crowd, client, login):
    crowd.add("cadre_a", 2)
    login("inspector")
    page = client.get("/forms/visit/submissions?lang=en")
    found = english(page)
    assert "Review ticked visits" in found["button"] and "Comment (required for “has issues” and “rejected”)" in \
        found["label"]
    assert "Review the ticked visits together (all change or none do)" in found["legend"]
    assert 'aria-label="Select all"' in page.get_data(as_text=True)
