"""The dishonest list (失信) and typical cases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class DishonestEntry(Base):
    """失信 list entry: proposed by a district supervisor, decided by the city, repaired (信用修复) later;
    head of its audit stream."""

    __tablename__ = "dishonest_entries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    district: Mapped[str] = mapped_column(String(6))
    basis: Mapped[str] = mapped_column(Text)
    until: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))  # proposed | approved | rejected | repaired
    decision: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TypicalCase(Base):
    """典型案例: a closed case the city nominates for publication (World IP Day, 4·26)."""

    __tablename__ = "typical_cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    summary: Mapped[str] = mapped_column(Text)
    nominated_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
