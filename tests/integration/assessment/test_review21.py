"""Review 21's findings on the assessment: only the district's own duties count, the adjustment cap
is the year's, the city bureau is no district, and points are plain ASCII."""

from __future__ import annotations

import uuid
from datetime import date

from service.core.runtime import Runtime
from service.deadlines.models import Escalation
from tests.helpers import Api

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
