"""Machine version 2 over HTTP (SPEC §10.3): the penalty paths, the refusals, the case's new shape."""

from __future__ import annotations

import pytest
import time_machine

from service.core.config import Settings
from tests.helpers import Api, penalty_case
from tests.integration.cases.v2_support import at, district_people, investigation, person, to_reviewed, v2_settings

LEGAL_BASIS = "商标法第六十条第二款"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def _events(api: Api, token: str, case_id: str) -> list[str]:
    return [e["event"] for e in api.get(token, f"/cases/{case_id}/history").json()["items"]]


def _verified(api: Api) -> None:
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True


def test_penalty_path_of_version_2(api: Api) -> None:
    people = district_people(api)
    sup, off = people.supervisor.token, people.officer.token
    case = api.create(off, penalty_case())
    case_id = case["id"]
    assert case["machine_version"] == 2 and case["officers"] == [people.officer.id]
    assert case["assigned_officer"] == people.officer.id and case["public_safety"] is False
    assert [d["name"] for d in case["deadlines"]] == ["filing_decision"]
    assert case["deadlines"][0]["label"]

    filed = api.ok(sup, case_id, "accept", {"co_officer": people.co_officer.id})
    assert filed["state"] == "filed" and filed["officers"] == [people.officer.id, people.co_officer.id]
    assert api.ok(off, case_id, "conclude_investigation", investigation(50000))["state"] == "investigated"
    in_review = api.ok(sup, case_id, "submit_review", {})
    assert in_review["state"] == "in_review" and in_review["state_label"]
    review = {d["name"]: d for d in in_review["deadlines"]}["case_review"]
    assert review["status"] in ("running", "due_soon") and review["label"] == "法制审核期限"

    reviewer_view = api.get(people.reviewer.token, f"/cases/{case_id}").json()
    assert reviewer_view["allowed_events"] == ["pass_review", "return_review"]
    assert api.ok(people.reviewer.token, case_id, "pass_review", {"opinion": "同意"})["state"] == "reviewed"
    notice = api.ok(sup, case_id, "notify_penalty", {"proposed_fine": 50000})
    assert notice["state"] == "penalty_notice"
    decided = api.ok(sup, case_id, "decide", {"fine": 50000, "legal_basis": LEGAL_BASIS, "waived": True})
    assert decided["state"] == "decided" and decided["decision"]["fine"] == "50000.00"
    assert decided["surcharge"] == "0.00" and decided["enforcement_applied"] is False
    api.ok(off, case_id, "record_payment", {})
    api.ok(off, case_id, "record_publication", {})
    closed = api.ok(sup, case_id, "close", {})
    assert closed["state"] == "closed" and closed["outcome"] == "penalty"

    assert _events(api, sup, case_id) == [
        "create", "accept", "conclude_investigation", "submit_review", "pass_review", "notify_penalty", "decide",
        "record_payment", "record_publication", "close"]
    _verified(api)


def test_no_penalty_is_decided_from_reviewed(api: Api) -> None:
    people = district_people(api)
    case_id = api.create(people.officer.token, penalty_case())["id"]
    to_reviewed(api, people, case_id, 0)
    sup = people.supervisor.token
    assert api.fire(sup, case_id, "notify_penalty", {"proposed_fine": 0}).status_code in (409, 422)
    decided = api.ok(sup, case_id, "decide", {"fine": 0, "measures": ["order_to_stop"]})
    assert decided["state"] == "decided"
    assert api.ok(sup, case_id, "close", {})["outcome"] == "no_penalty"
    _verified(api)


def test_penalty_path_with_a_hearing(api: Api) -> None:
    people = district_people(api)
    chair = person(api, "supervisor", "150602")
    sup, off = people.supervisor.token, people.officer.token
    with time_machine.travel(at("2026-03-02"), tick=True):  # a Monday
        case_id = api.create(off, penalty_case())["id"]
        to_reviewed(api, people, case_id, 200000)
        api.ok(sup, case_id, "notify_penalty", {"proposed_fine": 200000})
        assert api.ok(off, case_id, "request_hearing", {})["state"] == "hearing"
        too_soon = api.fire(sup, case_id, "schedule_hearing", {"held_on": "2026-03-10"})
        assert too_soon.status_code == 409 and too_soon.json()["error"]["code"] == "guard_failed"
        api.ok(sup, case_id, "schedule_hearing", {"held_on": "2026-03-12"})
        early = api.fire(sup, case_id, "conclude_hearing", {"record": "听证笔录", "presided_by": chair.id})
        assert early.status_code == 409
        among_officers = api.fire(sup, case_id, "conclude_hearing",
                                  {"record": "听证笔录", "presided_by": people.officer.id})
        assert among_officers.status_code in (409, 422)
    with time_machine.travel(at("2026-03-12"), tick=True):
        heard = api.ok(sup, case_id, "conclude_hearing", {"record": "听证笔录", "presided_by": chair.id})
        assert heard["state"] == "heard"
        assert api.ok(sup, case_id, "submit_review", {})["state"] == "in_review"
        api.ok(people.reviewer.token, case_id, "pass_review", {"opinion": "同意"})
        decision = {"fine": 150000, "legal_basis": LEGAL_BASIS}
        refused = api.fire(sup, case_id, "decide", decision)
        assert refused.status_code == 409 and "collective" in refused.json()["error"]["message"]
        api.ok(sup, case_id, "record_collective_discussion",
               {"held_on": "2026-03-12", "attendees": ["局长", "副局长", "法制科长"],
                "conclusion": {"outcome": "penalty", "fine": 150000}})
        assert api.ok(sup, case_id, "decide", decision)["state"] == "decided"
    assert _events(api, sup, case_id)[-7:] == [
        "request_hearing", "schedule_hearing", "conclude_hearing", "submit_review", "pass_review",
        "record_collective_discussion", "decide"]
    _verified(api)


def test_a_heavier_decision_is_refused_until_reopen_review_and_new_notice(api: Api) -> None:
    people = district_people(api)
    sup = people.supervisor.token
    case_id = api.create(people.officer.token, penalty_case())["id"]
    to_reviewed(api, people, case_id, 50000)
    api.ok(sup, case_id, "notify_penalty", {"proposed_fine": 50000})
    heavier = {"fine": 80000, "legal_basis": LEGAL_BASIS, "waived": True}
    refused = api.fire(sup, case_id, "decide", heavier)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "guard_failed" and "art." in error["message"]
    assert api.ok(sup, case_id, "reopen_investigation", {}, "当事人申辩中发现新的违法事实")["state"] == "filed"
    to_reviewed(api, people, case_id, 80000)
    api.ok(sup, case_id, "notify_penalty", {"proposed_fine": 80000})
    assert api.ok(sup, case_id, "decide", heavier)["state"] == "decided"
    _verified(api)


def test_review_roles_are_enforced(api: Api) -> None:
    people = district_people(api)
    unqualified = person(api, "reviewer", "150602")
    sup = people.supervisor.token
    case_id = api.create(people.officer.token, penalty_case())["id"]
    api.ok(sup, case_id, "accept", {"co_officer": people.co_officer.id})
    api.ok(people.officer.token, case_id, "conclude_investigation", investigation(50000))
    api.ok(sup, case_id, "submit_review", {"legal_review": ["complex"]})

    by_officer = api.fire(people.officer.token, case_id, "pass_review", {"opinion": "同意"})
    assert by_officer.status_code == 403
    by_supervisor = api.fire(sup, case_id, "pass_review", {"opinion": "同意"})
    assert by_supervisor.status_code == 403
    # the reviewer rule reads the case, and comes before If-Match (SPEC §3's refusal order)
    not_qualified = api.fire(unqualified.token, case_id, "pass_review", {"opinion": "同意"},
                             headers={"If-Match": '"1"'})
    assert not_qualified.status_code == 403 and "legal_qualified" in not_qualified.json()["error"]["message"]
    # a reviewer fires nothing but the review events
    assert api.fire(people.reviewer.token, case_id, "add_note", {"text": "x"}).status_code == 403

    patched = api.client.patch(f"/api/v1/principals/{unqualified.id}", json={"legal_qualified": True},
                               headers={"Authorization": f"Bearer {api.admin}"})
    assert patched.status_code == 200 and patched.json()["legal_qualified"] is True
    assert api.ok(unqualified.token, case_id, "pass_review", {"opinion": "同意"})["state"] == "reviewed"


def test_reviewers_read_their_district_and_the_city_reviews_districts(api: Api) -> None:
    people = district_people(api)
    case_id = api.create(people.officer.token, penalty_case())["id"]
    elsewhere = person(api, "reviewer", "150603")
    city = person(api, "reviewer", "150600", legal_qualified=True)
    assert api.get(people.reviewer.token, f"/cases/{case_id}").status_code == 200
    assert api.get(elsewhere.token, f"/cases/{case_id}").status_code == 404
    assert api.get(city.token, f"/cases/{case_id}").status_code == 200
    assert [c["id"] for c in api.get(people.reviewer.token, "/cases").json()["items"]] == [case_id]
    assert api.get(elsewhere.token, "/cases").json()["items"] == []


def test_principal_bindings_of_version_2(api: Api) -> None:
    def create(body: dict) -> int:
        return api.client.post("/api/v1/principals", json=body,
                               headers={"Authorization": f"Bearer {api.admin}"}).status_code

    assert create({"name": "r", "role": "reviewer"}) == 422  # a district is required
    assert create({"name": "r", "role": "reviewer", "district": "150600", "legal_qualified": True}) == 201
    assert create({"name": "o", "role": "officer", "district": "150602", "legal_qualified": True}) == 422
    officer = person(api, "officer", "150602")
    patched = api.client.patch(f"/api/v1/principals/{officer.id}", json={"legal_qualified": True},
                               headers={"Authorization": f"Bearer {api.admin}"})
    assert patched.status_code == 422


def test_patent_dispute_needs_a_patent_type(api: Api) -> None:
    city = person(api, "officer", "150600")
    body = penalty_case("150600", kind="patent_dispute", title="专利侵权纠纷行政裁决请求")
    missing = api.client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {city.token}"})
    assert missing.status_code == 422 and "patent_type" in missing.json()["error"]["fields"]
    case = api.create(city.token, {**body, "patent_type": "utility_model"})
    assert case["patent_type"] == "utility_model" and case["machine_version"] == 2
    not_patent = api.client.post("/api/v1/cases", json={**penalty_case(), "patent_type": "design"},
                                 headers={"Authorization": f"Bearer {city.token}"})
    assert not_patent.status_code in (403, 422)


def test_limitation_period_refuses_accept(api: Api) -> None:
    people = district_people(api)
    with time_machine.travel(at("2026-03-02"), tick=True):
        old = api.create(people.officer.token, penalty_case(violation_ended_on="2023-01-10"))
        refused = api.fire(people.supervisor.token, old["id"], "accept", {"co_officer": people.co_officer.id})
        assert refused.status_code == 409 and "limitation" in refused.json()["error"]["message"]
        safety = api.create(people.officer.token, penalty_case(violation_ended_on="2023-01-10", public_safety=True))
        assert safety["public_safety"] is True
        assert api.ok(people.supervisor.token, safety["id"], "accept",
                      {"co_officer": people.co_officer.id})["state"] == "filed"


def test_board_and_sweep_show_version_2_states_and_clocks(api: Api, runtime) -> None:
    from datetime import timedelta

    from service.deadlines.service import sweep
    from tests.integration.board.test_board_security import sign_in

    people = district_people(api)
    sup = people.supervisor.token
    with time_machine.travel(at("2026-03-02"), tick=True):
        case_id = api.create(people.officer.token, penalty_case())["id"]
        api.ok(sup, case_id, "accept", {"co_officer": people.co_officer.id})
        api.ok(people.officer.token, case_id, "conclude_investigation", investigation(50000))
        api.ok(sup, case_id, "submit_review", {})
    city = api.principal("city")
    assert sign_in(api.client, city).status_code == 303
    assert api.client.get("/board").status_code == 200
    page = api.client.get(f"/board/cases/{case_id}")
    assert page.status_code == 200 and "法制审核期限" in page.text and "in_review" in page.text
    with runtime.db.write() as session:  # the review is overdue a month later: the sweep alerts, by label
        result = sweep(session, runtime.rules, at("2026-03-02") + timedelta(days=30))
    assert {"case_id": case_id, "clock": "case_review"} in [
        {"case_id": a["case_id"], "clock": a["clock"]} for a in result.alerts]


def test_city_reviewers_stay_out_of_the_districts_when_configured(api: Api, runtime) -> None:
    from dataclasses import replace

    runtime.rules = replace(runtime.rules, city_reviews_districts=False)  # IPCASE_CITY_REVIEWS_DISTRICTS=false
    people = district_people(api)
    case_id = api.create(people.officer.token, penalty_case())["id"]
    city = person(api, "reviewer", "150600", legal_qualified=True)
    assert api.get(city.token, f"/cases/{case_id}").status_code == 404
    assert api.get(city.token, f"/cases/{case_id}/history").status_code == 404
    assert api.get(city.token, "/cases").json()["items"] == []
    assert api.get(people.reviewer.token, f"/cases/{case_id}/history").status_code == 200


def test_a_supervisor_lists_its_districts_people_to_name_officers(api: Api) -> None:
    people = district_people(api)
    person(api, "officer", "150603")
    listed = api.get(people.supervisor.token, "/principals", role="officer").json()["items"]
    assert {p["id"] for p in listed} == {people.officer.id, people.co_officer.id}
    assert set(listed[0]) == {"id", "name", "role"}  # no tokens, no flags
    assert api.get(people.supervisor.token, "/principals", district="150603").status_code == 403
    assert api.get(people.officer.token, "/principals").status_code == 403
    everyone = api.get(api.admin, "/principals", district="150602", role="reviewer").json()["items"]
    assert [p["id"] for p in everyone] == [people.reviewer.id] and everyone[0]["legal_qualified"] is True


def test_events_that_name_people_accept_only_the_districts_staff(api: Api) -> None:
    """accept, assign and conclude_hearing name principals: one of another district (or a reviewer
    where an officer is wanted) is a 422 on that field, in a batch that reads the staff only for them."""
    people, elsewhere = district_people(api), district_people(api, "150603")
    sup, off = people.supervisor.token, people.officer.token
    case_id = api.create(off, penalty_case())["id"]
    stranger = api.fire(sup, case_id, "accept", {"co_officer": elsewhere.officer.id})
    assert stranger.status_code == 422 and stranger.json()["error"]["fields"] == ["co_officer"]
    reviewer = api.fire(sup, case_id, "accept", {"co_officer": people.reviewer.id})
    assert reviewer.status_code == 422 and reviewer.json()["error"]["fields"] == ["co_officer"]
    api.ok(off, case_id, "add_note", {"text": "不读人员名单的事件照常"})
    api.ok(sup, case_id, "accept", {"co_officer": people.co_officer.id})
    moved = api.fire(sup, case_id, "assign", {"officers": [people.officer.id, elsewhere.co_officer.id]})
    assert moved.status_code == 422 and moved.json()["error"]["fields"] == ["officers"]
    assert api.ok(sup, case_id, "assign", {"officers": [people.co_officer.id, people.officer.id]})["officers"] == \
        [people.co_officer.id, people.officer.id]
