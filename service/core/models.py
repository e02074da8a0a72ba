"""The schema (SQLAlchemy 2 declarative). Alembic migrations create it; this module mirrors them.

Amounts are stored as integer fen (分) so sums are exact on SQLite and PostgreSQL alike.
`events` is the append-only audit log shared by every stream (case, assistance request,
handoff, dishonest list); each stream's own row keeps its length and head hash.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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
    legal_qualified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """法律职业资格 (reviewers only; 行政处罚法 art. 58 ¶2)."""
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Length of the principal's audit stream (disable, enable, rename, token rotation); 0 until the first."""
    head_hash: Mapped[str | None] = mapped_column(String(64))
    # the workbench's sign-in (issue 23): a person's name and password for the board; tokens stay for machines
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """argon2id (`service.core.principals.hash_password`); none until an admin or the person sets one."""


class BoardSession(Base):
    """A signed-in browser (issue 23): the cookie holds a random id, this row its SHA-256."""

    __tablename__ = "board_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Event(Base):
    """The append-only audit log of every stream (SPEC §8): one row per event, chained by hash."""

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
