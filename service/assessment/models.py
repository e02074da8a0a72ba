"""The city's adjustments to an assessment: each a row heading its own audit stream."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class AssessmentAdjustment(Base):
    """Points added to or taken from a district's year by the city, with the reason (documented, audited)."""

    __tablename__ = "assessment_adjustments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    district: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))  # recorded
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_assessment_adjustments_year", "year", "district"),)
