"""Response shapes of the cases' routes (issue 23): what `view.case_json` and `queries` return.

Documentation only: the routes return their dicts (the event route and the history a ready
`JSONResponse`) and nothing validates them at run time; the OpenAPI test validates real answers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from service.core.schemas import EventOut, Out, Page


class PartyOut(Out):
    id: str
    name: str
    type: Literal["organisation", "individual"]
    credit_code: str | None
    id_number: str | None
    """Masked (SPEC §6)."""
    foreign: bool


class DeadlineOut(Out):
    name: str
    owner: str
    started: date
    due: date
    status: str
    calendar: str
    label: str | None = None
    """Machine version 2: the clock's Chinese name."""
    estimated_start: bool | None = None


class RecommendationOut(Out):
    action: str
    reason: str


class GradeReasonOut(Out):
    code: str
    grade: str
    text: str


class RiskOut(Out):
    """The respondent's record (SPEC §6 Risk)."""

    prior_penalties_5y: int
    open_cases_elsewhere: int
    on_dishonest_list: bool
    repeat_infringement: bool
    prior_same_kind_2y: int | None = None
    grade: Literal["A", "B", "C", "D"]
    """The respondent's credit risk grade on the day the case was received (SPEC §11)."""
    grade_reasons: list[GradeReasonOut]
    """Every rule of the grade rules file that matched, strictest first."""


class CaseOut(Out):
    """A case (SPEC §6; version 2's keys per §10.9 are absent from a version-1 case)."""

    id: str
    number: str
    kind: str
    track: str
    district: str
    state: str
    state_label: str
    version: int
    source: str
    title: str
    description: str
    parties: dict[str, PartyOut]
    """By role: `respondent`, `complainant`."""
    sector: str | None
    venue: str | None
    tags: list[str]
    amounts: dict[str, str | None]
    """Decimal strings (yuan, two places) by name."""
    marks_count: int | None
    outcome: str | None
    assigned_officer: str | None
    received_at: datetime | None
    violation_ended_on: date | None
    created_at: datetime
    updated_at: datetime
    allowed_events: list[str]
    deadlines: list[DeadlineOut]
    recommendations: list[RecommendationOut]
    risk: RiskOut
    machine_version: int
    officers: list[str] | None = None
    patent_type: str | None = None
    public_safety: bool | None = None
    discovered_at: date | None = None
    decision: dict[str, Any] | None = None
    surcharge: str | None = None
    enforcement_applied: bool | None = None
    panel: list[str] | None = None
    transferred_from: str | None = None
    transferred_to: str | None = None
    campaign_id: str | None = None
    inspection_id: str | None = None
    assigned_by: str | None = None
    """交办 (SPEC §12): the city principal who registered the case into this district."""


class CasePage(Page[CaseOut]):
    """A page of `CaseOut`."""


class EventPage(Page[EventOut]):
    """A page of `EventOut`."""


class MachineStateOut(Out):
    name: str
    label: str
    final: bool


class EventFieldOut(Out):
    required: bool


class MachineEventOut(Out):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    event: str
    from_: list[str] = Field(alias="from")
    to: str | None
    """The destination; null for an internal event (the state stays), `origin` for the state it came from."""
    internal: bool
    who: str
    reason_required: bool
    data: dict[str, EventFieldOut]
    """The event's data fields by name."""


class StateMachineOut(Out):
    """The machine's table (`format=json`); `format=mermaid` answers text/vnd.mermaid."""

    track: str
    version: int
    initial: str
    states: list[MachineStateOut]
    events: list[MachineEventOut]


class HealthOut(Out):
    status: Literal["ok"]
    orchestrator: Literal["up", "down", "unknown"]
    orchestrator_mode: str
    orchestrator_since: float | None
    """Unix time of the last change of `orchestrator`."""
    dispatch: str
