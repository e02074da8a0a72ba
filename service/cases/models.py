"""The case file's tables: cases, their parties, numbers, the audit log and idempotency keys, documents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base
from state_machines.vocabulary import AMOUNT_FIELDS, DECISION_AMOUNT_FIELDS


class Party(Base):
    """The party registry: one row per organisation (credit code) or person (ID number)."""

    __tablename__ = "parties"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    district: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    track: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    machine_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    """The machine (SPEC §10.1) whose table, guards and clocks the case's events are checked against."""
    head_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(String(32))
    venue: Mapped[str | None] = mapped_column(String(32))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    case_value: Mapped[int | None] = mapped_column(BigInteger)
    illegal_turnover: Mapped[int | None] = mapped_column(BigInteger)
    illegal_gains: Mapped[int | None] = mapped_column(BigInteger)
    direct_loss: Mapped[int | None] = mapped_column(BigInteger)
    unsold_stock_value: Mapped[int | None] = mapped_column(BigInteger)
    fine: Mapped[int | None] = mapped_column(BigInteger)
    confiscation: Mapped[int | None] = mapped_column(BigInteger)
    compensation: Mapped[int | None] = mapped_column(BigInteger)
    marks_count: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(32))
    assigned_officer: Mapped[str | None] = mapped_column(ForeignKey("principals.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    violation_ended_on: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the case reached a final state: reports count open cases at a month's end with it."""
    next_bureau_due: Mapped[date | None] = mapped_column(Date)
    """Earliest due date among the bureau's running duties: the work list's index."""
    next_due: Mapped[date | None] = mapped_column(Date)
    """Earliest due date among all running clocks: what the deadline sweep selects on."""
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    transferred_from: Mapped[str | None] = mapped_column(String(36))
    transferred_to: Mapped[str | None] = mapped_column(String(36))
    campaign_id: Mapped[str | None] = mapped_column(String(36), index=True)
    """The campaign (专项行动) whose inspection opened the case (SPEC §12); `?campaign=` filters on it."""
    inspection_id: Mapped[str | None] = mapped_column(String(36))
    """The inspection whose finding opened the case; the inspection names the case back."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("district", "year", "seq", name="uq_cases_district_year_seq"),
        Index("ix_cases_district_created", "district", "created_at", "id"),
        Index("ix_cases_created", "created_at", "id"),
        Index("ix_cases_next_bureau_due", "next_bureau_due"),
        Index("ix_cases_next_due", "next_due"),
        Index("ix_cases_state", "state"),
        Index("ix_cases_received", "received_at"),
        Index("ix_cases_decided", "decided_at"),
    )


AMOUNT_COLUMNS: tuple[str, ...] = AMOUNT_FIELDS + DECISION_AMOUNT_FIELDS


class CaseParty(Base):
    __tablename__ = "case_parties"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)  # respondent | complainant
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    foreign: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseNumberCounter(Base):
    __tablename__ = "case_number_counters"
    district: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class IdempotencyKey(Base):
    """The first answer to a keyed request, returned again on retry (kept 24 h)."""

    __tablename__ = "idempotency_keys"
    principal_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stream_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Document(Base):
    """A letter or report kept with the case (`GET /cases/{id}/documents`), HTML rendered by Jinja2."""

    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
