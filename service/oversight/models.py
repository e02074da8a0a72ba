"""督办 (supervision orders) of the city on a district's case, and the district's replies (SPEC §12)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class SupervisionOrder(Base):
    """One 督办 order: what the city expects of the district on a case and by when it must reply.

    Head of its own audit stream (`supervision`): `issue`, each `reply`, `close`. Its reply
    deadline is the bureau clock `supervision_reply` of the case's district: the deadline sweep
    escalates an order still unanswered after `due`, once."""

    __tablename__ = "supervision_orders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    district: Mapped[str] = mapped_column(String(6))
    """The case's district when the order was issued: the one that must reply."""
    expectation: Mapped[str] = mapped_column(Text)
    due: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))  # open | replied | closed
    issued_by: Mapped[str] = mapped_column(String(36))
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_supervision_orders_district_state", "district", "state", "due"),
        Index("ix_supervision_orders_case", "case_id"),
    )


class SupervisionReply(Base):
    """A progress reply of the district's supervisor to an order (one or more per order)."""

    __tablename__ = "supervision_replies"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("supervision_orders.id"))
    progress: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_supervision_replies_order", "order_id", "id"),)
