"""The case file's tables (SPEC §12): the attachments of each case, and the bytes of the database store.

An attachment row says which content (by SHA-256) a case holds under which name; the content
itself is stored once however many cases or names hold it. The row is a convenience for
listing: what the case's file is, and which hash each file must have, is recorded in the
case's own hash chain (`attach` and `detach` events), which `verify_files` checks against.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import UTCDateTime
from service.core.models import Base


class Attachment(Base):
    __tablename__ = "case_attachments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    attached_by: Mapped[str] = mapped_column(String(36))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attach_seq: Mapped[int] = mapped_column(Integer)
    """The seq of the case's `attach` event."""
    detached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detached_by: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (Index("ix_case_attachments_case", "case_id", "attached_at"),
                      Index("ix_case_attachments_sha256", "sha256"))


class BlobChunk(Base):
    """The database store: each content as chunks of at most 1 MiB, read back one at a time."""

    __tablename__ = "casefile_blob_chunks"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ReviewRound(Base):
    """案卷评查: a round of the city's review of closed cases' files (SPEC §12); an audit stream's head."""

    __tablename__ = "case_file_review_rounds"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    districts: Mapped[list] = mapped_column(JSON)
    checklist: Mapped[list] = mapped_column(JSON)
    """[{item, label, points}] as configured when the round opened."""
    rectify_due: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str | None] = mapped_column(String(64))


class ReviewedCase(Base):
    """One sampled case of a round: its score, deductions and the district's rectification."""

    __tablename__ = "case_file_reviews"
    round_id: Mapped[str] = mapped_column(ForeignKey("case_file_review_rounds.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    district: Mapped[str] = mapped_column(String(6))
    deductions: Mapped[list | None] = mapped_column(JSON)
    score: Mapped[int | None] = mapped_column(Integer)
    reviewed_by: Mapped[str | None] = mapped_column(String(36))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectification: Mapped[str | None] = mapped_column(Text)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
