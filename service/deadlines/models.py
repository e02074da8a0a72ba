"""The deadline sweep's tables: announced clock changes and escalations (the inbox is in `service.core.models`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class ClockAlert(Base):
    """A clock's change the sweep has announced; unique, so a repeated sweep announces nothing twice."""

    __tablename__ = "clock_alerts"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    clock: Mapped[str] = mapped_column(String(80))  # a case clock, or assistance_answer:<request id>
    level: Mapped[str] = mapped_column(String(16))  # due_soon | overdue | lapsed
    due: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("case_id", "clock", "level", "due", name="uq_clock_alerts"),)


class Escalation(Base):
    """An overdue bureau clock reported to the city bureau (超期督办), listed for the city."""

    __tablename__ = "escalations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    district: Mapped[str] = mapped_column(String(6))
    clock: Mapped[str] = mapped_column(String(80))
    due: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("case_id", "clock", "due", name="uq_escalations"),
        Index("ix_escalations_district_created", "district", "created_at"),
    )
