"""Evidence flags on visits and the perceptual prints of their photos.

``EvidenceFlag``: one suspicious thing about a visit, with a reason a person can read
(Chinese and English) and the figures behind it in ``detail``. ``PhotoPrint``: one photo
of a visit — its perceptual hash (64 bits, stored signed), split into four 16-bit bands
for multi-index lookup (two hashes within Hamming distance 3 share at least one band),
its EXIF capture time — filed under the county so near-duplicates are found across it
without rescanning every photo. ``Submission.evidence_checked_at`` says the checks ran.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, utcnow
from server.submissions.models import Submission

FLAG_KINDS = {
    "gps_missing": ("没有GPS定位", "no GPS fix"),
    "gps_inaccurate": ("GPS精度低", "low-accuracy GPS fix"),
    "gps_far": ("定位离农户远", "far from the household"),
    "gps_unreadable": ("GPS格式无法识别", "GPS value not understood"),
    "duration_missing": ("没有开始或结束时间", "no start or end time"),
    "duration_short": ("走访时间过短", "visit too short"),
    "duration_implausible": ("走访时间不合理", "implausible visit duration"),
    "exif_missing": ("照片没有拍摄时间", "photo without capture time"),
    "exif_far": ("照片拍摄时间与走访时间不符", "photo taken far from the visit time"),
    "photo_reused": ("照片重复使用", "photo reused"),
    "photo_unreadable": ("照片无法读取", "photo not readable as an image"),
}


class EvidenceFlag(Base):
    __tablename__ = "evidence_flag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # The photo the flag is about, when it is about one.
    attachment: Mapped[str | None] = mapped_column(String(255))
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()


class PhotoPrint(Base):
    __tablename__ = "photo_print"
    __table_args__ = tuple(Index(f"ix_photo_print_county_id_band{i}", "county_id", f"band{i}") for i in range(4))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    attachment: Mapped[str] = mapped_column(String(255))
    # The name of the photo question it answers ("visit_photo"), for the gallery's filter.
    question: Mapped[str | None] = mapped_column(String(255))
    blob_sha256: Mapped[str] = mapped_column(String(64), index=True)
    # The root of the visit's area tree: near-duplicates are looked for within it.
    county_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"))
    phash: Mapped[int] = mapped_column(BigInteger)
    band0: Mapped[int] = mapped_column(Integer)
    band1: Mapped[int] = mapped_column(Integer)
    band2: Mapped[int] = mapped_column(Integer)
    band3: Mapped[int] = mapped_column(Integer)
    exif_time: Mapped[datetime | None] = mapped_column(DateTime)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()
