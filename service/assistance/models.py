"""Assistance requests between districts and regions, and their replies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class AssistanceRequest(Base):
    """协查 / 联合执法 / 移送管辖 between districts or to another region (SPEC §6), head of its audit stream."""

    __tablename__ = "assistance_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # investigation | joint_enforcement | transfer
    from_district: Mapped[str] = mapped_column(String(6))
    to_district: Mapped[str | None] = mapped_column(String(6))
    to_agency: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    request: Mapped[str] = mapped_column(Text)
    operation: Mapped[str | None] = mapped_column(String(200))
    due: Mapped[date | None] = mapped_column(Date)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_id: Mapped[str | None] = mapped_column(String(36))
    new_case_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_assistance_to_state", "to_district", "state"),
        Index("ix_assistance_from_created", "from_district", "created_at"),
        Index("ix_assistance_state_due", "state", "due"),
    )


class AssistanceReply(Base):
    __tablename__ = "assistance_replies"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("assistance_requests.id"), index=True)
    findings: Mapped[str] = mapped_column(Text)
    operation_date: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
