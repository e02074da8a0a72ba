"""The schema (SQLAlchemy 2 declarative). Alembic migrations create it; this module mirrors them.

Amounts are stored as integer fen (分) so sums are exact on SQLite and PostgreSQL alike.
`events` is the append-only audit log shared by every stream (case, assistance request,
handoff, dishonest list); each stream's own row keeps its length and head hash.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service.core.db import UTCDateTime
from state_machines.vocabulary import AMOUNT_FIELDS, DECISION_AMOUNT_FIELDS


class Base(DeclarativeBase):
    pass


class District(Base):
    __tablename__ = "districts"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    case_prefix: Mapped[str] = mapped_column(String(16))


class Agency(Base):
    __tablename__ = "agencies"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    division: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(128))
    channel: Mapped[dict] = mapped_column(JSON, default=lambda: {"type": "inbox"})


class Principal(Base):
    __tablename__ = "principals"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    district: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    agency: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A disabled principal's token is refused (401) by the API and the board alike."""
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Length of the principal's audit stream (disable, enable, rename, token rotation); 0 until the first."""
    head_hash: Mapped[str | None] = mapped_column(String(64))


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


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    stream_type: Mapped[str] = mapped_column(String(16))
    stream_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("stream_id", "seq", name="uq_events_stream_seq"),
        Index("ix_events_actor", "actor"),
        Index("ix_events_at", "at"),
    )


class IdempotencyKey(Base):
    """The first answer to a keyed request, returned again on retry (kept 24 h)."""

    __tablename__ = "idempotency_keys"
    principal_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stream_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Notification(Base):
    """The in-app inbox: one row per recipient, rendered from a template of `notifications/`."""

    __tablename__ = "notifications"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id"))
    case_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notifications_principal", "principal_id", "created_at"),)


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


class Document(Base):
    """A letter or report kept with the case (`GET /cases/{id}/documents`), HTML rendered by Jinja2."""

    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


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


class ReportSubmission(Base):
    """A district's monthly figures confirmed by its supervisor and frozen (SPEC §6), head of an audit stream."""

    __tablename__ = "report_submissions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    district: Mapped[str] = mapped_column(String(6))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    snapshot: Mapped[dict] = mapped_column(JSON)
    submitted_by: Mapped[str] = mapped_column(String(36))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("district", "month", name="uq_report_submissions"),)


class ReportReminder(Base):
    """A reminder the report flow has sent; unique, so a rerun sends nothing twice."""

    __tablename__ = "report_reminders"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # due_soon | missing
    month: Mapped[str] = mapped_column(String(7))
    district: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("kind", "month", "district", name="uq_report_reminders"),)


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
