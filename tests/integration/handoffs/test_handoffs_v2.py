"""Handoffs of machine version 2 (SPEC §10.7): administrative review to the people's government."""

from __future__ import annotations

import pytest

from service.core.config import Settings
from tests.helpers import Api, penalty_case
from tests.integration.cases.v2_support import district_people, to_reviewed, v2_settings

LEGAL_BASIS = "商标法第六十条第二款"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def _decided(api: Api, people, fine: int) -> str:
    case_id = api.create(people.officer.token, penalty_case())["id"]
    to_reviewed(api, people, case_id, fine)
    sup = people.supervisor.token
    api.ok(sup, case_id, "notify_penalty", {"proposed_fine": fine})
    api.ok(sup, case_id, "decide", {"fine": fine, "legal_basis": LEGAL_BASIS, "waived": True})
    return case_id


def test_administrative_review_goes_to_the_government_and_a_change_changes_the_decision(api: Api) -> None:
    people = district_people(api)
    case_id = _decided(api, people, 50000)
    in_review = api.ok(people.officer.token, case_id, "apply_administrative_review", {})
    assert in_review["state"] == "in_administrative_review"
    assert "administrative_review_reply" in {d["name"] for d in in_review["deadlines"]}

    [handoff] = [h for h in api.get(people.supervisor.token, "/handoffs", case_id=case_id).json()["items"]
                 if h["kind"] == "administrative_review"]
    assert handoff["agency"] == "government-150602" and handoff["letter_title"] == "行政复议答复书"
    assert "行政复议法" in handoff["letter_html"] and "东胜区人民政府" in handoff["letter_html"]
    assert handoff["allowed_decisions"] == ["upheld", "revoked", "changed"]

    government = api.principal("partner", agency="government-150602")
    path = f"/api/v1/handoffs/{handoff['id']}/answer"
    wrong = api.client.post(path, json={"decision": "upheld", "fine": "1000"},
                            headers={"Authorization": f"Bearer {government}"})
    assert wrong.status_code == 422 and wrong.json()["error"]["fields"] == ["fine"]
    answered = api.client.post(path, json={"decision": "changed", "fine": "30000", "note": "变更罚款数额"},
                               headers={"Authorization": f"Bearer {government}"})
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "closed"

    case = api.get(people.supervisor.token, f"/cases/{case_id}").json()
    assert case["state"] == "decided" and case["decision"]["fine"] == "30000.00"
    history = api.get(people.supervisor.token, f"/cases/{case_id}/history").json()["items"]
    assert history[-1]["event"] == "administrative_review_changed"
    assert history[-1]["data"]["decision"] == "changed" and history[-1]["data"]["fine"] == "30000.00"
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True


def test_administrative_review_revoked_sends_the_case_back_to_filed(api: Api) -> None:
    people = district_people(api)
    case_id = _decided(api, people, 20000)
    api.ok(people.officer.token, case_id, "apply_administrative_review", {})
    [handoff] = [h for h in api.get(people.supervisor.token, "/handoffs", case_id=case_id).json()["items"]
                 if h["kind"] == "administrative_review"]
    paper = api.client.post(f"/api/v1/handoffs/{handoff['id']}/answer", json={"decision": "revoked"},
                            headers={"Authorization": f"Bearer {people.supervisor.token}"})
    assert paper.status_code == 200, paper.text
    revoked = api.get(people.supervisor.token, f"/cases/{case_id}").json()
    assert revoked["state"] == "filed" and revoked["decision"] is None


def test_enforcement_goes_to_the_basic_court_after_the_periods_run_out(api: Api) -> None:
    import time_machine

    from tests.integration.cases.v2_support import at

    people = district_people(api)
    sup = people.supervisor.token
    with time_machine.travel(at("2026-03-02"), tick=True):
        case_id = _decided(api, people, 50000)
    with time_machine.travel(at("2026-09-07"), tick=True):  # past 60 days (review) and 6 months (suit)
        api.ok(people.officer.token, case_id, "demand_payment", {})
        too_soon = api.fire(sup, case_id, "apply_enforcement", {})
        assert too_soon.status_code == 409 and too_soon.json()["error"]["code"] == "guard_failed"
    with time_machine.travel(at("2026-09-21"), tick=True):  # 10 days after the demand (行政强制法 art. 54)
        applied = api.ok(sup, case_id, "apply_enforcement", {})
        assert applied["enforcement_applied"] is True and applied["state"] == "decided"
        handoffs = api.get(sup, "/handoffs", case_id=case_id).json()["items"]
        [handoff] = [h for h in handoffs if h["kind"] == "enforcement"]
        assert handoff["agency"] == "court-150602" and handoff["letter_title"] == "强制执行申请书"
        assert "行政强制法" in handoff["letter_html"] and "50000.00" in handoff["letter_html"]
        assert handoff["allowed_decisions"] == ["accepted", "rejected"]
        court = api.principal("partner", agency="court-150602")
        answered = api.client.post(f"/api/v1/handoffs/{handoff['id']}/answer", json={"decision": "accepted"},
                                   headers={"Authorization": f"Bearer {court}"})
        assert answered.status_code == 200 and answered.json()["status"] == "closed"
    assert api.get(sup, f"/cases/{case_id}").json()["state"] == "decided"


def test_invention_patent_confirmation_goes_to_the_hohhot_intermediate_court(api: Api) -> None:
    from tests.helpers import ruling_case
    from tests.integration.cases.v2_support import person

    panel = [person(api, "officer", "150600") for _ in range(3)]
    supervisor = person(api, "supervisor", "150600")
    case_id = api.create(panel[0].token, ruling_case(patent_type="invention"))["id"]
    accepted = api.ok(supervisor.token, case_id, "accept", {"panel": [p.id for p in panel]})
    assert accepted["panel"] == [p.id for p in panel] and accepted["officers"] == [p.id for p in panel]
    officer = panel[0].token
    api.ok(officer, case_id, "start_mediation", {"parties_consent": True})
    api.ok(officer, case_id, "mediation_succeeded", {"agreement": "被请求人停止制造并赔偿"})
    assert api.ok(officer, case_id, "request_confirmation", {})["state"] == "awaiting_confirmation"
    [handoff] = api.get(supervisor.token, "/handoffs", case_id=case_id).json()["items"]
    assert handoff["kind"] == "judicial_confirmation" and handoff["agency"] == "court-150100"
    assert "呼和浩特市中级人民法院" in handoff["letter_html"]
