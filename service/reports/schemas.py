"""Response shapes of the reports (issue 23), `format=json`; the other formats are files.

A figure row's keys are the figures' keys (`reports.figures.FIGURES`): counts as integers,
amounts as decimal strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field

from service.core.schemas import Out, Page

FigureValue = int | str | None


class PeriodOut(Out):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date = Field(alias="from")
    to: date


class FigureOut(Out):
    key: str
    label: str
    value: int | str


class BreakdownRowOut(Out):
    key: str
    label: str
    value: int


class BreakdownOut(Out):
    label: str
    rows: list[BreakdownRowOut]


class ColumnOut(Out):
    key: str
    label: str


class YearToDateOut(Out):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    period: PeriodOut
    figures: list[FigureOut]


class MonthlyReportOut(Out):
    """附件1 全市知识产权行政保护工作数据统计表."""

    title: str
    attachment: str
    period: PeriodOut
    district: str | None
    district_name: str | None
    figures: list[FigureOut]
    breakdowns: dict[str, BreakdownOut]
    by_district: list[dict[str, FigureValue]]
    """A row per district: `district`, `district_name` and every figure."""
    ytd: YearToDateOut | None = None
    """本年累计 (with `month`): the figures from the statistical year's first day to the period's end."""


class CaseDetailsReportOut(Out):
    """附件2 查办案件明细表."""

    title: str
    attachment: str
    period: PeriodOut
    district: str | None
    district_name: str | None
    columns: list[ColumnOut]
    rows: list[dict[str, FigureValue]]


class BulletinOut(Out):
    """The bulletin and the summaries: districts side by side, ranked (`rank`)."""

    title: str
    period: PeriodOut
    columns: list[ColumnOut]
    rows: list[dict[str, FigureValue]]
    total: dict[str, FigureValue]


class SubmissionListItemOut(Out):
    """A submission in the list: a version without its frozen reports (read one version for them)."""

    id: str
    district: str
    month: str
    version: int
    """1 for the first submission, 2 … for corrections (every version is kept)."""
    reason: str | None
    """The correction's reason (none on version 1)."""
    due: date
    """The month's due date (`IPCASE_STAT_DUE`)."""
    late: bool
    """This version was submitted after `due`."""
    submitted_by: str
    submitted_at: datetime


class SubmissionOut(SubmissionListItemOut):
    snapshot: dict[str, Any]
    """The frozen `monthly` and `case_details` reports."""


class SubmissionPage(Page[SubmissionListItemOut]):
    """A page of `SubmissionListItemOut` (without the snapshots: `GET …/versions/{version}` has them)."""


class FigureChangeOut(Out):
    from_: FigureValue = Field(alias="from")
    to: FigureValue
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SubmissionVersionOut(Out):
    version: int
    id: str
    reason: str | None
    submitted_by: str
    submitted_at: datetime
    figures: dict[str, FigureValue]
    changed: dict[str, FigureChangeOut]
    """Figures that differ from the version before (empty on version 1)."""


class SubmissionVersionsOut(Out):
    """A month's submitted versions side by side."""

    district: str
    month: str
    columns: list[ColumnOut]
    versions: list[SubmissionVersionOut]


class ContactOut(Out):
    name: str
    post: str
    phone: str
    email: str


class ActionPlanAttachmentOut(Out):
    name: str
    content_type: str
    sha256: str
    size: int


class ActionPlanOut(Out):
    """A district's 专项行动方案 with its 责任人 and 联络员 for a year."""

    id: str
    district: str
    year: int
    plan: str
    responsible: ContactOut
    liaison: ContactOut
    attachment: ActionPlanAttachmentOut | None
    submitted_by: str
    first_submitted_at: datetime
    updated_at: datetime
    version: int
    """The plan's audit stream length (1 + revisions)."""
    due: date
    late: bool
    """First submitted after `due`."""


class ActionPlanPage(Page[ActionPlanOut]):
    """A page of `ActionPlanOut`."""


class ContactsOut(Out):
    """责任人、联络员名单: a row per district (`CONTACT_COLUMNS` keys, `late`, `submitted`)."""

    title: str
    year: int
    due: date
    columns: list[ColumnOut]
    rows: list[dict[str, str | bool | None]]
    late: list[str]
    """Districts whose plan is late or, after the due date, missing."""


class SectionOut(Out):
    key: str
    label: str
    text: str


class DistrictSummaryOut(Out):
    """A district's 阶段性总结 or 全年总结, figures frozen at submission."""

    id: str
    district: str
    year: int
    period: str
    sections: list[SectionOut]
    figures: list[FigureOut]
    figures_period: PeriodOut
    due: date
    late: bool
    submitted_by: str
    submitted_at: datetime


class DistrictSummaryPage(Page[DistrictSummaryOut]):
    """A page of `DistrictSummaryOut`."""


class CityDistrictSectionOut(Out):
    district: str
    district_name: str
    submitted: bool
    late: bool
    state: str
    submitted_at: datetime | None
    sections: list[SectionOut]
    figures: list[FigureOut]


class CityReportSummaryOut(Out):
    """The city's summary compiled from the districts': sections side by side and the summed figures."""

    title: str
    year: int
    period: str
    due: date
    figures_period: PeriodOut
    districts: list[CityDistrictSectionOut]
    figures: list[FigureOut]
    late: list[str]


class CalendarDistrictOut(Out):
    district: str
    district_name: str
    state: str
    """已报送, 逾期报送, 未报送 or 逾期未报."""
    submitted_on: date | None
    late: bool


class CalendarItemOut(Out):
    what: str
    due: date
    overdue: bool
    """The due date has passed."""
    districts: list[CalendarDistrictOut]
    late: list[str]
    """The names of the districts late or missing."""


class CalendarOut(Out):
    """报送: the reports due around today, per district."""

    today: date
    items: list[CalendarItemOut]
