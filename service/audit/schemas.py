"""Response shapes of the audit routes (issue 23)."""

from __future__ import annotations

from typing import Any

from service.core.schemas import EventOut, Out, Page


class AuditEventOut(EventOut):
    """An event of any stream (case, handoff, assistance request, report, ...)."""

    id: int
    stream_type: str
    stream_id: str


class AuditEventPage(Page[AuditEventOut]):
    """A page of `AuditEventOut`."""


class VerifyOut(Out):
    ok: bool
    events_checked: int
    first_bad: dict[str, Any] | None = None
    """The first event whose hash or chain does not verify."""
