"""The handoff outbox, partners' answers and every delivery attempt."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class Handoff(Base):
    """The outbox row of a handoff to another agency (SPEC §5), and the head of its audit stream."""

    __tablename__ = "handoffs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    answer_clock: Mapped[str | None] = mapped_column(String(40))
    due: Mapped[date | None] = mapped_column(Date)
    reconsideration_of: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_handoffs_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_handoffs_agency_created", "agency", "created_at"),
        Index("ix_handoffs_status_due", "status", "due"),
    )


class HandoffAnswer(Base):
    __tablename__ = "handoff_answers"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id"), index=True)
    decision: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))
    until: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))  # partner | paper | callback
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryAttempt(Base):
    """Every delivery attempt, successful or not: what the supervisor reads when a handoff failed."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
