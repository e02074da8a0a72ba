"""Shapes of the assessment (督导考核, SPEC §12): the year's table as JSON, and an adjustment in and out."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from service.core.schemas import Out, Strict
from state_machines.types import SignedAmount


class AdjustmentIn(Strict):
    district: Annotated[str, Field(min_length=6, max_length=6)]
    year: Annotated[int, Field(ge=1990, le=2100)]
    points: Annotated[SignedAmount, Field(max_digits=6, description="added (+) or taken (−); ASCII digits only "
                                                                    "(SPEC §10.8)")]
    reason: Annotated[str, Field(min_length=1, max_length=2000, description="why: the documented basis")]


class AdjustmentOut(Out):
    id: str
    district: str
    year: int
    points: float
    reason: str
    created_by: str
    created_at: str


class ItemScoreOut(Out):
    key: str
    label: str
    value: float | None = Field(description="the raw value (a share, an average mark, a count); null: nothing "
                                            "to measure, scored by the item's `when_missing`")
    score: float = Field(description="0..1")
    weight: float
    points: float = Field(description="weight × score")
    figures: dict[str, float | int] = Field(description="the counts behind the value")
    case_ids: list[str] = Field(description="the cases behind the figures (the late ones, the reviewed files), "
                                            "at most 50")
    link: str | None = Field(description="the board's list of the cases behind the figure, filtered")


class DistrictAssessmentOut(Out):
    district: str
    district_name: str
    items: list[ItemScoreOut]
    subtotal: float
    adjustment: float
    adjustments: list[AdjustmentOut]
    total: float
    rank: int


class ItemOut(Out):
    key: str
    label: str
    weight: float
    method: str


class AssessmentOut(Out):
    year: int
    title: str
    items: list[ItemOut]
    total_weight: float
    max_adjustment: float
    districts: list[DistrictAssessmentOut]
