"""Response shapes of the handoffs' routes (issue 23): what `answers.handoff_json` returns."""

from __future__ import annotations

from datetime import date, datetime

from service.core.schemas import Out, Page


class HandoffAnswerOut(Out):
    decision: str
    note: str | None
    reference: str | None
    until: date | None
    channel: str
    actor: str
    at: datetime


class HandoffOut(Out):
    id: str
    case_id: str
    case_number: str
    kind: str
    agency: str
    status: str
    attempts: int
    due: date | None
    answer_clock: str | None
    last_error: str | None
    answers: list[HandoffAnswerOut]
    allowed_decisions: list[str]
    created_at: datetime
    delivered_at: datetime | None
    letter_title: str
    letter_html: str
    reconsideration_of: str | None = None


class HandoffPage(Page[HandoffOut]):
    """A page of `HandoffOut`."""


class DocumentOut(Out):
    id: str
    kind: str
    title: str
    html: str
    created_at: datetime


class DocumentPage(Page[DocumentOut]):
    """A page of `DocumentOut`."""
