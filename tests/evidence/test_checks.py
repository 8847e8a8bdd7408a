"""The pure checks: GPS in odd formats, distances, durations, EXIF times, unreadable photos, hashes."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server.evidence.checks import (CHINA, Thresholds, Unreadable, bands, check_duration, check_exif, check_gps,
                                    hamming, haversine_m, parse_gps, parse_time, read_photo, to_signed, to_unsigned)
from tests.evidence.images import photo, resized

TH = Thresholds()
HOUSE = (28.2000, 109.6000)


def kinds(flags):
    return sorted(f.kind for f in flags)


@pytest.mark.parametrize("text", ["28.2 109.6 310 4.5", "28.2,109.6", " 28.2 ,  109.6 ;310; 4.5 ", "28.2°N 109.6°E",
                                  "N28.2 E109.6", "28°12'0\"N 109°36'0\"E", "28.2 N, 109.6 E", "28.2，109.6"])
def test_gps_in_odd_formats_reads_the_same_position(text):
    fix = parse_gps(text)
    assert (round(fix.lat, 6), round(fix.lon, 6)) == HOUSE
    assert check_gps(text, HOUSE, TH) == []


@pytest.mark.parametrize("text", ["garbage", "28.2", "91 10", "28.2 109.6 a b", "0 0 0 0", "1 2 3 4 5", "N",
                                  "nan nan", "28.2 109.6 10 -3", "<script>"])
def test_gps_garbage_is_a_clear_flag_not_a_crash(text):
    with pytest.raises(Unreadable):
        parse_gps(text)
    (flag,) = check_gps(text, HOUSE, TH)
    assert flag.kind == "gps_unreadable" and "GPS" in flag.reason_zh and "GPS" in flag.reason_en


def test_gps_missing():
    assert kinds(check_gps(None, HOUSE, TH)) == kinds(check_gps("  ", HOUSE, TH)) == ["gps_missing"]


def test_five_km_from_the_house_is_far_with_the_figures_in_the_reason():
    (flag,) = check_gps("28.245 109.6 300 5", HOUSE, TH)  # 0.045° of latitude ≈ 5.0 km north
    assert flag.kind == "gps_far"
    assert flag.reason_zh == "定位距农户登记位置 5.0 公里（阈值 500 米）"
    assert "5.0 km" in flag.reason_en and flag.detail["distance_m"] == pytest.approx(5004, abs=5)


def test_inaccurate_fix_and_threshold_settings():
    assert kinds(check_gps("28.2 109.6 300 250", HOUSE, TH)) == ["gps_inaccurate"]
    near = "28.2036 109.6 300 5"  # ≈ 400 m
    assert check_gps(near, HOUSE, TH) == []
    assert kinds(check_gps(near, HOUSE, Thresholds.from_settings({"ZOUFANG_EVIDENCE_MAX_DISTANCE_M": "300"}))) \
        == ["gps_far"]


def test_household_without_location_gets_no_distance_flag():
    assert check_gps("30 100 0 5", (None, None), TH) == [] and check_gps("30 100 0 5", None, TH) == []


def test_haversine_known_distance():
    assert haversine_m(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1_067_000, rel=0.005)  # 北京–上海


def test_durations():
    day = "2024-05-01T"
    assert kinds(check_duration(day + "09:00:00.000+08:00", day + "09:02:00.000+08:00", TH)) == ["duration_short"]
    assert check_duration(day + "09:00:00.000+08:00", day + "09:25:00.000+08:00", TH) == []
    assert kinds(check_duration(day + "09:00:00+08:00", day + "08:00:00+08:00", TH)) == ["duration_implausible"]
    assert kinds(check_duration(day + "06:00:00+08:00", day + "19:00:00+08:00", TH)) == ["duration_implausible"]
    assert kinds(check_duration(None, day + "09:00:00+08:00", TH)) == ["duration_missing"]
    assert kinds(check_duration("yesterday", "today", TH)) == ["duration_missing"]
    (flag,) = check_duration(day + "09:00:00.000+08:00", day + "09:02:00.000+08:00", TH)
    assert flag.reason_zh == "走访时长 2 分钟（要求至少 10 分钟）"


def test_parse_time_offsets():
    assert parse_time("2024-05-01T09:00:00.000+08:00") == datetime(2024, 5, 1, 1, 0, tzinfo=CHINA.utc)
    assert parse_time("2024-05-01T01:00:00Z") == parse_time("2024-05-01 09:00:00+0800")
    assert parse_time("2024-05-01T09:00:00").tzinfo == CHINA
    assert parse_time("not a time") is None


def test_exif_capture_time_read_as_china_time_and_compared():
    start = datetime(2024, 5, 1, 9, 0, tzinfo=CHINA)
    same_day = read_photo(photo(1, datetime(2024, 5, 1, 9, 10)))
    assert same_day.exif_time == datetime(2024, 5, 1, 9, 10, tzinfo=CHINA)
    assert check_exif(same_day, start, TH, attachment="a.jpg") == []
    last_year = read_photo(photo(1, datetime(2023, 5, 1, 9, 10)))
    (flag,) = check_exif(last_year, start, TH, attachment="a.jpg")
    assert flag.kind == "exif_far" and flag.attachment == "a.jpg" and "2023-05-01 09:10" in flag.reason_zh
    no_exif = read_photo(photo(1))
    assert no_exif.exif_time is None
    assert kinds(check_exif(no_exif, start, TH, attachment="a.jpg")) == ["exif_missing"]


@pytest.mark.parametrize("data", [b"", b"not an image", b"\xff\xd8\xff\xe0 truncated jpeg", b"%PDF-1.4\n", b"GIF89a"])
def test_not_an_image_is_unreadable(data):
    with pytest.raises(Unreadable):
        read_photo(data)


def test_phash_separates_different_photos_and_matches_resized_copies():
    original = read_photo(photo(1))
    copy = read_photo(resized(photo(1), 0.4))
    other = read_photo(photo(2))
    assert hamming(original.phash, copy.phash) <= TH.max_hamming
    assert hamming(original.phash, other.phash) > 10
    assert (original.width, copy.width) == (640, 256)


def test_bands_and_signed_storage_round_trip():
    value = 0xFEDC_BA98_7654_3210
    assert bands(value) == (0xFEDC, 0xBA98, 0x7654, 0x3210)
    assert to_signed(value) < 0 and to_unsigned(to_signed(value)) == value
    assert hamming(value, value ^ 0b1011) == 3


def test_bad_threshold_setting_is_refused():
    with pytest.raises(ValueError, match="ZOUFANG_EVIDENCE_MIN_MINUTES"):
        Thresholds.from_settings({"ZOUFANG_EVIDENCE_MIN_MINUTES": "ten"})
    with pytest.raises(ValueError, match="ZOUFANG_EVIDENCE_MAX_HAMMING"):
        Thresholds.from_settings({"ZOUFANG_EVIDENCE_MAX_HAMMING": "8"})
    assert Thresholds.from_settings({}, env={"ZOUFANG_EVIDENCE_MIN_MINUTES": "5"}).min_minutes == 5
