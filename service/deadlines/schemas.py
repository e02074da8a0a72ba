"""Response shapes of the notifications and escalations routes (issue 23)."""

from __future__ import annotations

from datetime import date, datetime

from service.core.schemas import Out, Page


class NotificationOut(Out):
    id: str
    kind: str
    case_id: str | None
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Page[NotificationOut]):
    """A page of `NotificationOut`."""


class NotificationReadOut(Out):
    id: str
    read_at: datetime


class EscalationOut(Out):
    """超期督办: a clock overdue on a case, raised to the city."""

    id: str
    case_id: str
    case_number: str
    title: str
    state: str
    district: str
    clock: str
    due: date
    created_at: datetime


class EscalationPage(Page[EscalationOut]):
    """A page of `EscalationOut`."""
