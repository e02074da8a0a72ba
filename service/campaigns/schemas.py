"""Request and response shapes of campaigns, registers and inspections (SPEC §12), documented in the OpenAPI.

The response models (issue 23) are documentation only: the routes return the dicts `service`,
`registers` and `progress` build, nothing validates them at run time, and
tests/integration/core/test_openapi_types.py validates real answers against them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from service.cases.schemas import CaseOut
from service.core.schemas import AmountsIn, Kind, Out, Page, PartiesIn, Sector, Strict, Venue
from state_machines import campaigns as rules
from state_machines.types import Code, Day, ShortText, Text

CampaignKind = Literal[tuple(rules.KINDS)]  # type: ignore[valid-type]
Holiday = Literal[tuple(rules.HOLIDAYS)]  # type: ignore[valid-type]
Phase = Literal[tuple(rules.PHASES)]  # type: ignore[valid-type]
Method = Literal[tuple(rules.METHODS)]  # type: ignore[valid-type]
Result = Literal[tuple(rules.RESULTS)]  # type: ignore[valid-type]
RegisterKind = Literal[tuple(rules.REGISTER_KINDS)]  # type: ignore[valid-type]
GiCategory = Literal[tuple(rules.GI_CATEGORIES)]  # type: ignore[valid-type]
MarketStatus = Literal[tuple(rules.MARKET_STATUSES)]  # type: ignore[valid-type]
Attachment = Annotated[str, Field(min_length=1, max_length=500)]
Id = Annotated[str, Field(min_length=1, max_length=36)]


class PeriodIn(Strict):
    start: Day
    end: Day


class PhasesIn(Strict):
    """An exhibition's phases: 展前排查 (before), 展中巡查 (during), 展后追查 (after)."""

    before: PeriodIn
    during: PeriodIn
    after: PeriodIn


class PlanIn(Strict):
    """The plan: its text (a holiday node's 工作预案), the emergency contact, attachments (names, for now)."""

    text: Annotated[str | None, Field(max_length=20_000)] = None
    emergency_contact: Annotated[str | None, Field(max_length=200)] = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)


class TargetsIn(Strict):
    """Per district taking part. `inspections`: in the period; `inspections_per_month` (GI): inspections
    of listed GI products in each month; `sampling_ratio` (GI): the share of sampling among the
    inspections; `stores_checked` (e-commerce): distinct stores whose authorisation was checked."""

    inspections: int | None = Field(default=None, ge=1, le=100_000)
    inspections_per_month: int | None = Field(default=None, ge=1, le=10_000)
    sampling_ratio: Decimal | None = Field(default=None, gt=0, le=1, max_digits=5, decimal_places=4)
    stores_checked: int | None = Field(default=None, ge=1, le=100_000)


class CampaignCreate(Strict):
    kind: CampaignKind
    name: ShortText
    period: PeriodIn
    districts: list[Code] = Field(min_length=1, max_length=20)
    holiday: Holiday | None = None
    plan: PlanIn = Field(default_factory=PlanIn)
    phases: PhasesIn | None = None
    targets: TargetsIn = Field(default_factory=TargetsIn)


class CampaignAmend(Strict):
    """Change the name, plan, period, phases, targets or districts; checked again as a whole."""

    name: ShortText | None = None
    period: PeriodIn | None = None
    districts: list[Code] | None = Field(default=None, min_length=1, max_length=20)
    plan: PlanIn | None = None
    phases: PhasesIn | None = None
    targets: TargetsIn | None = None
    reason: Annotated[str | None, Field(max_length=2000)] = None


class SubjectIn(Strict):
    """What was checked: a product, a mark, a patent number."""

    product: ShortText | None = None
    mark: ShortText | None = None
    patent_number: Annotated[str | None, Field(max_length=40)] = None


class CaseFromFinding(Strict):
    """The case a finding opens: the case create body of SPEC §6 without district and source (the
    inspection's district; source `online_platform` for an online inspection, else `inspection`).
    Title and description default to the inspection's."""

    kind: Kind
    parties: PartiesIn
    title: ShortText | None = None
    description: Text | None = None
    sector: Sector | None = None
    venue: Venue | None = None
    tags: list[ShortText] = Field(default_factory=list, max_length=19)
    amounts: AmountsIn | None = None
    marks_count: int | None = Field(default=None, ge=0, le=100_000)
    violation_ended_on: Day | None = None
    patent_type: Literal["invention", "utility_model", "design", "none"] | None = None
    public_safety: bool = False


class InspectionCreate(Strict):
    date: Day
    phase: Phase | None = None
    place: ShortText | None = None
    store_id: Id | None = None
    market_id: Id | None = None
    product_id: Id | None = None
    subject: SubjectIn = Field(default_factory=SubjectIn)
    method: Method
    result: Result
    findings: Annotated[str | None, Field(max_length=10_000)] = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    case: CaseFromFinding | None = None
    """Open the case of the finding in the same step."""


class RegisterCreate(Strict):
    kind: RegisterKind
    name: ShortText
    district: Code | None = None
    category: GiCategory | None = None
    holders: list[ShortText] = Field(default_factory=list, max_length=50)
    platform_id: Id | None = None
    status: MarketStatus | None = None
    details: dict[str, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict, max_length=30)
    """Free facts: a store's URL and its authorisation information, a GI product's area, a market's address."""


class RegisterAmend(Strict):
    name: ShortText | None = None
    holders: list[ShortText] | None = Field(default=None, max_length=50)
    status: MarketStatus | None = None
    details: dict[str, Annotated[str, Field(max_length=2000)]] | None = Field(default=None, max_length=30)
    reason: Annotated[str | None, Field(max_length=2000)] = None


# ---- Response shapes (issue 23) -------------------------------------------------------------------


class CampaignPeriodOut(Out):
    start: date
    end: date


class CampaignPhaseOut(Out):
    start: date
    end: date
    label: str
    """布展期 / 展会期间 / 撤展后 …"""


class CampaignOut(Out):
    id: str
    kind: str
    kind_label: str
    name: str
    owner: str
    """The city, or the planning district's code."""
    period: CampaignPeriodOut
    districts: list[str]
    holiday: str | None
    holiday_label: str | None
    plan: dict[str, Any] | None
    """A holiday campaign's 工作预案: `text`, `emergency_contact`."""
    phases: dict[str, CampaignPhaseOut]
    targets: dict[str, Any]
    """As planned: `inspections`, `inspections_per_month`, `sampling_ratio` (a decimal string), `stores_checked`."""
    state: str
    version: int
    created_at: datetime


class CampaignPage(Page[CampaignOut]):
    pass


class InspectionOut(Out):
    id: str
    campaign_id: str
    district: str
    phase: str | None
    phase_label: str | None
    date: date
    place: str | None
    store_id: str | None
    market_id: str | None
    product_id: str | None
    subject: dict[str, Any]
    method: str
    method_label: str
    result: str
    result_label: str
    findings: str | None
    attachments: list[str]
    officer: str
    case_id: str | None
    created_at: datetime
    case: CaseOut | None = None
    """The case the finding opened, when this answer opened it."""


class InspectionPage(Page[InspectionOut]):
    pass


class ProgressCampaignOut(Out):
    id: str
    name: str
    kind: str
    period: CampaignPeriodOut
    targets: dict[str, Any]


class ProgressRowOut(Out):
    """A district's row (or the total, `district` null, without `targets`)."""

    district: str | None
    district_name: str
    inspections: int
    by_phase: dict[str, int]
    by_method: dict[str, int]
    by_result: dict[str, int]
    findings: int
    cases_opened: int
    cases_open: int
    case_outcomes: dict[str, int]
    targets: dict[str, dict[str, Any]] | None = None
    """Per target: `target`, `done`, `status` (met, missed, open), `months` per month where monthly."""
    targets_met: bool


class CampaignProgressOut(Out):
    campaign: ProgressCampaignOut
    as_of: date
    districts: list[ProgressRowOut]
    total: ProgressRowOut


class RegisterEntryOut(Out):
    """A GI product, platform, store or market; the list adds its checks (inspections the caller sees)."""

    id: str
    kind: str
    kind_label: str
    name: str
    district: str | None
    holders: list[str]
    details: dict[str, Any]
    status: str
    version: int
    created_at: datetime
    category: str | None = None
    category_label: str | None = None
    platform_id: str | None = None
    status_label: str | None = None
    stores: int | None = None
    """A platform read alone: its stores in the register."""
    checks: int | None = None
    findings: int | None = None
    last_checked_on: date | None = None
    last_result: str | None = None
    last_method: str | None = None


class RegisterEntryPage(Page[RegisterEntryOut]):
    pass
