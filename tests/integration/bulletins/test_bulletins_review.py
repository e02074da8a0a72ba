"""通报 after review (issue 20): a district reads only its own rectification answers, issuing waits for
the period's end and refuses a rectification already due, the city neither praises nor criticises
itself, the lists page (SPEC §6), the city's team is reminded too, and periods follow the statistical
month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from service.bulletins import reminders
from service.bulletins import service as bulletins
from service.bulletins.models import Bulletin
from service.core.runtime import Runtime
from state_machines.case_machine import today_in_china
from tests.helpers import Api, bearer

A, B, C, CITY = "150602", "150603", "150621", "150600"
TODAY = today_in_china(datetime.now(UTC))


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


@pytest.fixture
def people(api: Api) -> dict[str, str]:
    return {"city": api.principal("city"), "auditor": api.principal("auditor"),
            "sup_a": api.principal("supervisor", A), "sup_b": api.principal("supervisor", B),
            "officer_a": api.principal("officer", A), "team": api.principal("supervisor", CITY)}


def post(api: Api, token: str, path: str, body: dict | None = None):
    return api.client.post(f"/api/v1{path}", json=body, headers=bearer(token))


def body(**overrides) -> dict:
    return {"title": "通报", "from": days(-31), "to": days(-1),
            "criticisms": [{"district": A, "text": "办案超期。", "rectify_by": days(20)},
                           {"district": B, "text": "立案偏少。", "rectify_by": days(30)}], **overrides}


def draft(api: Api, people: dict, **overrides) -> str:
    made = post(api, people["city"], "/bulletins", body(**overrides))
    assert made.status_code == 201, made.text
    return made.json()["id"]


def issue(api: Api, people: dict, **overrides) -> str:
    bid = draft(api, people, **overrides)
    issued = post(api, people["city"], f"/bulletins/{bid}/issue")
    assert issued.status_code == 200, issued.text
    return bid


def bulletin_events(runtime: Runtime, bid: str) -> int:
    from service.core.models import Event

    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(Event).where(Event.stream_id == bid))


def test_a_district_reads_its_own_rectification_answers_only(api: Api, people: dict) -> None:
    """B3: the criticisms are public; what each district answered is its own, the city's and the auditors'."""
    bid = issue(api, people)
    for who, district in (("sup_a", A), ("sup_b", B)):
        answered = post(api, people[who], f"/bulletins/{bid}/rectifications/{district}/answers",
                        {"text": f"{district} 内部整改细节"})
        assert answered.status_code == 201, answered.text
        # B5: an answer's time is China time, as every other time of the API
        assert answered.json()["answers"][0]["at"].endswith("+08:00")
    for who, seen in (("sup_a", [A]), ("officer_a", [A]), ("sup_b", [B]), ("city", [A, B]), ("auditor", [A, B]),
                      ("team", [A, B])):
        detail = api.get(people[who], f"/bulletins/{bid}").json()
        assert [r["district"] for r in detail["rectifications"]] == seen, who
        assert [c["district"] for c in detail["criticisms"]] == [A, B], who
    page = api.client.get(f"/api/v1/bulletins/{bid}", params={"format": "html"}, headers=bearer(people["sup_a"]))
    assert page.status_code == 200 and f"{B} 内部整改细节" not in page.text


def test_issuing_waits_for_the_period_and_refuses_a_rectification_already_due(
        api: Api, people: dict, runtime: Runtime) -> None:
    """B4: a period not ended is 409 guard_failed; a rectification due today or before is 422 naming it."""
    running = draft(api, people, to=days(0), criticisms=[{"district": A, "text": "x", "rectify_by": days(5)}])
    refused = post(api, people["city"], f"/bulletins/{running}/issue")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "guard_failed"
    due = draft(api, people, **{"from": days(-60), "to": days(-30)}, criticisms=[
        {"district": A, "text": "x", "rectify_by": days(5)}, {"district": B, "text": "y", "rectify_by": days(0)}])
    late = post(api, people["city"], f"/bulletins/{due}/issue")
    assert late.status_code == 422 and late.json()["error"]["fields"] == ["criticisms[1].rectify_by"]
    for bid in (running, due):
        assert api.get(people["city"], f"/bulletins/{bid}").json()["state"] == "draft"
        assert bulletin_events(runtime, bid) == 1  # the draft only: nothing recorded
    assert api.get(people["sup_a"], "/notifications").json()["items"] == []


def test_the_city_neither_praises_nor_criticises_itself(api: Api, people: dict, runtime: Runtime) -> None:
    """B6: 150600 writes the bulletin; naming it is 422 with the field."""
    praised = post(api, people["city"], "/bulletins", body(commendations=[{"district": CITY, "text": "好"}]))
    assert praised.status_code == 422 and praised.json()["error"]["fields"] == ["commendations[0].district"]
    criticised = post(api, people["city"], "/bulletins", body(criticisms=[
        {"district": A, "text": "x", "rectify_by": days(9)}, {"district": CITY, "text": "y", "rectify_by": days(9)}]))
    assert criticised.status_code == 422 and criticised.json()["error"]["fields"] == ["criticisms[1].district"]
    bid = draft(api, people)
    patched = api.client.patch(f"/api/v1/bulletins/{bid}", json={"commendations": [{"district": CITY, "text": "好"}]},
                               headers=bearer(people["city"]))
    assert patched.status_code == 422
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Bulletin)) == 1


def test_the_lists_page_and_a_district_asks_for_its_own_only(api: Api, people: dict) -> None:
    """B5: `/bulletins` and `/bulletins/rectifications` page by `limit`/`cursor`; another district's
    rectifications are 403 as `/escalations` are."""
    ids = [issue(api, people, **{"from": days(-31 - 40 * n), "to": days(-1 - 40 * n)}, title=f"第{n}期")
           for n in range(3)]
    seen, cursor = [], None
    while True:
        got = api.get(people["officer_a"], "/bulletins", limit=2, **({"cursor": cursor} if cursor else {})).json()
        assert len(got["items"]) <= 2
        seen += [b["id"] for b in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert seen == ids  # the newest period first
    assert api.get(people["officer_a"], "/bulletins", cursor="garbage").status_code == 422
    assert api.get(people["officer_a"], "/bulletins", limit=0).status_code == 422

    rects, cursor = [], None
    while True:
        got = api.get(people["city"], "/bulletins/rectifications", limit=4,
                      **({"cursor": cursor} if cursor else {})).json()
        rects += [(r["bulletin_id"], r["district"]) for r in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert len(rects) == len(set(rects)) == 6
    assert [r["due_on"] for r in api.get(people["city"], "/bulletins/rectifications", limit=500).json()["items"]] \
        == sorted([days(20)] * 3 + [days(30)] * 3)
    refused = api.get(people["sup_a"], "/bulletins/rectifications", district=B)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    own = api.get(people["sup_a"], "/bulletins/rectifications", district=A).json()["items"]
    assert {r["district"] for r in own} == {A} and len(own) == 3
    assert len(api.get(people["city"], "/bulletins/rectifications", district=B).json()["items"]) == 3


def test_the_city_team_is_reminded_of_a_bulletin_due(api: Api, people: dict, runtime: Runtime) -> None:
    """B7: 150600's supervisors draft and issue: they hear that a period ended without a bulletin."""
    with runtime.db.write() as session:
        assert reminders.remind(session, datetime(2026, 11, 3, 2, tzinfo=UTC))["bulletin_due"] is not None
    for who in ("city", "team"):
        assert [n["kind"] for n in api.get(people[who], "/notifications").json()["items"]] == ["bulletin_due"], who
    assert api.get(people["sup_a"], "/notifications").json()["items"] == []


def test_periods_follow_the_statistical_month() -> None:
    """G2: with `IPCASE_STAT_MONTH=ending:20` a two-month period runs from the 21st two months back to the 20th."""
    rule = "ending:20"
    assert bulletins.period_of(date(2026, 12, 7), 2, rule).as_dict() == {"from": "2026-10-21", "to": "2026-12-20"}
    assert bulletins.period_of(date(2026, 12, 25), 2, rule).as_dict() == {"from": "2026-12-21", "to": "2027-02-20"}
    assert bulletins.last_ended_period(date(2026, 12, 7), 2, rule).as_dict() == {"from": "2026-08-21",
                                                                                 "to": "2026-10-20"}
    assert bulletins.last_ended_period(date(2026, 12, 21), 2, rule).as_dict() == {"from": "2026-10-21",
                                                                                  "to": "2026-12-20"}
    assert bulletins.last_ended_period(date(2026, 12, 7), 2, "calendar").as_dict() == {"from": "2026-09-01",
                                                                                       "to": "2026-10-31"}
    assert bulletins.last_ended_period(date(2026, 4, 20), 3, rule).as_dict() == {"from": "2025-12-21",
                                                                                 "to": "2026-03-20"}
