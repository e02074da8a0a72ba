"""Campaigns (专项行动), their inspections, and the registers they act on (SPEC §12)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class Campaign(Base):
    """A campaign: kind, period, districts taking part, plan, phases, targets; head of its audit stream
    (`campaign`), whose events are its creation, amendments, inspections and the cases they opened."""

    __tablename__ = "campaigns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(6))
    """The division that created it: 150600 (the city) or a district, for itself only."""
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    districts: Mapped[list] = mapped_column(JSON)
    holiday: Mapped[str | None] = mapped_column(String(16))
    plan: Mapped[dict] = mapped_column(JSON)
    phases: Mapped[dict] = mapped_column(JSON)
    targets: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # active | closed
    created_by: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_campaigns_period", "period_start", "period_end"),)


class RegisterEntry(Base):
    """One entry of a register campaigns act on: a GI product under list-based supervision (名录管理),
    an e-commerce platform, a store on a platform, a market with its model-market status.
    Head of its own audit stream (`register`)."""

    __tablename__ = "register_entries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # gi_product | platform | store | market
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(6))
    category: Mapped[str | None] = mapped_column(String(32))
    """A GI product's 类别: protected_product, collective_mark, certification_mark."""
    holders: Mapped[list] = mapped_column(JSON)
    platform_id: Mapped[str | None] = mapped_column(ForeignKey("register_entries.id"))
    details: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    """`listed` (GI products), `active` (platforms, stores), a market's model-market status."""
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Inspection(Base):
    """An inspection recorded by an officer against a campaign (and phase); audited as an event of
    the campaign's stream. `case_id` is the case its finding opened (the case carries the ids back)."""

    __tablename__ = "inspections"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    district: Mapped[str] = mapped_column(String(6))
    phase: Mapped[str | None] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    store_id: Mapped[str | None] = mapped_column(ForeignKey("register_entries.id"))
    market_id: Mapped[str | None] = mapped_column(ForeignKey("register_entries.id"))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("register_entries.id"))
    subject: Mapped[dict] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))
    findings: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON)
    officer: Mapped[str] = mapped_column(String(36))
    case_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_inspections_campaign_district", "campaign_id", "district", "day"),)
