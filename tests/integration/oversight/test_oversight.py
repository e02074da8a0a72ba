"""City oversight (SPEC §12, issue 20): 交办, 提级管辖 and 督办, end to end with their refusals, on
machine version 2; the answers are validated against the documented models."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.cases.schemas import CaseOut
from service.core.config import Settings
from service.core.runtime import Runtime
from service.deadlines import service as deadlines
from service.oversight import service as oversight
from service.oversight.schemas import OrderOut, OrderPage, TakeOverOut
from state_machines.errors import NotFound
from state_machines.principals import Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import Role
from tests.helpers import Api, bearer, board_cookie, penalty_case
from tests.integration.cases.v2_support import district_people, person, v2_settings

A, B, CITY = "150602", "150603", "150600"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def post(api: Api, token: str, path: str, body: dict):
    return api.client.post(f"/api/v1{path}", json=body, headers=bearer(token))


def count_cases(api: Api, token: str) -> int:
    return len(api.get(token, "/cases", limit=500).json()["items"])


def filed_case(api: Api, people) -> dict:
    case = api.create(people.officer.token, penalty_case(A))
    return api.ok(people.supervisor.token, case["id"], "accept", {"co_officer": people.co_officer.id})


def board(api: Api, token: str) -> str:
    return api.client.get("/board", headers={"cookie": board_cookie(api.client, token)}).text


def test_the_city_assigns_a_case_to_a_district(api: Api) -> None:
    a = district_people(api, A)
    city = person(api, "city")
    body = penalty_case(A, title="市局交办：某商场销售假冒商标箱包")
    body.pop("source")
    # refusals first: nothing is registered
    auditor = api.principal("auditor")
    assert post(api, a.supervisor.token, "/oversight/assignments", body).status_code == 403
    assert post(api, a.officer.token, "/oversight/assignments", body).status_code == 403
    unknown = post(api, city.token, "/oversight/assignments", {**body, "district": "999999"})
    assert unknown.status_code == 422 and unknown.json()["error"]["fields"] == ["district"]
    assert post(api, city.token, "/oversight/assignments", {**body, "source": "complaint"}).status_code == 422
    assert count_cases(api, auditor) == 0

    made = post(api, city.token, "/oversight/assignments", {**body, "instructions": "请于十日内立案查处"})
    assert made.status_code == 201, made.text
    case = CaseOut.model_validate(made.json()).model_dump(mode="json", exclude_unset=True)
    assert case["district"] == A and case["source"] == "superior" and case["assigned_by"] == city.id
    assert case["officers"] == [] and case["state"] == "received"
    seen = api.get(a.supervisor.token, f"/cases/{case['id']}").json()
    assert seen["assigned_by"] == city.id and seen["source"] == "superior"
    [told] = api.get(a.supervisor.token, "/notifications").json()["items"]
    assert told["kind"] == "city_assigned" and told["case_id"] == case["id"] and "请于十日内立案查处" in told["body"]
    [created] = api.get(a.supervisor.token, f"/cases/{case['id']}/history").json()["items"]
    assert created["actor"] == city.id and created["data"]["assigned_by"] == city.id
    assert created["data"]["instructions"] == "请于十日内立案查处"
    # no first officer: the district's `accept` names two officers (SPEC §10.9)
    refused = api.fire(a.supervisor.token, case["id"], "accept", {"co_officer": a.co_officer.id})
    assert refused.status_code == 422
    accepted = api.ok(a.supervisor.token, case["id"], "accept", {"officers": [a.officer.id, a.co_officer.id]})
    assert accepted["state"] == "filed" and accepted["officers"] == [a.officer.id, a.co_officer.id]
    # the city's own supervisors assign too
    team = person(api, "supervisor", CITY)
    again = post(api, team.token, "/oversight/assignments", {**body, "district": B})
    assert again.status_code == 201 and again.json()["assigned_by"] == team.id and again.json()["district"] == B
    assert api.get(auditor, "/audit/verify").json()["ok"] is True


def test_the_city_takes_over_a_district_case(api: Api) -> None:
    a = district_people(api, A)
    city = person(api, "city")
    team_officer, team_other = person(api, "officer", CITY), person(api, "officer", CITY)
    team_supervisor = person(api, "supervisor", CITY)
    case = filed_case(api, a)
    order = post(api, city.token, "/oversight/supervision-orders", {"case_id": case["id"], "expectation": "加快办理"})
    assert order.status_code == 201, order.text
    # refusals: a district may not, a reason is needed, unknown case
    assert post(api, a.supervisor.token, "/oversight/take-overs",
                {"case_id": case["id"], "reason": "x"}).status_code == 403
    assert post(api, city.token, "/oversight/take-overs", {"case_id": case["id"]}).status_code == 422
    assert post(api, city.token, "/oversight/take-overs", {"case_id": "nope", "reason": "x"}).status_code == 404
    assert api.get(a.supervisor.token, f"/cases/{case['id']}").json()["state"] == "filed"

    taken = post(api, city.token, "/oversight/take-overs", {"case_id": case["id"], "reason": "案情重大，市局提级查办"})
    assert taken.status_code == 201, taken.text
    answer = TakeOverOut.model_validate(taken.json())
    assert answer.original_state == "transferred_out" and answer.case.district == CITY
    new_id = answer.case.id
    assert answer.case.transferred_from == case["id"] and answer.case.machine_version == 2
    original = api.get(a.supervisor.token, f"/cases/{case['id']}").json()
    assert original["state"] == "transferred_out" and original["transferred_to"] == new_id
    assert original["outcome"] == "transferred" and original["allowed_events"] == []
    last = api.get(a.supervisor.token, f"/cases/{case['id']}/history").json()["items"][-1]
    assert last["event"] == "take_over" and last["actor"] == city.id and last["reason"] == "案情重大，市局提级查办"
    assert last["data"] == {"taken_over": True, "new_case_id": new_id}
    kinds = [n["kind"] for n in api.get(a.supervisor.token, "/notifications").json()["items"]]
    assert "taken_over" in kinds and "supervision_ordered" in kinds
    # the city's team reads both histories; the district does not read the city's case
    [created] = api.get(team_officer.token, f"/cases/{new_id}/history").json()["items"]
    assert created["data"]["taken_over"] is True and created["data"]["transferred_from"] == case["id"]
    assert api.get(team_officer.token, f"/cases/{case['id']}/history").status_code == 200
    assert api.get(a.supervisor.token, f"/cases/{new_id}").status_code == 404
    # the open order on the original closed with it
    closed = api.get(city.token, f"/oversight/supervision-orders/{order.json()['id']}").json()
    assert closed["state"] == "closed" and closed["clock"]["status"] == "ended"
    # the new case has no first officer: its accept names two
    accepted = api.ok(team_supervisor.token, new_id, "accept", {"officers": [team_officer.id, team_other.id]})
    assert accepted["state"] == "filed"
    # not twice, and not the city's own case
    again = post(api, city.token, "/oversight/take-overs", {"case_id": case["id"], "reason": "x"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    own = post(api, city.token, "/oversight/take-overs", {"case_id": new_id, "reason": "x"})
    assert own.status_code == 409 and own.json()["error"]["code"] == "guard_failed"
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True


def test_a_decided_case_is_not_taken_over(api: Api) -> None:
    a = district_people(api, A)
    city = person(api, "city")
    case = filed_case(api, a)
    api.ok(a.supervisor.token, case["id"], "suspend", reason="等待鉴定")
    assert post(api, city.token, "/oversight/take-overs", {"case_id": case["id"], "reason": "提级"}).status_code == 201
    other = api.create(a.officer.token, penalty_case(A))
    api.ok(a.supervisor.token, other["id"], "reject", reason="不属于本局管辖")
    refused = post(api, city.token, "/oversight/take-overs", {"case_id": other["id"], "reason": "提级"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_transition"


def sweep(runtime: Runtime, day: date) -> dict:
    with runtime.db.write() as session:
        return deadlines.sweep(session, runtime.rules, datetime(day.year, day.month, day.day, 2, tzinfo=UTC)).as_dict()


def test_a_supervision_order_is_issued_replied_escalated_once_and_closed(api: Api, runtime: Runtime) -> None:
    a, b = district_people(api, A), district_people(api, B)
    city = person(api, "city")
    auditor = api.principal("auditor")
    case = filed_case(api, a)
    body = {"case_id": case["id"], "expectation": "请查明涉案商品来源并报送办理进展"}
    # refusals: a district issues nothing; bad dates; unknown case
    assert post(api, a.supervisor.token, "/oversight/supervision-orders", body).status_code == 403
    assert post(api, b.supervisor.token, "/oversight/supervision-orders", body).status_code == 403
    past = post(api, city.token, "/oversight/supervision-orders", {**body, "due": "2020-01-01"})
    assert past.status_code == 422 and past.json()["error"]["fields"] == ["due"]
    assert post(api, city.token, "/oversight/supervision-orders", {**body, "due": "2101-01-01"}).status_code == 422
    assert post(api, city.token, "/oversight/supervision-orders", {**body, "case_id": "x"}).status_code == 404
    assert api.get(city.token, "/oversight/supervision-orders").json()["items"] == []

    made = post(api, city.token, "/oversight/supervision-orders", body)
    assert made.status_code == 201, made.text
    order = OrderOut.model_validate(made.json())
    today = datetime.now(CHINA_TZ).date()
    assert order.state == "open" and order.district == A and order.issued_by == city.id
    assert order.due == runtime.rules.calendar.add_workdays(today, 10)  # IPCASE_SUPERVISION_REPLY_WORKDAYS
    assert order.due > today and order.clock.status == "running" and order.allowed_actions == ["close"]
    oid = order.id
    # who reads it: the district (404 for another district, 403 to list another's)
    assert api.get(a.officer.token, f"/oversight/supervision-orders/{oid}").json()["allowed_actions"] == []
    assert api.get(a.supervisor.token, f"/oversight/supervision-orders/{oid}").json()["allowed_actions"] == ["reply"]
    assert api.get(b.supervisor.token, f"/oversight/supervision-orders/{oid}").status_code == 404
    assert api.get(b.supervisor.token, "/oversight/supervision-orders", district=A).status_code == 403
    assert api.get(b.supervisor.token, "/oversight/supervision-orders").json()["items"] == []
    listed = OrderPage.model_validate(api.get(a.supervisor.token, "/oversight/supervision-orders",
                                              state="open", case_id=case["id"]).json())
    assert [o.id for o in listed.items] == [oid]
    assert len(api.get(auditor, "/oversight/supervision-orders").json()["items"]) == 1
    assert api.get(a.supervisor.token, "/oversight/supervision-orders", state="bogus").status_code == 422
    # the case page's list (the lead shows it), scoped as the case is
    with runtime.db.read() as session:
        assert [o["id"] for o in oversight.orders_for_case(session, Actor(a.supervisor.id, Role.supervisor, A),
                                                           case["id"])] == [oid]
        with pytest.raises(NotFound):
            oversight.orders_for_case(session, Actor(b.supervisor.id, Role.supervisor, B), case["id"])
    assert "请查明涉案商品来源" in board(api, city.token).split('id="supervision-orders"')[1]
    assert case["number"] in board(api, a.supervisor.token).split('id="supervision-orders"')[1]
    assert "没有未结束的督办事项" in board(api, b.supervisor.token)

    # no reply by the due date: on the due date nothing, the day after it escalates once
    due = order.due
    assert sweep(runtime, due)["escalations"] == 0
    first = sweep(runtime, due + timedelta(days=1))
    assert first["escalations"] == 1
    assert sweep(runtime, due + timedelta(days=1))["escalations"] == 0
    assert sweep(runtime, due + timedelta(days=5))["escalations"] == 0
    escalated = api.get(city.token, "/escalations").json()["items"]
    assert [(e["case_id"], e["clock"], e["due"], e["district"]) for e in escalated] == \
        [(case["id"], f"supervision_reply:{oid}", due.isoformat(), A)]
    assert len(api.get(a.supervisor.token, "/escalations").json()["items"]) == 1
    for told in (a.supervisor.token, city.token):
        assert any(n["kind"] == "supervision_overdue" for n in api.get(told, "/notifications").json()["items"])

    # replies: the district's supervisor only, once or more
    reply = {"progress": "已调取进货台账，正在核查供货商"}
    assert post(api, a.officer.token, f"/oversight/supervision-orders/{oid}/replies", reply).status_code == 403
    assert post(api, city.token, f"/oversight/supervision-orders/{oid}/replies", reply).status_code == 403
    assert post(api, b.supervisor.token, f"/oversight/supervision-orders/{oid}/replies", reply).status_code == 404
    assert post(api, a.supervisor.token, f"/oversight/supervision-orders/{oid}/replies", {}).status_code == 422
    replied = post(api, a.supervisor.token, f"/oversight/supervision-orders/{oid}/replies", reply)
    assert replied.status_code == 200, replied.text
    assert replied.json()["state"] == "replied" and replied.json()["clock"]["status"] == "met"
    more = {"progress": "已立案调查供货商"}
    twice = post(api, a.supervisor.token, f"/oversight/supervision-orders/{oid}/replies", more)
    assert [r.progress for r in OrderOut.model_validate(twice.json()).replies] == [
        "已调取进货台账，正在核查供货商", "已立案调查供货商"]
    assert sweep(runtime, due + timedelta(days=6))["escalations"] == 0
    # the case page shows the order and its replies to the district and the city, not to another district
    for reader in (a.supervisor.token, city.token):
        page = api.client.get(f"/board/cases/{case['id']}", headers={"cookie": board_cookie(api.client, reader)})
        orders = page.text.split('id="case-supervision-orders"')[1].split("</table>")[0]
        assert "请查明涉案商品来源" in orders and "已立案调查供货商" in orders
    other = api.client.get(f"/board/cases/{case['id']}",
                           headers={"cookie": board_cookie(api.client, b.supervisor.token)})
    assert other.status_code == 404 and "请查明涉案商品来源" not in other.text

    # the city closes it; then nothing more
    assert post(api, a.supervisor.token, f"/oversight/supervision-orders/{oid}/close", {}).status_code == 403
    closed = post(api, city.token, f"/oversight/supervision-orders/{oid}/close", {"conclusion": "已按要求整改"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed" and closed.json()["closed_at"]
    assert post(api, city.token, f"/oversight/supervision-orders/{oid}/close", {}).status_code == 409
    assert post(api, a.supervisor.token, f"/oversight/supervision-orders/{oid}/replies", reply).status_code == 409
    stream = api.get(auditor, "/audit/events", case_id=oid).json()["items"]
    assert [e["event"] for e in stream] == ["issue", "reply", "reply", "close"]
    assert api.get(auditor, "/audit/verify").json()["ok"] is True


def test_the_city_team_case_and_ended_cases_take_no_order(api: Api) -> None:
    a = district_people(api, A)
    city = person(api, "city")
    own = api.create(person(api, "officer", CITY).token, penalty_case(CITY))
    refused = post(api, city.token, "/oversight/supervision-orders", {"case_id": own["id"], "expectation": "x"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "guard_failed"
    ended = api.create(a.officer.token, penalty_case(A))
    api.ok(a.supervisor.token, ended["id"], "reject", reason="不属于本局管辖")
    refused = post(api, city.token, "/oversight/supervision-orders", {"case_id": ended["id"], "expectation": "x"})
    assert refused.status_code == 409
    assert api.get(city.token, "/oversight/supervision-orders").json()["items"] == []


def test_every_oversight_operation_documents_its_answer_and_refusals(api: Api) -> None:
    """Issue 23's rule for the new routes: a typed 2xx (a model) and the error envelope for refusals."""
    spec = api.client.get("/openapi.json").json()
    operations = [(m, p, op) for p, item in spec["paths"].items() if p.startswith("/api/v1/oversight/")
                  for m, op in item.items()]
    assert len(operations) == 7
    for method, path, operation in operations:
        [(code, ok)] = [(c, r) for c, r in operation["responses"].items() if c.startswith("2")]
        ref = ok["content"]["application/json"]["schema"]["$ref"]
        assert ref.rsplit("/", 1)[1] in spec["components"]["schemas"], (method, path)
        for status in ("403", "404", "409", "422"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema["$ref"] == "#/components/schemas/ErrorEnvelope", (method, path, status)
