"""Response shapes of the assistance routes (issue 23): what `service.request_json` returns."""

from __future__ import annotations

from datetime import date, datetime
from datetime import date as Date
from typing import Literal

from service.core.schemas import Out, Page


class SummaryPartyOut(Out):
    """A party as the asked side sees it: no ID number."""

    id: str
    name: str
    type: Literal["organisation", "individual"]
    credit_code: str | None
    foreign: bool


class CaseSummaryOut(Out):
    number: str
    kind: str
    title: str
    parties: dict[str, SummaryPartyOut]


class ReplyOut(Out):
    findings: str
    date: Date | None
    place: str | None
    actor: str
    at: datetime


class AssistanceOut(Out):
    id: str
    case_id: str
    kind: str
    from_district: str
    to_district: str | None
    to_agency: str | None
    state: str
    state_label: str
    request: str
    operation: str | None
    due: date | None
    extended: bool
    handoff_id: str | None
    new_case_id: str | None
    version: int
    allowed_events: list[str]
    case_summary: CaseSummaryOut
    replies: list[ReplyOut]
    created_at: datetime


class AssistancePage(Page[AssistanceOut]):
    """A page of `AssistanceOut`."""
