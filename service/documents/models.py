"""The bureau's numbered documents (SPEC §12) and their number counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class DocumentCounter(Base):
    """The last number given per district, kind and year: one row, updated in place (never reused)."""

    __tablename__ = "document_counters"
    district: Mapped[str] = mapped_column(String(6), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class BureauDocument(Base):
    """One numbered document as issued: its number and the data it states, frozen at issue.

    Rendering (HTML, PDF) reads only this row and the reference data, so a document downloaded
    years later says what it said the day it was issued, whatever happened to the case since."""

    __tablename__ = "bureau_documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    event: Mapped[str | None] = mapped_column(String(40))
    """The case event that issued it; null when drawn up on demand."""
    event_seq: Mapped[int] = mapped_column(Integer)
    """The case's version when it was issued (the event's seq)."""
    actor: Mapped[str] = mapped_column(String(36))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("district", "kind", "year", "seq", name="uq_bureau_documents_number"),)
