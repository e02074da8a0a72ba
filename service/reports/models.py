"""Frozen monthly submissions and the reminders the report flow has sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class ReportSubmission(Base):
    """A district's monthly figures confirmed by its supervisor and frozen (SPEC §6), head of an audit stream."""

    __tablename__ = "report_submissions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    district: Mapped[str] = mapped_column(String(6))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    snapshot: Mapped[dict] = mapped_column(JSON)
    submitted_by: Mapped[str] = mapped_column(String(36))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    """The audit stream's length, as on every stream head (not the submission's version: `revision`)."""
    head_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    """The submission's version (1, then a correction's 2, 3 …): every version is kept, frozen."""
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why a correction was made (required from version 2)."""

    __table_args__ = (UniqueConstraint("district", "month", "revision", name="uq_report_submissions_revision"),)


class ActionPlan(Base):
    """A district's 专项行动方案 for a year with its 责任人 and 联络员 (the seed: due 26 March), head of an
    audit stream; submitted again, it is revised (the contact list shows the latest)."""

    __tablename__ = "report_action_plans"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    district: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    plan: Mapped[str] = mapped_column(Text)
    responsible: Mapped[dict] = mapped_column(JSON)  # {name, post, phone, email}
    liaison: Mapped[dict] = mapped_column(JSON)
    attachment_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attachment_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """Kept in the row (small: `IPCASE_ACTION_PLAN_ATTACHMENT_MAX_BYTES`); its hash is in the chain."""
    submitted_by: Mapped[str] = mapped_column(String(36))
    first_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the plan was first submitted: what lateness is judged by."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="submitted")
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("district", "year", name="uq_report_action_plans"),)


class DistrictSummary(Base):
    """A district's 阶段性总结 (midyear) or 全年总结 (annual): narrative sections and its figures, frozen
    at submission; head of an audit stream."""

    __tablename__ = "report_summaries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    district: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(8))  # midyear | annual
    sections: Mapped[dict] = mapped_column(JSON)  # {section key: text}
    snapshot: Mapped[dict] = mapped_column(JSON)  # the figures from 1 January to the due date
    due_on: Mapped[date] = mapped_column(Date)
    submitted_by: Mapped[str] = mapped_column(String(36))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("district", "year", "period", name="uq_report_summaries"),)


class ReportReminder(Base):
    """A reminder the report flow has sent; unique, so a rerun sends nothing twice."""

    __tablename__ = "report_reminders"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # due_soon | missing
    month: Mapped[str] = mapped_column(String(7))
    district: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("kind", "month", "district", name="uq_report_reminders"),)
