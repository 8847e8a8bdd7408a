"""XLSForms, their draft and published versions, media files and assignments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.areas.models import Area
from server.db import Base, utcnow

FORM_STATES = ("open", "closing", "closed")
FORM_STATE_LABELS = {"open": "开放", "closing": "停止下发", "closed": "已关闭"}


class Form(Base):
    __tablename__ = "form"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    xml_form_id: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="open")
    # The area that owns the form (normally the county): who may manage it.
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    area: Mapped[Area] = relationship()
    versions: Mapped[list["FormVersion"]] = relationship(
        back_populates="form", order_by="FormVersion.id", cascade="all, delete-orphan"
    )
    assignments: Mapped[list["FormAssignment"]] = relationship(cascade="all, delete-orphan")

    @property
    def draft(self) -> "FormVersion | None":
        return next((v for v in self.versions if v.status == "draft"), None)

    @property
    def published(self) -> list["FormVersion"]:
        return [v for v in self.versions if v.status == "published"]

    @property
    def current(self) -> "FormVersion | None":
        pub = self.published
        return pub[-1] if pub else None


class FormVersion(Base):
    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("form_id", "version", name="uq_form_version_form_id_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"), index=True)
    # "draft" while editable; "published" once frozen. Only one draft per form.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    source_filename: Mapped[str] = mapped_column(String(255))
    source_sha256: Mapped[str] = mapped_column(String(64))
    xform_sha256: Mapped[str] = mapped_column(String(64))
    xform_md5: Mapped[str] = mapped_column(String(32))
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    validated: Mapped[bool] = mapped_column(Boolean, default=False)
    validate_note: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The checked scoring sheet (server.scoring.sheet.read_scoring): frozen with the version like the XForm.
    scoring: Mapped[dict | None] = mapped_column(JSON)

    form: Mapped[Form] = relationship(back_populates="versions")
    media: Mapped[list["FormMedia"]] = relationship(
        back_populates="version", order_by="FormMedia.filename", cascade="all, delete-orphan"
    )


class FormMedia(Base):
    __tablename__ = "form_media"
    __table_args__ = (UniqueConstraint("version_id", "filename", name="uq_form_media_version_id_filename"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    md5: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))

    version: Mapped[FormVersion] = relationship(back_populates="media")


class FormAssignment(Base):
    """A form is handed to a role within an area (e.g. all cadres of a township)."""

    __tablename__ = "form_assignment"
    __table_args__ = (UniqueConstraint("form_id", "role", "area_id", name="uq_form_assignment_form_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))

    area: Mapped[Area] = relationship()
