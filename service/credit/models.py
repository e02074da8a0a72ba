"""The dishonest list (失信) and typical cases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class DishonestEntry(Base):
    """严重违法失信名单 entry (SPEC §11): the listing stream of `state_machines.credit_listing`, proposed
    by the penalising district for its own case, consented by the city, listed for a fixed three
    years; head of its audit stream. Version-1 entries (city-approved, free `until`) carry
    `legacy` and keep their `until`."""

    __tablename__ = "dishonest_entries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    district: Mapped[str] = mapped_column(String(6))
    basis: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    listed_on: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    """The last day on the list: `listed_on` + 36 months, computed (a legacy entry's is the one given)."""
    state: Mapped[str] = mapped_column(String(16))  # credit_listing.STATE_LABELS
    legacy: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    """The statement clock, the party's statement/defence/hearing/waiver, the consent document, the repair."""
    decision: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_dishonest_entries_case_id", "case_id"), Index("ix_dishonest_entries_state", "state"))


LISTED_STATES = ("listed", "repair_applied")
"""States in which the party is on the list (until `until`); the risk view reads them."""


class TypicalCase(Base):
    """典型案例: a closed case the city nominates for publication (World IP Day, 4·26)."""

    __tablename__ = "typical_cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    summary: Mapped[str] = mapped_column(Text)
    nominated_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
