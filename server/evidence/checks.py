"""The evidence checks themselves: pure functions over the values of one visit, no database.

Each ``check_*`` returns zero or more ``Flag`` s with a reason a person can read, in Chinese and English,
with the figures that led to it ("定位距农户登记位置 5.2 公里（阈值 0.5 公里）"). Bad input (a GPS value
in an odd format, a file that is not an image, a photo without EXIF) gives a flag, never an exception.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from io import BytesIO

import imagehash
from PIL import Image, UnidentifiedImageError

# EXIF times carry no zone (unless OffsetTimeOriginal says one): phones here are on China time.
CHINA = timezone(timedelta(hours=8))
EARTH_RADIUS_M = 6_371_008.8
MAX_PLAUSIBLE_HOURS = 12
# Four 16-bit bands of a 64-bit hash: two hashes within Hamming distance 3 agree on at least one band
# (pigeonhole: 3 differing bits touch at most 3 bands), so the band lookup finds every such pair.
BANDS = 4
BAND_BITS = 64 // BANDS
EXACT_LOOKUP_MAX_DISTANCE = BANDS - 1


@dataclass(frozen=True)
class Thresholds:
    """The configurable limits, each read from app.config or the environment under its ``ZOUFANG_EVIDENCE_*`` name."""

    max_distance_m: float = 500.0        # ZOUFANG_EVIDENCE_MAX_DISTANCE_M
    max_accuracy_m: float = 100.0        # ZOUFANG_EVIDENCE_MAX_ACCURACY_M
    min_minutes: float = 10.0            # ZOUFANG_EVIDENCE_MIN_MINUTES
    exif_hours: float = 24.0             # ZOUFANG_EVIDENCE_EXIF_HOURS
    max_hamming: int = EXACT_LOOKUP_MAX_DISTANCE  # ZOUFANG_EVIDENCE_MAX_HAMMING (0–3: the band lookup is exact)

    @classmethod
    def from_settings(cls, config=None, env=None) -> "Thresholds":
        """Read from ``config`` (app.config) first, then ``env``; a bad value raises ValueError saying which."""
        config = config or {}
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            name = f"ZOUFANG_EVIDENCE_{f.name.upper()}"
            raw = config.get(name, env.get(name))
            if raw is None or raw == "":
                continue
            try:
                value = int(raw) if f.type == "int" else float(raw)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name} 必须是数字 / must be a number, got {raw!r}") from exc
            if value < 0 or (f.name != "max_hamming" and value == 0):
                raise ValueError(f"{name} 必须大于 0 / must be positive, got {raw!r}")
            if f.name == "max_hamming" and value > EXACT_LOOKUP_MAX_DISTANCE:
                raise ValueError(f"{name} 最大为 {EXACT_LOOKUP_MAX_DISTANCE}（分段索引只对此范围精确）/ "
                                 f"at most {EXACT_LOOKUP_MAX_DISTANCE}: the band lookup is exact only up to it")
            values[f.name] = value
        return cls(**values)


@dataclass
class Flag:
    kind: str
    reason_zh: str
    reason_en: str
    attachment: str | None = None
    detail: dict = field(default_factory=dict)


# ---------------------------------------------------------------- GPS

@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    alt: float | None = None
    accuracy: float | None = None


class Unreadable(ValueError):
    """A value that cannot be understood; the message says why (Chinese / English)."""


_DMS = re.compile(r"""(\d+(?:\.\d+)?)\s*°\s*(?:(\d+(?:\.\d+)?)\s*['′]\s*)?(?:(\d+(?:\.\d+)?)\s*(?:["″]|'')\s*)?([NSEWnsew北南东西])?""")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$")
_HEMISPHERE = {"N": 1, "E": 1, "北": 1, "东": 1, "S": -1, "W": -1, "南": -1, "西": -1}


def parse_gps(text: str | None) -> Fix | None:
    """An ODK geopoint ("lat lon alt accuracy") or a looser form of it: commas or semicolons between the
    figures, extra spaces, only "lat,lon", degree signs, N/S/E/W, degrees-minutes-seconds. None when
    empty; ``Unreadable`` when it is not a position."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    dms = list(_DMS.finditer(raw)) if ("'" in raw or "′" in raw) else []
    if len(dms) >= 2:
        numbers = []
        for m in dms[:2]:
            deg, minutes, seconds, hemi = m.groups()
            value = float(deg) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
            numbers.append(value * _HEMISPHERE.get((hemi or "N").upper(), 1))
        rest = raw[dms[1].end():]
        numbers += _numbers(rest)
    else:
        numbers = _numbers(raw)
    if len(numbers) < 2 or len(numbers) > 4:
        raise Unreadable(f"GPS 值“{raw[:60]}”无法识别（应为“纬度 经度 海拔 精度”）",
                         f"GPS value {raw[:60]!r} not understood (expected 'lat lon alt accuracy')")
    lat, lon = numbers[0], numbers[1]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Unreadable(f"GPS 值“{raw[:60]}”超出经纬度范围", f"GPS value {raw[:60]!r} is out of range")
    if lat == 0 and lon == 0:
        raise Unreadable("GPS 值为 0,0（手机没有取得定位）", "GPS value is 0,0 (the phone had no fix)")
    alt = numbers[2] if len(numbers) > 2 else None
    acc = numbers[3] if len(numbers) > 3 else None
    if acc is not None and acc < 0:
        raise Unreadable(f"GPS 精度为负数：{acc}", f"negative GPS accuracy: {acc}")
    return Fix(lat, lon, alt, acc)


_TOKEN = re.compile(r"^([NSEWnsew北南东西])?([-+]?(?:\d+(?:\.\d*)?|\.\d+))?([NSEWnsew北南东西])?$")


def _numbers(text: str) -> list[float]:
    """The figures of a loose GPS string; a hemisphere letter before or after a figure sets its sign."""
    out: list[float] = []
    signed: set[int] = set()  # indexes of figures whose hemisphere was given
    pending = None

    def bad(token: str = "") -> Unreadable:
        return Unreadable(f"GPS 值“{text[:60]}”无法识别" + (f"（含有“{token[:20]}”）" if token else ""),
                          f"GPS value {text[:60]!r} not understood" + (f" (contains {token[:20]!r})" if token else ""))

    for token in re.split(r"[\s,;，；°]+", text.strip()):
        if not token:
            continue
        m = _TOKEN.match(token)
        if not m or not any(m.groups()):
            raise bad(token)
        before, number, after = m.groups()
        if number is None:  # a lone letter: the previous figure's hemisphere, else the next one's
            if out and len(out) - 1 not in signed:
                out[-1] = abs(out[-1]) * _HEMISPHERE[before.upper()]
                signed.add(len(out) - 1)
            elif pending is None:
                pending = before
            else:
                raise bad(token)
            continue
        value = float(number)
        if not math.isfinite(value):
            raise bad(token)
        hemi = before or after or pending
        pending = None
        if hemi:
            value = abs(value) * _HEMISPHERE[hemi.upper()]
            signed.add(len(out))
        out.append(value)
    if pending is not None:
        raise bad(pending)
    return out


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _distance(m: float) -> tuple[str, str]:
    """(zh, en) of a distance: kilometres from 1 km up, metres below."""
    if m >= 1000:
        return f"{m / 1000:.1f} 公里", f"{m / 1000:.1f} km"
    return f"{m:.0f} 米", f"{m:.0f} m"


def check_gps(raw: str | None, household: tuple[float | None, float | None] | None, th: Thresholds,
              *, question: str | None = None) -> list[Flag]:
    """The visit's geopoint against the household's recorded location (when it has one)."""
    try:
        fix = parse_gps(raw)
    except Unreadable as exc:
        zh, en = exc.args if len(exc.args) == 2 else (str(exc), str(exc))
        return [Flag("gps_unreadable", zh, en, detail={"value": (raw or "")[:100], "question": question})]
    if fix is None:
        return [Flag("gps_missing", "这次走访没有 GPS 定位", "The visit has no GPS fix", detail={"question": question})]
    flags = []
    if fix.accuracy is not None and fix.accuracy > th.max_accuracy_m:
        flags.append(Flag("gps_inaccurate",
                          f"GPS 精度 {fix.accuracy:.0f} 米（要求不超过 {th.max_accuracy_m:.0f} 米）",
                          f"GPS accuracy {fix.accuracy:.0f} m (limit {th.max_accuracy_m:.0f} m)",
                          detail={"accuracy_m": fix.accuracy, "limit_m": th.max_accuracy_m}))
    lat, lon = household or (None, None)
    if lat is not None and lon is not None:
        metres = haversine_m(fix.lat, fix.lon, lat, lon)
        if metres > th.max_distance_m:
            (d_zh, d_en), (t_zh, t_en) = _distance(metres), _distance(th.max_distance_m)
            flags.append(Flag("gps_far", f"定位距农户登记位置 {d_zh}（阈值 {t_zh}）",
                              f"GPS fix is {d_en} from the household's recorded location (threshold {t_en})",
                              detail={"distance_m": round(metres, 1), "limit_m": th.max_distance_m,
                                      "visit": [fix.lat, fix.lon], "household": [lat, lon]}))
    return flags


# ---------------------------------------------------------------- duration

def parse_time(text: str | None) -> datetime | None:
    """An ODK dateTime ("2024-05-01T09:30:00.000+08:00") as an aware datetime; no zone → China time.
    None when empty or not a time."""
    if not text or not text.strip():
        return None
    value = text.strip().replace(" ", "T", 1)
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value)  # +0800 → +08:00
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


def _minutes(delta: timedelta) -> str:
    total = delta.total_seconds() / 60
    if abs(total) >= 120:
        return f"{total / 60:.1f} 小时", f"{total / 60:.1f} h"
    return f"{total:.0f} 分钟", f"{total:.0f} min"


def check_duration(start_raw: str | None, end_raw: str | None, th: Thresholds) -> list[Flag]:
    start, end = parse_time(start_raw), parse_time(end_raw)
    if start is None or end is None:
        missing = [n for n, v in (("start", start), ("end", end)) if v is None]
        zh = "、".join({"start": "开始时间", "end": "结束时间"}[n] for n in missing)
        return [Flag("duration_missing", f"没有可读的{zh}，无法计算走访时长",
                     f"No readable {' and '.join(missing)} time: the visit's duration is unknown",
                     detail={"start": start_raw, "end": end_raw})]
    delta = end - start
    detail = {"minutes": round(delta.total_seconds() / 60, 1), "start": start.isoformat(), "end": end.isoformat()}
    if delta.total_seconds() < 0:
        zh, en = _minutes(-delta)
        return [Flag("duration_implausible", f"结束时间早于开始时间 {zh}", f"The end is {en} before the start",
                     detail=detail)]
    if delta > timedelta(hours=MAX_PLAUSIBLE_HOURS):
        zh, en = _minutes(delta)
        return [Flag("duration_implausible", f"走访时长 {zh}（超过 {MAX_PLAUSIBLE_HOURS} 小时，不合理）",
                     f"The visit lasted {en} (more than {MAX_PLAUSIBLE_HOURS} h)", detail=detail)]
    if delta < timedelta(minutes=th.min_minutes):
        zh, en = _minutes(delta)
        return [Flag("duration_short", f"走访时长 {zh}（要求至少 {th.min_minutes:.0f} 分钟）",
                     f"The visit lasted {en} (at least {th.min_minutes:.0f} min expected)",
                     detail={**detail, "limit_minutes": th.min_minutes})]
    return []


# ---------------------------------------------------------------- photos

@dataclass(frozen=True)
class Photo:
    phash: int            # unsigned 64-bit
    width: int
    height: int
    exif_time: datetime | None  # aware

    @property
    def bands(self) -> tuple[int, ...]:
        return bands(self.phash)


def bands(phash: int) -> tuple[int, ...]:
    """The four 16-bit slices of an unsigned 64-bit hash, most significant first."""
    mask = (1 << BAND_BITS) - 1
    return tuple((phash >> (BAND_BITS * (BANDS - 1 - i))) & mask for i in range(BANDS))


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


_EXIF_IFD, _DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _DATETIME = 0x8769, 36867, 36881, 306


def _exif_time(img: Image.Image) -> datetime | None:
    try:
        exif = img.getexif()
        ifd = exif.get_ifd(_EXIF_IFD)
        raw = ifd.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
        offset = ifd.get(_OFFSET_TIME_ORIGINAL)
    except Exception:  # noqa: BLE001 - a broken EXIF block is the same as none
        return None
    if not isinstance(raw, str):
        return None
    try:
        taken = datetime.strptime(raw.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = CHINA
    if isinstance(offset, str) and re.fullmatch(r"[+-]\d{2}:\d{2}", offset.strip()):
        sign = -1 if offset.strip()[0] == "-" else 1
        hours, minutes = offset.strip()[1:].split(":")
        zone = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    return taken.replace(tzinfo=zone)


def read_photo(data: bytes) -> Photo:
    """Perceptual hash (imagehash's pHash), size and EXIF capture time of an image; ``Unreadable`` if it is not one."""
    try:
        with Image.open(BytesIO(data)) as img:
            width, height = img.size
            taken = _exif_time(img)
            img.draft("L", (256, 256))  # JPEG: decode at a reduced scale, pHash looks at 32×32 anyway
            value = int(str(imagehash.phash(img)), 16)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise Unreadable("文件不是可以读取的图片", f"The file is not a readable image ({type(exc).__name__})") from exc
    return Photo(value, width, height, taken)


def check_exif(photo: Photo, visit_start: datetime | None, th: Thresholds, *, attachment: str) -> list[Flag]:
    if photo.exif_time is None:
        return [Flag("exif_missing", f"照片 {attachment} 没有拍摄时间（EXIF）",
                     f"Photo {attachment} has no capture time (EXIF)", attachment=attachment)]
    if visit_start is None:
        return []
    gap = photo.exif_time - visit_start
    if abs(gap) <= timedelta(hours=th.exif_hours):
        return []
    hours = abs(gap).total_seconds() / 3600
    amount_zh, amount_en = (f"{hours / 24:.0f} 天", f"{hours / 24:.0f} days") if hours >= 72 else \
        (f"{hours:.0f} 小时", f"{hours:.0f} h")
    when_zh, when_en = ("早", "before") if gap.total_seconds() < 0 else ("晚", "after")
    taken = photo.exif_time.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return [Flag("exif_far",
                 f"照片 {attachment} 拍摄于 {taken}，比走访开始{when_zh} {amount_zh}（允许 {th.exif_hours:.0f} 小时）",
                 f"Photo {attachment} was taken {taken} (China time), {amount_en} {when_en} the visit started "
                 f"(limit {th.exif_hours:.0f} h)",
                 attachment=attachment,
                 detail={"exif_time": photo.exif_time.isoformat(), "visit_start": visit_start.isoformat(),
                         "hours": round(hours, 1), "limit_hours": th.exif_hours})]


def unreadable_photo(attachment: str, exc: Unreadable) -> Flag:
    zh, en = exc.args if len(exc.args) == 2 else (str(exc), str(exc))
    return Flag("photo_unreadable", f"照片 {attachment}：{zh}", f"Photo {attachment}: {en}", attachment=attachment)
