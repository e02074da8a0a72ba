"""通报 (SPEC §12, the seed's reporting calendar): bulletins, the rectifications they order, their reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class Bulletin(Base):
    """One bulletin, head of an audit stream: a draft the city edits, then issued, numbered and frozen.

    A draft's figures are computed when read; issuing stores them in `figures` with the texts, so
    an issued bulletin says forever what it said the day it was issued."""

    __tablename__ = "bulletins"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))  # draft | issued
    remarks: Mapped[dict] = mapped_column(JSON)
    """{"commendations": [{district, text}], "criticisms": [{district, text, rectify_by}]}"""
    figures: Mapped[dict | None] = mapped_column(JSON)
    """The ranked figures (`reports.figures.bulletin`) frozen at issue; null while a draft."""
    year: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str | None] = mapped_column(String(36))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("year", "seq", name="uq_bulletins_number"),
                      Index("ix_bulletins_period", "period_to", "period_from"))


class BulletinRectification(Base):
    """整改: what an issued criticism orders of one district, by a date; answered by the district's
    supervisor (once or more), accepted by the city (then `done_on` is set)."""

    __tablename__ = "bulletin_rectifications"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bulletin_id: Mapped[str] = mapped_column(ForeignKey("bulletins.id"))
    district: Mapped[str] = mapped_column(String(6))
    due_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[list] = mapped_column(JSON)
    """[{"by", "at", "text"}], oldest first."""
    done_on: Mapped[date | None] = mapped_column(Date)
    accepted_by: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (UniqueConstraint("bulletin_id", "district", name="uq_bulletin_rectifications"),
                      Index("ix_bulletin_rectifications_due", "done_on", "due_on"))


class BulletinReminder(Base):
    """A reminder the daily pass has sent (a period without a bulletin, an overdue rectification);
    unique, so a rerun sends nothing twice."""

    __tablename__ = "bulletin_reminders"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # due | overdue
    key: Mapped[str] = mapped_column(String(64))  # the period (2026-09-01/2026-10-31) or the rectification's id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("kind", "key", name="uq_bulletin_reminders"),)
