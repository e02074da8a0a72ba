"""Party registry, repeat infringers, the 失信 list and typical cases."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import time_machine
from openpyxl import load_workbook

from tests.helpers import CREDIT_CODE, ID_NUMBER, Api, bearer, credit_code, penalty_case

A, B = "150602", "150603"


def at(day: str) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, 2, tzinfo=UTC)


def penalise(api: Api, officer: str, supervisor: str, body: dict) -> dict:
    case = api.create(officer, body)
    api.ok(supervisor, case["id"], "accept")
    api.ok(supervisor, case["id"], "notify_penalty", {"proposed_fine": 20000})
    return api.ok(supervisor, case["id"], "decide", {"fine": 20000, "waived": True})


def test_the_second_district_sees_the_first_at_intake(api: Api) -> None:
    a_off, a_sup = api.principal("officer", A), api.principal("supervisor", A)
    b_off = api.principal("officer", B)
    first = penalise(api, a_off, a_sup, penalty_case(A))
    second = api.create(b_off, penalty_case(B))
    assert second["parties"]["respondent"]["id"] == first["parties"]["respondent"]["id"]
    assert second["risk"] == {"prior_penalties_5y": 1, "open_cases_elsewhere": 1, "on_dishonest_list": False,
                              "repeat_infringement": True, "grade": "C",
                              "grade_reasons": [
                                  {"code": "penalty_within_2y", "grade": "C", "text": "两年内受到行政处罚"},
                                  {"code": "earlier_penalty", "grade": "B", "text": "曾受到行政处罚"}]}
    party = api.get(b_off, f"/parties/{second['parties']['respondent']['id']}").json()
    by_number = {c["number"]: c for c in party["cases"]}
    assert by_number[first["number"]] == {"number": first["number"], "district": A, "role": "respondent"}
    assert by_number[second["number"]]["title"] == second["title"]
    assert party["case_counts"] == {A: 1, B: 1}
    city_view = api.get(api.principal("city"), f"/parties/{party['id']}").json()
    assert all("title" in c for c in city_view["cases"])
    assert api.get(b_off, "/parties", credit_code=CREDIT_CODE).json()["items"][0]["id"] == party["id"]
    suggestions = api.get(b_off, "/parties", name="商贸").json()
    assert suggestions["items"] == [] and suggestions["suggestions"][0]["id"] == party["id"]
    assert api.get(api.admin, f"/parties/{party['id']}").status_code == 403


def test_repeat_infringement_counts_five_years_back(api: Api) -> None:
    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    with time_machine.travel(at("2020-03-01"), tick=False):
        penalise(api, officer, supervisor, penalty_case(A, received_at="2020-02-01T09:00:00+08:00"))
    with time_machine.travel(at("2026-03-02"), tick=False):
        later = api.create(officer, penalty_case(A))
        assert later["risk"]["prior_penalties_5y"] == 0 and later["risk"]["repeat_infringement"] is False
    with time_machine.travel(at("2023-06-01"), tick=False):
        penalise(api, officer, supervisor, penalty_case(A, received_at="2023-05-01T09:00:00+08:00"))
    with time_machine.travel(at("2026-03-03"), tick=False):
        third = api.create(officer, penalty_case(A))
        assert third["risk"]["prior_penalties_5y"] == 1 and third["risk"]["repeat_infringement"] is True
        violation = api.create(officer, penalty_case(A, kind="trademark_violation"))
        assert violation["risk"]["prior_penalties_5y"] == 1 and violation["risk"]["repeat_infringement"] is False


def test_dishonest_list_lifecycle_with_roles(api: Api) -> None:
    """SPEC §11 replaced version 1's approve/reject/repair (any basis, any `until`): those events are
    refused now; the risk flag follows the listing and its repair (the full stream: test_listing.py)."""
    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    other_supervisor, city = api.principal("supervisor", B), api.principal("city")
    case = penalise(api, officer, supervisor, penalty_case(A))
    party_id = case["parties"]["respondent"]["id"]
    proposal = {"party_id": party_id, "case_id": case["id"], "basis": "侵犯商标专用权",
                "detail": "两年内因商标侵权两次受到行政处罚"}
    post = api.client.post
    assert post("/api/v1/dishonest-list", json=proposal, headers=bearer(officer)).status_code == 403
    assert post("/api/v1/dishonest-list", json={**proposal, "until": "2099-12-31"},
                headers=bearer(supervisor)).status_code == 422
    assert post("/api/v1/dishonest-list", json=proposal, headers=bearer(other_supervisor)).status_code == 404
    entry = post("/api/v1/dishonest-list", json=proposal, headers=bearer(supervisor)).json()
    assert entry["state"] == "proposed"
    assert api.get(other_supervisor, "/dishonest-list").json()["items"] == []
    events = f"/api/v1/dishonest-list/{entry['id']}/events"
    for old in ("approve", "reject"):
        assert post(events, json={"event": old}, headers=bearer(city)).status_code == 422
    post(events, json={"event": "notify"}, headers=bearer(supervisor))
    post(events, json={"event": "record_statement", "data": {"waived": True}}, headers=bearer(supervisor))
    post(events, json={"event": "consent"}, headers=bearer(city))
    done = post(events, json={"event": "listed"}, headers=bearer(supervisor))
    assert done.status_code == 200 and done.json()["state"] == "listed"
    assert [e["id"] for e in api.get(other_supervisor, "/dishonest-list").json()["items"]] == [entry["id"]]
    assert api.create(officer, penalty_case(A))["risk"]["on_dishonest_list"] is True
    history = api.get(api.principal("auditor"), "/audit/events", case_id=entry["id"]).json()["items"]
    assert [e["event"] for e in history] == ["propose", "notify", "record_statement", "consent", "listed"]
    assert api.get(city, "/audit/verify").json()["ok"] is True


def test_id_numbers_are_masked_in_every_response_and_export(api: Api) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    body = penalty_case(A, parties={"respondent": {"name": "张三", "id_number": ID_NUMBER}})
    case = penalise(api, officer, supervisor, body)
    party_id = case["parties"]["respondent"]["id"]
    entry = api.client.post("/api/v1/dishonest-list", headers=bearer(supervisor),
                            json={"party_id": party_id, "case_id": case["id"], "basis": "侵犯商标专用权",
                                  "detail": "重复侵权"}).json()
    events = f"/api/v1/dishonest-list/{entry['id']}/events"
    api.client.post(events, json={"event": "notify"}, headers=bearer(supervisor))
    api.client.post(events, json={"event": "record_statement", "data": {"waived": True}}, headers=bearer(supervisor))
    api.client.post(events, json={"event": "consent"}, headers=bearer(city))
    api.client.post(events, json={"event": "listed"}, headers=bearer(supervisor))
    masked = "110***********002X"
    responses = [
        api.get(officer, f"/cases/{case['id']}").text, api.get(officer, "/cases").text,
        api.get(officer, f"/cases/{case['id']}/history").text, api.get(officer, f"/parties/{party_id}").text,
        api.get(officer, "/parties", name="张三").text, api.get(city, "/dishonest-list").text,
        api.get(city, "/dishonest-list", format="csv").content.decode("utf-8-sig"),
        api.get(city, "/audit/events").text,
    ]
    for text in responses:
        assert ID_NUMBER not in text
    assert masked in responses[0] and masked in responses[6]
    book = load_workbook(io.BytesIO(api.get(city, "/dishonest-list", format="xlsx").content))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value is not None]
    assert masked in cells and not any(ID_NUMBER in c for c in cells)


def test_typical_cases_are_published_without_personal_data(api: Api) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    body = penalty_case(A, parties={"respondent": {"name": "李四", "id_number": ID_NUMBER}}, title="李四销售假冒白酒案")
    open_case = api.create(officer, penalty_case(A))
    decided = penalise(api, officer, supervisor, body)
    api.ok(officer, decided["id"], "record_payment")
    api.ok(officer, decided["id"], "record_publication")
    closed = api.ok(supervisor, decided["id"], "close")
    post = api.client.post
    summary = f"当事人李四（身份证号 {ID_NUMBER}）在春节期间销售假冒白酒，依法罚款 2 万元。"
    assert post("/api/v1/typical-cases", json={"case_id": closed["id"], "summary": summary},
                headers=bearer(supervisor)).status_code == 403
    assert post("/api/v1/typical-cases", json={"case_id": open_case["id"], "summary": "x"},
                headers=bearer(city)).status_code == 409
    nominated = post("/api/v1/typical-cases", json={"case_id": closed["id"], "summary": summary},
                     headers=bearer(city))
    assert nominated.status_code == 201
    year = datetime.now(UTC).year
    published = api.get(officer, "/typical-cases", year=year).json()["items"]
    text = json.dumps(published, ensure_ascii=False)
    assert "李四" not in text and ID_NUMBER not in text and "李某" in text
    html = api.get(officer, "/typical-cases", year=year, format="html").text
    assert "李四" not in html and "典型案例" in html
    assert post("/api/v1/typical-cases", json={"case_id": closed["id"], "summary": "again"},
                headers=bearer(city)).status_code == 409


def test_a_page_of_cases_carries_each_cases_own_parties_and_record(api: Api) -> None:
    """Lists load parties and records for the whole page at once; each item must still be its own."""
    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    penalise(api, officer, supervisor, penalty_case(A))  # CREDIT_CODE now has a prior penalty
    repeat = api.create(officer, penalty_case(A))
    others = [api.create(officer, penalty_case(A, parties={"respondent": {
        "name": f"某公司{i}", "credit_code": credit_code(i)}})) for i in range(3)]
    listed = {c["id"]: c for c in api.get(officer, "/cases", limit=10).json()["items"]}
    assert len(listed) == 5
    for case in (repeat, *others):
        single = api.get(officer, f"/cases/{case['id']}").json()
        assert listed[case["id"]]["parties"] == single["parties"]
        assert listed[case["id"]]["risk"] == single["risk"]
    assert listed[repeat["id"]]["risk"]["repeat_infringement"] is True
    assert {listed[c["id"]]["risk"]["prior_penalties_5y"] for c in others} == {0}
    assert len({listed[c["id"]]["parties"]["respondent"]["id"] for c in others}) == 3
