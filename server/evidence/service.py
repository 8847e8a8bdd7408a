"""Running the evidence checks over a visit and finding its photos' near-duplicates across the county.

``check_submission(id)`` is idempotent: it replaces the visit's flags and photo prints (and the reuse
flags it had put on other visits), then sets ``evidence_checked_at``. A photo is compared with the
county's earlier photos by an index lookup — the prints sharing one of its four 16-bit pHash bands —
then the exact Hamming distance of those few candidates; the county is never rescanned.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import delete, select, union

from server.db import get_session, utcnow
from server.evidence import checks
from server.evidence.checks import Flag, Thresholds
from server.evidence.models import FLAG_KINDS, EvidenceFlag, PhotoPrint
from server.evidence.xform import evidence_fields
from server.forms.service import get_xform_bytes
from server.storage.blobs import get_store
from server.submissions.instance import parse_instance
from server.submissions.models import Submission

log = logging.getLogger(__name__)
# A photo matching more earlier photos than this names only the closest ones.
MAX_MATCHES_PER_PHOTO = 10
MAX_CANDIDATES = 2000


def thresholds() -> Thresholds:
    return Thresholds.from_settings(current_app.config)


def county_id(sub: Submission) -> int | None:
    """The root of the visit's area tree ("/1/4/17/" → 1)."""
    if sub.area is None or not sub.area.path:
        return None
    first = sub.area.path.strip("/").split("/")[0]
    return int(first) if first.isdigit() else None


def candidates(session, county: int | None, phash: int, *, exclude_submission: int | None = None):
    """Prints of the county sharing at least one band with ``phash`` (unsigned): the multi-index lookup, one
    indexed probe per band (a UNION: with an OR, SQLite would walk the whole county on one index)."""
    b = checks.bands(phash)
    in_county = PhotoPrint.county_id.is_(None) if county is None else PhotoPrint.county_id == county
    band_columns = (PhotoPrint.band0, PhotoPrint.band1, PhotoPrint.band2, PhotoPrint.band3)
    ids = union(*(select(PhotoPrint.id).where(in_county, column == value) for column, value in zip(band_columns, b)))
    q = select(PhotoPrint).where(PhotoPrint.id.in_(ids.scalar_subquery()))
    if exclude_submission is not None:
        q = q.where(PhotoPrint.submission_id != exclude_submission)
    # Random photos share a band with a handful of others; a crowd of near-blank pictures (lens cap, dark
    # room) all share them. Bounded, newest first, so one such photo never costs a scan of the county.
    return list(session.scalars(q.order_by(PhotoPrint.id.desc()).limit(MAX_CANDIDATES)))


def near_duplicates(session, county: int | None, phash: int, sha256: str, max_distance: int, *,
                    exclude_submission: int | None = None) -> tuple[list[tuple[PhotoPrint, int]], int]:
    """([(print, distance)] closest first, candidates examined): same blob, or pHash within ``max_distance``."""
    found = {p.id: (p, checks.hamming(phash, checks.to_unsigned(p.phash)))
             for p in candidates(session, county, phash, exclude_submission=exclude_submission)}
    examined = len(found)
    matches = [(p, d) for p, d in found.values() if d <= max_distance]
    # by the blob's own index only (with county_id in the WHERE, SQLite may pick a (county, band) index and
    # walk the whole county); the county is checked here
    for p in session.scalars(select(PhotoPrint).where(PhotoPrint.blob_sha256 == sha256)):
        if p.id not in found and p.county_id == county and p.submission_id != exclude_submission:
            matches.append((p, 0))
    matches.sort(key=lambda m: (m[1], m[0].id))
    return matches, examined


def _visit_label(sub: Submission, when: datetime | None) -> tuple[str, str]:
    hh = sub.household
    who_zh = f"农户 {hh.code} {hh.head_name or ''}".strip() if hh else "未关联农户"
    who_en = f"household {hh.code}" if hh else "no household"
    day = (when or sub.received_at).strftime("%Y-%m-%d")
    return f"{who_zh}，{day} 的走访（记录 #{sub.id}）", f"{who_en}, visit of {day} (#{sub.id})"


def _reuse_flag(photo: str, other_attachment: str, other_sub: Submission, other_when, distance: int,
                exact: bool) -> Flag:
    what_zh = "相同" if exact else f"几乎相同（差异 {distance} 位）"
    what_en = "identical to" if exact else f"nearly identical to ({distance} bits apart)"
    label_zh, label_en = _visit_label(other_sub, other_when)
    return Flag("photo_reused", f"照片 {photo} 与{label_zh}的照片 {other_attachment} {what_zh}",
                f"Photo {photo} is {what_en} photo {other_attachment} of {label_en}", attachment=photo,
                detail={"other_submission_id": other_sub.id, "other_attachment": other_attachment,
                        "other_household": other_sub.household.code if other_sub.household else None,
                        "other_date": (other_when or other_sub.received_at).strftime("%Y-%m-%d"),
                        "distance": distance, "exact": exact})


def _start_of(sub: Submission) -> datetime | None:
    """The visit's start (aware), read from its XML."""
    fields = evidence_fields(sub.form_version.xform_sha256, lambda: get_xform_bytes(sub.form_version))
    if not fields.start:
        return None
    try:
        leaves = dict(parse_instance(get_store().read_bytes(sub.current.xml_sha256)).leaves)
    except Exception:  # noqa: BLE001 - an unreadable XML has no start
        return None
    return checks.parse_time(leaves.get(fields.start))


def _store(session, sub_id: int, flag: Flag) -> EvidenceFlag:
    row = EvidenceFlag(submission_id=sub_id, kind=flag.kind, attachment=flag.attachment, reason_zh=flag.reason_zh,
                       reason_en=flag.reason_en, detail=flag.detail)
    session.add(row)
    return row


def _clear(session, sub: Submission) -> None:
    """Forget what an earlier run found for this visit, and the reuse flags it put on others."""
    partners = {f.detail.get("other_submission_id") for f in session.scalars(
        select(EvidenceFlag).where(EvidenceFlag.submission_id == sub.id, EvidenceFlag.kind == "photo_reused"))}
    partners.discard(None)
    if partners:
        # by id, in bulk: another process re-checking a partner at the same moment may have deleted them already
        stale = [f.id for f in session.scalars(select(EvidenceFlag).where(EvidenceFlag.submission_id.in_(partners),
                                                                         EvidenceFlag.kind == "photo_reused"))
                 if f.detail.get("other_submission_id") == sub.id]
        if stale:
            session.execute(delete(EvidenceFlag).where(EvidenceFlag.id.in_(stale)))
    session.execute(delete(EvidenceFlag).where(EvidenceFlag.submission_id == sub.id))
    session.execute(delete(PhotoPrint).where(PhotoPrint.submission_id == sub.id))
    session.flush()


def check_submission(submission_id: int) -> list[EvidenceFlag]:
    """Run every check over the visit's current version; returns its flags (flushed, not committed)."""
    session = get_session()
    sub = session.get(Submission, submission_id)
    if sub is None:
        return []
    th = thresholds()
    version = sub.current
    fields = evidence_fields(sub.form_version.xform_sha256, lambda: get_xform_bytes(sub.form_version))
    store = get_store()
    leaves = parse_instance(store.read_bytes(version.xml_sha256)).leaves
    values = dict(leaves)
    hh = sub.household
    found: list[Flag] = []
    if fields.geopoint:
        found += checks.check_gps(values.get(fields.geopoint), (hh.latitude, hh.longitude) if hh else None, th,
                                  question=fields.geopoint.rsplit("/", 1)[-1])
    if fields.start or fields.end:
        found += checks.check_duration(values.get(fields.start), values.get(fields.end), th)
    start = checks.parse_time(values.get(fields.start)) if fields.start else None

    attachments = {a.name: a for a in version.attachments}
    county = county_id(sub)
    photo_paths = set(fields.photos)
    seen: set[str] = set()
    partners: dict[int, list[Flag]] = {}
    prints: list[PhotoPrint] = []
    for path, name in leaves:
        if path not in photo_paths or name in seen or name not in attachments:
            continue  # not a photo, or not arrived yet: checked again when it does
        seen.add(name)
        att = attachments[name]
        try:
            photo = checks.read_photo(store.read_bytes(att.sha256))
        except checks.Unreadable as exc:
            found.append(checks.unreadable_photo(name, exc))
            continue
        found += checks.check_exif(photo, start, th, attachment=name)
        matches, _ = near_duplicates(session, county, photo.phash, att.sha256, th.max_hamming,
                                     exclude_submission=sub.id)
        for other, distance in matches[:MAX_MATCHES_PER_PHOTO]:
            exact = other.blob_sha256 == att.sha256
            other_sub = other.submission
            found.append(_reuse_flag(name, other.attachment, other_sub, _start_of(other_sub), distance, exact))
            back = _reuse_flag(other.attachment, name, sub, start, distance, exact)
            partners.setdefault(other_sub.id, []).append(back)
        bands = photo.bands
        prints.append(PhotoPrint(submission_id=sub.id, attachment=name, question=path.rsplit("/", 1)[-1],
                                 blob_sha256=att.sha256, county_id=county, household_id=sub.household_id,
                                 phash=checks.to_signed(photo.phash), band0=bands[0], band1=bands[1],
                                 band2=bands[2], band3=bands[3], width=photo.width, height=photo.height,
                                 exif_time=photo.exif_time.astimezone(timezone.utc).replace(tzinfo=None)
                                 if photo.exif_time else None))
    # Reads and hashing above, writes below: on SQLite the write lock is taken here, held only briefly.
    _clear(session, sub)
    session.add_all(prints)
    rows = [_store(session, sub.id, f) for f in found]
    for other_id, flags in partners.items():
        for f in flags:
            _store(session, other_id, f)
    sub.evidence_checked_at = utcnow()
    session.flush()
    return rows


def missed_reuse(submission_id: int) -> bool:
    """True when a photo of the visit now has a near-duplicate its flags do not name: a visit checked at the
    same moment in another process (another gunicorn worker) could not see this one's photos, nor this one
    theirs. Asked after the check has committed, by whichever of the two commits last."""
    session = get_session()
    sub = session.get(Submission, submission_id)
    if sub is None:
        return False
    named: dict[str, set] = {}
    for f in session.scalars(select(EvidenceFlag).where(EvidenceFlag.submission_id == sub.id,
                                                        EvidenceFlag.kind == "photo_reused")):
        named.setdefault(f.attachment, set()).add(f.detail.get("other_submission_id"))
    th = thresholds()
    for p in session.scalars(select(PhotoPrint).where(PhotoPrint.submission_id == sub.id)):
        matches, _ = near_duplicates(session, p.county_id, checks.to_unsigned(p.phash), p.blob_sha256,
                                     th.max_hamming, exclude_submission=sub.id)
        if {m.submission_id for m, _ in matches[:MAX_MATCHES_PER_PHOTO]} - named.get(p.attachment, set()):
            return True
    return False


def submissions_to_check(*, since: datetime | None = None, only_unchecked: bool = False) -> list[int]:
    """Ids of the visits a backfill goes through, oldest first (so earlier visits are printed first)."""
    q = select(Submission.id).order_by(Submission.received_at, Submission.id)
    if since is not None:
        q = q.where(Submission.received_at >= since)
    if only_unchecked:
        q = q.where(Submission.evidence_checked_at.is_(None))
    return list(get_session().scalars(q))


def flag_label(kind: str, lang: str = "zh") -> str:
    zh, en = FLAG_KINDS.get(kind, (kind, kind))
    return en if lang == "en" else zh
