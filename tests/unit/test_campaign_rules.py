"""The pure rules of campaigns (state_machines/campaigns.py): phases, inspection dates, targets."""

from __future__ import annotations

from datetime import date

import pytest

from state_machines.campaigns import (
    InspectionFact,
    Period,
    check_campaign,
    check_inspection_day,
    evaluate_targets,
    months_of,
)
from state_machines.errors import InvalidData

PERIOD = Period(date(2026, 12, 1), date(2027, 1, 31))
PHASES = {"before": Period(date(2026, 12, 1), date(2026, 12, 9)),
          "during": Period(date(2026, 12, 10), date(2026, 12, 12)),
          "after": Period(date(2026, 12, 13), date(2027, 1, 31))}


def test_months_cross_the_year() -> None:
    assert months_of(PERIOD) == [(2026, 12), (2027, 1)]


def test_phases_that_touch_are_refused() -> None:
    touching = {**PHASES, "during": Period(date(2026, 12, 9), date(2026, 12, 12))}
    with pytest.raises(InvalidData) as refused:
        check_campaign("exhibition", PERIOD, touching, {}, None, None)
    assert refused.value.extra["fields"] == ["phases.during"]
    check_campaign("exhibition", PERIOD, PHASES, {}, None, None)


def test_an_inspection_day_lies_in_its_phase() -> None:
    check_inspection_day(date(2026, 12, 11), PERIOD, PHASES, "during", date(2026, 12, 11))
    with pytest.raises(InvalidData):
        check_inspection_day(date(2026, 12, 11), PERIOD, PHASES, "after", date(2026, 12, 11))
    with pytest.raises(InvalidData):
        check_inspection_day(date(2026, 12, 12), PERIOD, PHASES, "during", date(2026, 12, 11))


def _fact(day: date, method: str = "on_site", listed: bool = True, store: str | None = None) -> InspectionFact:
    return InspectionFact(day, method, "compliant", listed, store)


def test_a_month_is_open_until_it_ends_then_met_or_missed() -> None:
    facts = [_fact(date(2026, 12, 3)), _fact(date(2026, 12, 4), "sampling"), _fact(date(2027, 1, 2), listed=False)]
    during = evaluate_targets({"inspections_per_month": 2, "sampling_ratio": 0.3}, PERIOD, facts, date(2027, 1, 15))
    assert [m["status"] for m in during["inspections_per_month"]["months"]] == ["met", "open"]
    assert during["inspections_per_month"]["status"] == "open" and during["sampling_ratio"]["status"] == "met"
    after = evaluate_targets({"inspections_per_month": 2}, PERIOD, facts, date(2027, 2, 1))
    assert [m["status"] for m in after["inspections_per_month"]["months"]] == ["met", "missed"]
    assert after["inspections_per_month"]["status"] == "missed"


def test_stores_count_once_however_often_checked() -> None:
    facts = [_fact(date(2026, 12, 3), "online", store="s1"), _fact(date(2026, 12, 5), "online", store="s1")]
    result = evaluate_targets({"stores_checked": 2}, PERIOD, facts, date(2027, 2, 1))["stores_checked"]
    assert result == {"target": 2, "done": 1, "status": "missed"}
