"""The case page's event forms (issue 23): one per event the reader may fire now, built from the
event's schema, fired through the API's own command; a refusal shown in Chinese beside its field."""

from __future__ import annotations

import re

import pytest

from tests.helpers import Api, board_cookie, penalty_case

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@pytest.fixture
def people(api: Api) -> dict:
    officer = api.principal("officer", "150602")
    supervisor = api.principal("supervisor", "150602")
    case = api.create(officer, penalty_case(received_at="2025-09-26T09:00:00+08:00"))
    return {"officer": officer, "supervisor": supervisor, "case": case}


def page_as(api: Api, token: str, case_id: str, **params):
    api.client.cookies.clear()
    api.client.cookies.set("ipcase_session", board_cookie(api.client, token).split("=", 1)[1])
    return api.client.get(f"/board/cases/{case_id}", params=params)


def form_of(page: str, event: str) -> dict[str, str]:
    """The hidden fields of an event's form (csrf, event, version, key)."""
    block = page.split(f'id="event-{event}"')[1].split("</form>")[0]
    return dict(HIDDEN.findall(block))


def submit(api: Api, case_id: str, hidden: dict, **fields):
    return api.client.post(f"/board/cases/{case_id}/events", data={**hidden, **fields}, follow_redirects=False)


def history(api: Api, token: str, case_id: str) -> list[str]:
    return [e["event"] for e in api.get(token, f"/cases/{case_id}/history").json()["items"]]


def test_a_form_for_each_allowed_event_with_chinese_labels_and_typed_inputs(api: Api, people: dict) -> None:
    case = people["case"]
    page = page_as(api, people["supervisor"], case["id"]).text
    allowed = api.get(people["supervisor"], f"/cases/{case['id']}").json()["allowed_events"]
    shown = re.findall(r'<details class="event-form" id="event-(\w+)"', page)
    assert shown == [e for e in allowed if e not in ("attach", "detach")]
    assert "<summary>受理/立案</summary>" in page and "<summary>延长期限</summary>" in page
    extend = page.split('id="event-extend_deadline"')[1].split("</form>")[0]
    assert 'type="date" id="f-extend_deadline-until"' in extend and "截止日期" in extend
    assert '<select id="f-extend_deadline-deadline" name="d.deadline" required>' in extend
    assert 'id="f-extend_deadline-reason" name="reason" rows="2" cols="60" maxlength="2000" required' in extend
    officer_page = page_as(api, people["officer"], case["id"]).text
    amounts = officer_page.split('id="event-record_amounts"')[1].split("</form>")[0]
    assert 'type="number" id="f-record_amounts-amounts-case_value" name="d.amounts.case_value"' in amounts
    assert 'step="0.01"' in amounts and "案值（元）" in amounts
    assert "event-accept" not in officer_page  # accepting is the supervisor's


def test_accept_then_an_event_with_a_date_and_one_with_an_amount(api: Api, people: dict) -> None:
    case, supervisor, officer = people["case"], people["supervisor"], people["officer"]
    page = page_as(api, supervisor, case["id"]).text
    response = submit(api, case["id"], form_of(page, "accept"))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/board/cases/{case['id']}?done=accept"
    done = api.client.get(response.headers["location"]).text
    assert "已办理：受理/立案" in done and "受理/立案</td>" in done
    assert api.get(supervisor, f"/cases/{case['id']}").json()["state"] != "received"

    page = page_as(api, officer, case["id"]).text
    response = submit(api, case["id"], form_of(page, "record_amounts"),
                      **{"d.amounts.case_value": "15000.50", "d.amounts.illegal_gains": "", "d.marks_count": "12"})
    assert response.status_code == 303, response.text
    shown = api.get(officer, f"/cases/{case['id']}").json()
    assert shown["amounts"]["case_value"] == "15000.50" and shown["marks_count"] == 12

    page = page_as(api, officer, case["id"]).text
    response = submit(api, case["id"], form_of(page, "record_service"),
                      **{"d.document": "penalty_notice", "d.served_at": "2026-11-30T10:15", "d.way": "direct"})
    assert response.status_code == 303, response.text[response.text.find("refusal"):][:600]
    item = api.get(officer, f"/cases/{case['id']}/history").json()["items"][-1]
    assert item["event"] == "record_service" and item["data"]["served_at"].startswith("2026-11-30T10:15")
    assert item["data"]["way"] == "direct"
    page = page_as(api, officer, case["id"]).text
    assert re.search(r"<td>\d{4}-\d{2}-\d{2} \d{2}:\d{2}</td>", page)  # the history's times, as officers write them
    assert "T09:00:00" not in page.split('id="history"')[1]


def test_a_refusal_is_shown_in_chinese_beside_its_field_and_nothing_is_recorded(api: Api, people: dict) -> None:
    case, supervisor = people["case"], people["supervisor"]
    before = history(api, supervisor, case["id"])
    page = page_as(api, supervisor, case["id"]).text
    response = submit(api, case["id"], form_of(page, "extend_deadline"),
                      **{"d.deadline": "filing_decision", "d.until": "2200-01-01", "reason": "案情复杂"})
    assert response.status_code == 422
    assert 'id="err-f-extend_deadline-until" role="alert">此项填写有误</span>' in response.text
    assert 'aria-invalid="true" aria-describedby="err-f-extend_deadline-until"' in response.text
    assert "填写有误，请检查标出的项目" in response.text and "「延长期限」未办理" in response.text
    assert 'id="event-extend_deadline" open' in response.text and "案情复杂</textarea>" in response.text
    response = submit(api, case["id"], form_of(page, "reject"))  # a reason is required
    assert response.status_code == 422 and 'id="err-reject-reason"' in response.text
    assert history(api, supervisor, case["id"]) == before


def test_a_stale_form_is_refused_and_a_double_click_records_once(api: Api, people: dict) -> None:
    case, supervisor, officer = people["case"], people["supervisor"], people["officer"]
    stale = form_of(page_as(api, officer, case["id"]).text, "add_note")
    page = page_as(api, supervisor, case["id"]).text
    accept = form_of(page, "accept")
    assert submit(api, case["id"], accept).status_code == 303
    assert submit(api, case["id"], accept).status_code == 303  # the same key: answered, not fired again
    assert history(api, supervisor, case["id"]).count("accept") == 1
    api.client.cookies.set("ipcase_session", board_cookie(api.client, officer).split("=", 1)[1])
    stale["csrf"] = api.client.cookies.get("ipcase_csrf")  # the same browser: its CSRF token still holds
    refused = submit(api, case["id"], stale, **{"d.text": "旧页面上的备注"})
    assert refused.status_code == 409 and "案件已被他人更新" in refused.text
    assert "add_note" not in history(api, officer, case["id"])


def test_forms_need_the_csrf_token_and_a_reader_of_the_case(api: Api, people: dict) -> None:
    case, supervisor = people["case"], people["supervisor"]
    hidden = form_of(page_as(api, supervisor, case["id"]).text, "accept")
    forged = submit(api, case["id"], {**hidden, "csrf": "x" * 43})
    assert forged.status_code == 403
    elsewhere = api.principal("supervisor", "150603")
    api.client.cookies.set("ipcase_session", board_cookie(api.client, elsewhere).split("=", 1)[1])
    assert submit(api, case["id"], hidden).status_code == 404
    assert history(api, supervisor, case["id"]) == ["create"]
