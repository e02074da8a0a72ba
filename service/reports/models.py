"""Frozen monthly submissions and the reminders the report flow has sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, UniqueConstraint
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
    head_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("district", "month", name="uq_report_submissions"),)


class ReportReminder(Base):
    """A reminder the report flow has sent; unique, so a rerun sends nothing twice."""

    __tablename__ = "report_reminders"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # due_soon | missing
    month: Mapped[str] = mapped_column(String(7))
    district: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("kind", "month", "district", name="uq_report_reminders"),)
