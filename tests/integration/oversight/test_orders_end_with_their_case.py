"""督办 orders do not outlive their case (review of issue 20): an order cannot be issued on a case
that a concurrent take-over is ending, a case ending by any path closes its open orders (audited,
the system's act), the sweep never escalates an order on an ended case, and the order lists read
their cases and replies in one query each."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, update

from service.cases.models import Case
from service.core.config import Settings
from service.core.runtime import Runtime
from service.deadlines import service as deadlines
from service.oversight import service as oversight
from service.oversight.models import SupervisionOrder
from service.oversight.schemas import OrderIn, TakeOverIn
from state_machines.errors import GuardFailed
from state_machines.principals import Actor
from state_machines.vocabulary import Role
from tests.helpers import Api, bearer, penalty_case
from tests.integration.cases.v2_support import district_people, person, v2_settings

A, B = "150602", "150603"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def post(api: Api, token: str, path: str, body: dict | None = None):
    return api.client.post(f"/api/v1{path}", json=body, headers=bearer(token))


def order_on(api: Api, token: str, case_id: str, **extra) -> dict:
    made = post(api, token, "/oversight/supervision-orders", {"case_id": case_id, "expectation": "加快办理", **extra})
    assert made.status_code == 201, made.text
    return made.json()


def stream(api: Api, order_id: str) -> list[dict]:
    return api.get(api.principal("auditor"), "/audit/events", case_id=order_id).json()["items"]


def sweep(runtime: Runtime, day: date) -> dict:
    with runtime.db.write() as session:
        return deadlines.sweep(session, runtime.rules, datetime(day.year, day.month, day.day, 2, tzinfo=UTC)).as_dict()


def test_an_order_racing_a_take_over_waits_for_it_and_is_refused(api: Api, runtime: Runtime) -> None:
    """B1: the take-over holds the case row; the order waits, then sees `transferred_out` (409), so no
    open order is left on the ended case (on PostgreSQL an unlocked read saw `filed` and opened one)."""
    a = district_people(api, A)
    city = person(api, "city")
    case = api.create(a.officer.token, penalty_case(A))
    case = api.ok(a.supervisor.token, case["id"], "accept", {"co_officer": a.co_officer.id})
    actor = Actor(city.id, Role.city, None)
    outcome: dict = {}

    def second() -> None:
        try:
            with runtime.db.write() as session:
                body = OrderIn(case_id=case["id"], expectation="加快")
                outcome["order"] = oversight.issue_order(session, actor, body, runtime.rules, 10)
        except GuardFailed as refused:
            outcome["refused"] = refused

    holding = runtime.db.write()
    session = holding.__enter__()
    try:
        oversight.take_over(session, actor, TakeOverIn(case_id=case["id"], reason="提级"), runtime.rules)
        racer = threading.Thread(target=second)
        racer.start()
        time.sleep(1.0)  # the order is waiting for the case row (PostgreSQL) or the write lock (SQLite)
    finally:
        holding.__exit__(None, None, None)
    racer.join(30)
    assert "refused" in outcome and "order" not in outcome, outcome
    with runtime.db.read() as read:
        assert read.get(Case, case["id"]).state == "transferred_out"
        assert read.query(SupervisionOrder).filter_by(case_id=case["id"]).count() == 0


@pytest.mark.parametrize("ending", ["reject", "transfer"])
def test_a_case_that_ends_closes_its_open_orders(api: Api, runtime: Runtime, ending: str) -> None:
    """B2: whatever ends the case, its open orders close by an audited system `close`, and the district
    owes no reply any more: the sweep escalates nothing for them."""
    a, b = district_people(api, A), district_people(api, B)
    city = person(api, "city")
    case = api.create(a.officer.token, penalty_case(A))
    if ending == "transfer":
        api.ok(a.supervisor.token, case["id"], "accept", {"co_officer": a.co_officer.id})
    first = order_on(api, city.token, case["id"])
    second = order_on(api, city.token, case["id"])
    assert post(api, a.supervisor.token, f"/oversight/supervision-orders/{second['id']}/replies",
                {"progress": "正在核查"}).status_code == 200
    closed_by_city = order_on(api, city.token, case["id"])
    assert post(api, city.token, f"/oversight/supervision-orders/{closed_by_city['id']}/close").status_code == 200

    if ending == "reject":
        ended = api.ok(a.supervisor.token, case["id"], "reject", reason="不属于本局管辖")
        state = ended["state"]
    else:  # the asked district accepts the transfer: the case ends through the assistance request
        api.ok(a.supervisor.token, case["id"], "transfer_jurisdiction", {"to_district": B})
        [request] = api.get(b.supervisor.token, "/assistance-requests", direction="received").json()["items"]
        accepted = post(api, b.supervisor.token, f"/assistance-requests/{request['id']}/events", {"event": "accept"})
        assert accepted.status_code == 200, accepted.text
        state = api.get(a.supervisor.token, f"/cases/{case['id']}").json()["state"]
    assert state == {"reject": "rejected", "transfer": "transferred_out"}[ending]
    for order in (first, second):
        now_ = api.get(city.token, f"/oversight/supervision-orders/{order['id']}").json()
        assert now_["state"] == "closed" and now_["allowed_actions"] == [] and now_["closed_at"]
        last = stream(api, order["id"])[-1]
        assert (last["event"], last["actor"], last["data"]) == ("close", "system", {"case_ended": state})
    assert [e["event"] for e in stream(api, closed_by_city["id"])] == ["issue", "close"]  # closed once only
    assert post(api, a.supervisor.token, f"/oversight/supervision-orders/{first['id']}/replies",
                {"progress": "x"}).status_code == 409
    assert sweep(runtime, date.fromisoformat(first["due"]) + timedelta(days=1))["escalations"] == 0
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True


def test_the_sweep_ignores_an_open_order_whose_case_has_ended(api: Api, runtime: Runtime) -> None:
    """B2: the overdue query itself skips final cases (an order left open by data from before the fix)."""
    a = district_people(api, A)
    city = person(api, "city")
    case = api.create(a.officer.token, penalty_case(A))
    order = order_on(api, city.token, case["id"])
    with runtime.db.write() as session:  # an ended case with an order still open, as older data may have
        session.execute(update(Case).where(Case.id == case["id"]).values(state="rejected"))
    assert sweep(runtime, date.fromisoformat(order["due"]) + timedelta(days=1))["escalations"] == 0
    assert api.get(city.token, "/escalations").json()["items"] == []


def test_an_order_closes_without_a_body(api: Api) -> None:
    """B5: the conclusion is optional, and so is the body carrying it."""
    a = district_people(api, A)
    city = person(api, "city")
    order = order_on(api, city.token, api.create(a.officer.token, penalty_case(A))["id"])
    closed = api.client.post(f"/api/v1/oversight/supervision-orders/{order['id']}/close", headers=bearer(city.token))
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed"
    assert stream(api, order["id"])[-1]["data"] == {}


def test_the_lists_read_cases_and_replies_in_one_query_each(api: Api, runtime: Runtime) -> None:
    """N+1: listing many orders costs the same queries as listing one."""
    a = district_people(api, A)
    city = person(api, "city")
    actor = Actor(city.id, Role.city, None)

    def queries_to_list() -> tuple[int, int]:
        counted = [0]

        def count(*_args) -> None:
            counted[0] += 1

        with runtime.db.read() as session:
            engine = session.get_bind()
            event.listen(engine, "before_cursor_execute", count)
            try:
                items = oversight.list_orders(session, actor)["items"]
                oversight.open_orders(session, actor)
            finally:
                event.remove(engine, "before_cursor_execute", count)
        return len(items), counted[0]

    order_on(api, city.token, api.create(a.officer.token, penalty_case(A))["id"])
    one = queries_to_list()
    for _ in range(4):
        made = order_on(api, city.token, api.create(a.officer.token, penalty_case(A))["id"])
        post(api, a.supervisor.token, f"/oversight/supervision-orders/{made['id']}/replies", {"progress": "进展"})
    five = queries_to_list()
    assert (one[0], five[0]) == (1, 5)
    assert five[1] == one[1], (one, five)
