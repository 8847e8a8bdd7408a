"""A submission (one visit), every version of it (edits via deprecatedID) and their attachments.

``Submission`` is the visit as it stands now; ``SubmissionVersion`` keeps every
XML ever accepted for it, the first one and each edit, so nothing is overwritten.
Uniqueness of an instanceID within a form is a database constraint on both tables:
two POSTs racing on two workers cannot create two submissions.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import User
from server.areas.models import Area
from server.db import Base, utcnow
from server.forms.models import Form, FormVersion
from server.households.models import Household

# Review states (as ODK Central's): "edited" is set when the cadre sends a new version; the others by
# reviewers. A rejected visit does not count as a visit anywhere (registers, counts); files and PDFs mark it.
SUBMISSION_STATES = ("received", "has_issues", "edited", "approved", "rejected")
SUBMISSION_STATE_LABELS = {"received": "已接收", "has_issues": "有问题", "edited": "已修改",
                           "approved": "已通过", "rejected": "已退回"}
SUBMISSION_STATE_LABELS_EN = {"received": "received", "has_issues": "has issues", "edited": "edited",
                              "approved": "approved", "rejected": "rejected"}
# States that count as a visit made (everything but rejected).
COUNTED_STATES = tuple(s for s in SUBMISSION_STATES if s != "rejected")


class Submission(Base):
    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("form_id", "instance_id", name="uq_submission_form_id_instance_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id"))  # indexed by the unique constraint
    # The instanceID the visit was first sent under; edits keep it (their own IDs are on the versions).
    instance_id: Mapped[str] = mapped_column(String(255))
    # The current version, copied here so lists need no join.
    current_instance_id: Mapped[str] = mapped_column(String(255))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    xml_sha256: Mapped[str] = mapped_column(String(64))
    instance_name: Mapped[str | None] = mapped_column(String(255))
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    device_id: Mapped[str | None] = mapped_column(String(255))
    # The area the visit belongs to, which decides who may see it: the submitting cadre's area
    # (the lowest area containing all of them) until visits are linked to households.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    # The household the visit is about (household-bound forms), and why a person should look at the link:
    # "unknown_household" (no such code) or "not_assigned" (the cadre is not responsible for it).
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"), index=True)
    household_flag: Mapped[str | None] = mapped_column(String(32))
    # The household code the visit names, as sent: a visit naming a code the registry does not know yet is
    # linked when that household is registered (``linking.relink_waiting``).
    household_code: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default="received", index=True)
    # When the evidence checks (server/evidence) last ran over this visit; None = not yet.
    evidence_checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # True while an attachment the instance expects has not arrived (split uploads, lost files).
    incomplete: Mapped[bool] = mapped_column(Boolean, default=False)
    version_count: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    area: Mapped[Area | None] = relationship()
    form: Mapped[Form] = relationship()
    form_version: Mapped[FormVersion] = relationship()
    household: Mapped[Household | None] = relationship()
    submitter: Mapped[User | None] = relationship(foreign_keys=[submitter_id])
    versions: Mapped[list["SubmissionVersion"]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.id", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> "SubmissionVersion":
        return self.versions[-1]


class SubmissionVersion(Base):
    """One XML accepted for a submission: the original, or an edit that replaced ``deprecated_id``."""

    __tablename__ = "submission_version"
    __table_args__ = (UniqueConstraint("form_id", "instance_id", name="uq_submission_version_form_id_instance_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id"))
    instance_id: Mapped[str] = mapped_column(String(255))
    deprecated_id: Mapped[str | None] = mapped_column(String(255))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    xml_sha256: Mapped[str] = mapped_column(String(64))
    xml_size: Mapped[int] = mapped_column(BigInteger)
    instance_name: Mapped[str | None] = mapped_column(String(255))
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    device_id: Mapped[str | None] = mapped_column(String(255))
    # File names the instance's binary questions (photos, signatures…) refer to.
    expected_attachments: Mapped[list] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="versions")
    attachments: Mapped[list["SubmissionAttachment"]] = relationship(
        back_populates="version", order_by="SubmissionAttachment.name", cascade="all, delete-orphan"
    )

    @property
    def present_attachments(self) -> list[str]:
        return [a.name for a in self.attachments]

    @property
    def missing_attachments(self) -> list[str]:
        present = set(self.present_attachments)
        return [name for name in self.expected_attachments if name not in present]


class SubmissionAttachment(Base):
    __tablename__ = "submission_attachment"
    __table_args__ = (UniqueConstraint("version_id", "name", name="uq_submission_attachment_version_id_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    version: Mapped[SubmissionVersion] = relationship(back_populates="attachments")


class TestSubmission(Base):
    """A submission sent while previewing a form's draft: kept apart from visits (its own table, so no
    list, household file, register, ledger or score ever reads it) and deleted with the draft's publishing."""

    __tablename__ = "test_submission"
    __table_args__ = (UniqueConstraint("form_version_id", "instance_id",
                                       name="uq_test_submission_form_version_id_instance_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[str] = mapped_column(String(255))
    xml_sha256: Mapped[str] = mapped_column(String(64))
    # [{"name", "sha256", "size", "content_type"}] of the attachments received with it
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    submitter: Mapped[User | None] = relationship()
