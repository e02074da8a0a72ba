"""Review 21's findings on the assessment: only the district's own duties count, the adjustment cap
is the year's, the city bureau is no district, and points are plain ASCII."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from service.assessment.models import AssessmentAdjustment
from service.core.runtime import Runtime
from service.deadlines.models import Escalation
from tests.helpers import Api, all_at_once, bearer

from .test_assessment import EXPECTED, YEAR, A, _at, _case, _clock, _seed


def test_only_the_districts_own_bureau_duties_count(api: Api, runtime: Runtime) -> None:
    ids = _seed(runtime)
    with runtime.db.write() as s:
        # the city's designation clock on A's case (§10.9), running past due: not A's timeliness
        _case(s, A, 9, "2025-04-01", clocks={"designation": _clock("2025-04-15", "running")})
        s.flush()
        for clock in ("designation", "assistance_answer:x", "administrative_review_decision",
                      "police_answer"):  # the city's, an assistance answer, partners' answers: not A's 超期督办
            s.add(Escalation(id=str(uuid.uuid4()), case_id=ids["a3"], district=A, clock=clock,
                             due=date(2025, 7, 10), created_at=_at("2025-07-11")))
    rows = {r["district"]: r for r in api.get(api.principal("city"), "/assessment", year=YEAR).json()["districts"]}
    got = {i["key"]: (i["value"], i["points"]) for i in rows[A]["items"]}
    assert got["overdue"] == EXPECTED[A]["overdue"] and got["clock_timeliness"] == EXPECTED[A]["clock_timeliness"]
    items = {i["key"]: i for i in rows[A]["items"]}
    assert ids["a3"] not in items["overdue"]["case_ids"] and ids["a3"] not in items["clock_timeliness"]["case_ids"]
    with runtime.db.write() as s:  # a 督办 order left unanswered is A's own: counted
        s.add(Escalation(id=str(uuid.uuid4()), case_id=ids["a3"], district=A, clock="supervision_reply:o1",
                         due=date(2025, 8, 10), created_at=_at("2025-08-11")))
    rows = {r["district"]: r for r in api.get(api.principal("city"), "/assessment", year=YEAR).json()["districts"]}
    assert {i["key"]: i["value"] for i in rows[A]["items"]}["overdue"] == 3


ADJUST = "/api/v1/assessment/adjustments"


def _adjust(api: Api, token: str, points: object, district: str = A):
    return api.client.post(ADJUST, headers=bearer(token),
                           json={"district": district, "year": YEAR, "points": points, "reason": "表彰奖励加分"})


def test_the_adjustment_cap_is_the_district_years_total(api: Api) -> None:
    city, auditor = api.principal("city"), api.principal("auditor")
    assert _adjust(api, city, "6").status_code == 201
    over = _adjust(api, city, "4.01")
    assert over.status_code == 409 and over.json()["error"]["code"] == "guard_failed"
    assert "10" in over.json()["error"]["message"] and "+6.00" in over.json()["error"]["message"]
    assert _adjust(api, city, "4").status_code == 201
    assert _adjust(api, city, -20).status_code == 422  # one beyond the cap alone: the input's fault
    assert _adjust(api, city, "-15").status_code == 422
    assert _adjust(api, city, "-10").status_code == 201  # back to 0
    assert _adjust(api, city, "10", district="150603").status_code == 201  # another district's own cap
    rows = {r["district"]: r for r in api.get(auditor, "/assessment", year=YEAR).json()["districts"]}
    assert rows[A]["adjustment"] == 0 and len(rows[A]["adjustments"]) == 3
    assert api.get(auditor, "/audit/verify").json()["ok"] is True


def test_adjustment_points_are_ascii(api: Api) -> None:
    city = api.principal("city")
    for bad in ("1_0", "１０", "٣", "1e1", " 1", "+-1", True):
        response = _adjust(api, city, bad)
        assert response.status_code == 422, (bad, response.text)
    assert _adjust(api, city, "-1.5").status_code == 201 and _adjust(api, city, "+2").status_code == 201
    assert _adjust(api, city, 1.25).status_code == 201


def test_racing_adjustments_stay_under_the_cap(api: Api, runtime: Runtime) -> None:
    city, auditor = api.principal("city"), api.principal("auditor")
    codes = all_at_once(4, lambda i: _adjust(api, city, "4").status_code)
    assert sorted(codes) == [201, 201, 409, 409]
    with runtime.db.read() as s:
        total = s.scalar(select(func.sum(AssessmentAdjustment.points)).where(AssessmentAdjustment.district == A))
    assert Decimal(str(total)) == Decimal("8")
    assert api.get(auditor, "/audit/verify").json()["ok"] is True
