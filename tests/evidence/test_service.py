"""The must-show crafted cases: each visit, sent like ODK Collect and checked by the after-commit job, raises
exactly the expected flags."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from server.db import get_session, unit_of_work
from server.evidence.models import EvidenceFlag, PhotoPrint
from server.evidence.service import check_submission
from tests.evidence.conftest import TAKEN
from tests.evidence.images import photo, resized


def test_a_clean_visit_raises_no_flag(visit, flags, app):
    sid = visit("H11A", {"a.jpg": photo(1, TAKEN), "b.jpg": photo(2, TAKEN)})
    assert flags(sid) == []
    with app.app_context():  # two prints: the photos, not the signatures
        prints = get_session().scalars(select(PhotoPrint).where(PhotoPrint.submission_id == sid)).all()
        assert sorted((p.attachment, p.question) for p in prints) == [("a.jpg", "visit_photo"),
                                                                       ("b.jpg", "visit_photo_2")]


def test_a_photo_reused_across_two_households_flags_both_visits(visit, flags):
    shared = photo(7, TAKEN)
    first = visit("H11A", {"a.jpg": shared})
    assert flags(first) == []
    second = visit("H11B", {"b.jpg": shared})  # H11B has no location: no distance check
    assert flags(second) == ["photo_reused"]
    assert flags(first) == ["photo_reused"]
    (new_side,) = flags(second, full=True)
    assert new_side.detail["other_submission_id"] == first and new_side.detail["exact"] is True
    assert "H11A" in new_side.reason_zh and "2024-05-01" in new_side.reason_zh and "a.jpg" in new_side.reason_zh
    (old_side,) = flags(first, full=True)
    assert old_side.detail["other_submission_id"] == second and "H11B" in old_side.reason_zh


def test_a_resized_copy_is_found_too(visit, flags):
    original = photo(8, TAKEN)
    first = visit("H11A", {"a.jpg": original})
    second = visit("H11B", {"small.jpg": resized(original, 0.45, TAKEN)})
    assert flags(second) == ["photo_reused"] and flags(first) == ["photo_reused"]
    (f,) = flags(second, full=True)
    assert f.detail["exact"] is False and f.detail["distance"] <= 3


def test_different_photos_are_not_reuse(visit, flags):
    visit("H11A", {"a.jpg": photo(10, TAKEN)})
    assert flags(visit("H11B", {"b.jpg": photo(11, TAKEN)})) == []


def test_a_visit_five_km_from_the_house_is_far_only(visit, flags):
    sid = visit("H11A", visit_gps="27.445 109.6 300 5")
    assert flags(sid) == ["gps_far"]
    (f,) = flags(sid, full=True)
    assert f.reason_zh == "定位距农户登记位置 5.0 公里（阈值 500 米）"


def test_a_two_minute_visit_is_short(visit, flags):
    assert flags(visit("H11A", end="2024-05-01T09:02:00.000+08:00")) == ["duration_short"]


def test_exif_from_last_year(visit, flags):
    assert flags(visit("H11A", {"a.jpg": photo(3, datetime(2023, 5, 1, 9, 0))})) == ["exif_far"]


def test_no_gps(visit, flags):
    assert flags(visit("H11A", visit_gps=None)) == ["gps_missing"]


def test_bad_input_gives_clear_flags(visit, flags):
    assert flags(visit("H11A", {"a.jpg": b"this is not a photo"})) == ["photo_unreadable"]
    assert flags(visit("H11A", {"a.jpg": photo(4)})) == ["exif_missing"]
    assert flags(visit("H11A", visit_gps="somewhere near the river")) == ["gps_unreadable"]
    assert flags(visit("H11A", visit_gps="27.4001°N, 109.6001°E")) == []
    assert flags(visit("H11A", start=None, end="garbage")) == ["duration_missing"]


def test_rechecking_is_idempotent(visit, flags, app):
    shared = photo(12, TAKEN)
    first = visit("H11A", {"a.jpg": shared})
    second = visit("H11B", {"b.jpg": shared})
    with app.app_context():
        for sid in (second, first, second):
            with unit_of_work():
                check_submission(sid)
        session = get_session()
        assert session.scalar(select(func.count()).select_from(PhotoPrint)) == 2
        assert session.scalar(select(func.count()).select_from(EvidenceFlag)) == 2
    assert flags(first) == flags(second) == ["photo_reused"]


def test_backfill_cli(visit, flags, runner, app):
    sid = visit("H11A", end="2024-05-01T09:02:00.000+08:00")
    with app.app_context(), unit_of_work():
        get_session().execute(EvidenceFlag.__table__.delete())
    assert flags(sid) == []
    result = runner.invoke(args=["evidence", "check", "--since", "2000-01-01"])
    assert result.exit_code == 0, result.output
    assert "checked 1 visits: 1 flagged" in result.output
    assert flags(sid) == ["duration_short"]
    assert runner.invoke(args=["evidence", "check", "--since", "nope"]).exit_code != 0


def test_two_visits_checked_at_the_same_moment_in_two_processes_still_find_each_other(visit, flags, app):
    """Each check saw the county before the other's photo was committed: the look again after commit
    (tasks.run → missed_reuse) finds the pair."""
    from sqlalchemy import delete

    from server.evidence import tasks
    from server.evidence.service import missed_reuse

    shared = photo(21, TAKEN)
    first, second = visit("H11A", {"a.jpg": shared}), visit("H11B", {"b.jpg": shared})
    assert flags(first) == ["photo_reused"] and flags(second) == ["photo_reused"]
    with app.app_context(), unit_of_work():  # the state such a race leaves: prints stored, no reuse flags
        get_session().execute(delete(EvidenceFlag).where(EvidenceFlag.kind == "photo_reused"))
    assert flags(first) == [] and flags(second) == []
    with app.app_context():
        assert missed_reuse(first) and missed_reuse(second)
        tasks.run(second)
        assert not missed_reuse(first) and not missed_reuse(second)
    assert flags(first) == ["photo_reused"] and flags(second) == ["photo_reused"]


def test_a_crowd_of_identical_blank_photos_is_bounded(visit, flags, app, monkeypatch):
    """Blank pictures all hash alike: the candidates looked at are capped (newest first), the visit is
    still flagged, and only MAX_MATCHES_PER_PHOTO partners are named."""
    from PIL import Image

    from server.evidence import service
    from server.evidence.checks import to_unsigned as checks_unsigned
    from tests.evidence.images import jpeg

    monkeypatch.setattr(service, "MAX_CANDIDATES", 3)
    blank = [jpeg(Image.new("RGB", (320, 240), (10 + i, 10, 10)), TAKEN) for i in range(5)]
    ids = [visit("H11A" if i % 2 else "H11B", {"a.jpg": data}) for i, data in enumerate(blank)]
    assert flags(ids[-1]) == ["photo_reused"] * 3  # three candidates seen, three partners named
    with app.app_context():
        session = get_session()
        last = session.scalar(select(PhotoPrint).where(PhotoPrint.submission_id == ids[-1]))
        found = service.candidates(session, last.county_id, checks_unsigned(last.phash))
        assert len(found) == 3 and ids[0] not in {p.submission_id for p in found}  # the newest three
