"""Request and response shapes of the bulletins (issue 20)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field

from service.core.schemas import Out, Page, Strict
from service.reports.schemas import BulletinOut, PeriodOut
from state_machines.types import Day, ShortText, Text

DistrictCode = Annotated[str, Field(min_length=1, max_length=6)]


class CommendationIn(Strict):
    district: DistrictCode
    text: Text


class CriticismIn(Strict):
    """通报批评: what is wrong, and the date its rectification (整改) is due (after the period)."""

    district: DistrictCode
    text: Text
    rectify_by: Day


class BulletinIn(Strict):
    """A new draft; without `from` and `to`, the last ended period of `IPCASE_BULLETIN_MONTHS`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    title: ShortText
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None
    commendations: list[CommendationIn] = Field(default_factory=list, max_length=50)
    criticisms: list[CriticismIn] = Field(default_factory=list, max_length=50)


class BulletinPatch(Strict):
    """A draft's changes: a list given replaces the list."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    title: ShortText | None = None
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None
    commendations: list[CommendationIn] | None = Field(default=None, max_length=50)
    criticisms: list[CriticismIn] | None = Field(default=None, max_length=50)


class AnswerIn(Strict):
    text: Text


class RemarkOut(Out):
    district: str
    district_name: str
    text: str


class CriticismOut(RemarkOut):
    rectify_by: date


class AnswerOut(Out):
    by: str
    at: str
    text: str


class RectificationOut(Out):
    bulletin_id: str
    bulletin_number: str | None
    district: str
    district_name: str
    due_on: date
    done_on: date | None = Field(description="the day the city accepted it; null while open")
    state: str = Field(description="open | answered | accepted")
    overdue: bool
    answers: list[AnswerOut]


class RectificationPage(Page[RectificationOut]):
    """A page of `RectificationOut`."""


class BulletinSummaryOut(Out):
    id: str
    number: str | None = Field(description="鄂市监知通〔2026〕3号 once issued; null while a draft")
    title: str
    period: PeriodOut
    state: str = Field(description="draft | issued")
    created_at: str
    issued_at: str | None


class BulletinPage(Page[BulletinSummaryOut]):
    """A page of `BulletinSummaryOut`."""


class BulletinLinks(Out):
    html: str
    pdf: str


class BulletinDetailOut(BulletinSummaryOut):
    """The bulletin whole: its ranked figures (frozen at issue), texts and rectifications."""

    report: BulletinOut
    commendations: list[RemarkOut]
    criticisms: list[CriticismOut]
    rectifications: list[RectificationOut]
    links: BulletinLinks
