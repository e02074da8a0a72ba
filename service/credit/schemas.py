"""Response shapes of parties, the 失信 list and typical cases (issue 23, "Typed API").

Documentation only: the routes return the dicts `service`, `listing` and `grades` build, and
nothing validates them at run time; tests/integration/core/test_openapi_types.py validates real
answers against these models (which refuse undeclared keys).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from service.cases.schemas import GradeReasonOut
from service.core.schemas import Out, Page

Grade = Literal["A", "B", "C", "D"]
PartyType = Literal["organisation", "individual"]


class CreditPartyOut(Out):
    """A party as the registry holds it (ID numbers masked)."""

    id: str
    type: PartyType
    name: str
    credit_code: str | None
    id_number: str | None


class GradedPartyOut(Out):
    """A party of the grade asked for (`?grade=`, the city's view)."""

    id: str
    type: PartyType
    name: str
    credit_code: str | None
    grade: Grade
    grade_reasons: list[GradeReasonOut]


class PartySearchOut(Out):
    """`?credit_code=`: the party in `items`; `?name=`: `items` empty and up to 20 `suggestions` (never
    merged automatically); `?grade=`: the parties of that grade in `items`."""

    items: list[CreditPartyOut | GradedPartyOut]
    suggestions: list[CreditPartyOut] | None = None
    next_cursor: str | None


class PartyCaseOut(Out):
    """One of the party's cases: number, district and role for everyone; the rest where the caller
    may read the case."""

    number: str
    district: str
    role: str
    id: str | None = None
    title: str | None = None
    kind: str | None = None
    state: str | None = None
    state_label: str | None = None
    outcome: str | None = None
    received_at: datetime | None = None


class PartyDetailOut(Out):
    id: str
    type: PartyType
    name: str
    credit_code: str | None
    id_number: str | None
    cases: list[PartyCaseOut]
    case_counts: dict[str, int]
    """Cases per district."""
    on_dishonest_list: bool
    grade: Grade
    grade_reasons: list[GradeReasonOut]


class ListingStepOut(Out):
    seq: int
    event: str
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    data: dict[str, Any]
    reason: str | None


class DishonestEntryOut(Out):
    """An entry of the 严重违法失信名单 and where its procedure stands (`steps` on a single entry)."""

    id: str
    party_id: str
    party: CreditPartyOut
    case_id: str | None
    district: str
    basis: str
    detail: str | None
    state: str
    state_label: str
    listed_on: date | None
    until: date | None
    legacy: bool
    statement_due: date | None
    decision: str | None
    created_at: datetime
    version: int
    steps: list[ListingStepOut] | None = None


class DishonestEntryPage(Page[DishonestEntryOut]):
    pass


class PublicationEntryOut(Out):
    """An entry on the list today, personal data minimised (what a publication system imports)."""

    id: str
    party_name: str
    credit_code: str | None
    basis: str
    case_number: str | None
    listed_on: date | None
    until: date
    authority: str
    legacy: bool


class PublicationPage(Page[PublicationEntryOut]):
    pass


class TypicalCaseOut(Out):
    """A typical case (典型案例), depersonalised for publication on 4·26."""

    id: str
    case_id: str
    year: int
    number: str
    title: str
    kind: str
    kind_label: str
    district: str | None
    """The district's name."""
    respondent: str
    outcome: str | None
    summary: str


class TypicalCasePage(Page[TypicalCaseOut]):
    pass
