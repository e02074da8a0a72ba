"""SPEC §10.8 input bounds: dates in 1990..2100, opaque cursors, ASCII amounts, 422 with `fields`,
ID numbers removed from what is published; every input answered without a 5xx."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest

from tests.helpers import Api, bearer, penalty_case
from tests.integration.credit.test_credit import penalise

A, B = "150602", "150603"
VALID_ID = "150602199001016207"  # GB 11643 check character 7
OLD_ID = "150602900101620"  # the 15-digit form: 150602, born 1990-01-01, sequence 620


def assert_422(response, *fields: str) -> dict:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["message"]
    assert isinstance(error.get("fields"), list) and error["fields"], error
    for field in fields:
        assert field in error["fields"], error
    return error


def forged(payload: str) -> str:
    """A cursor as an attacker would make one: the old unsigned base64 of a JSON list."""
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


HOSTILE_CURSORS = [
    forged('["abc"]'), forged("[1e400]"), forged("[[1]]"), forged('[{"a": 1}]'), forged("[-1]"),
    forged('["2026-01-01T00:00:00", "x"]'), forged('["0001-01-01T00:00:00+14:00", "x"]'),
    forged('["2026-01-01T00:00:00+08:00", ["x"]]'), forged('["2026-01-01T00:00:00+08:00", {"id": 1}]'),
    forged("[" * 5000 + "]" * 5000), "!!", "a.b", ".", "x" * 90,
]


# Finding 5: dates at the edges

@pytest.mark.parametrize(("field", "value"), [
    ("violation_ended_on", "0001-01-01"), ("violation_ended_on", "9999-12-31"), ("violation_ended_on", "1989-12-31"),
    ("received_at", "0001-01-01T00:00:00+14:00"), ("received_at", "1989-12-31T23:59:59+08:00"),
    ("received_at", "1989-12-31T16:00:00"),  # naive: China time, a day before the range
])
def test_case_dates_outside_1990_to_2100_are_refused(api: Api, field: str, value: str) -> None:
    officer = api.principal("officer", A)
    assert_422(api.client.post("/api/v1/cases", json=penalty_case(**{field: value}), headers=bearer(officer)), field)


def test_case_dates_at_the_bounds_are_accepted(api: Api) -> None:
    officer = api.principal("officer", A)
    case = api.create(officer, penalty_case(violation_ended_on="1990-01-01", received_at="1990-01-01T00:00:00+08:00"))
    assert case["received_at"].startswith("1990-01-01T00:00:00")


@pytest.mark.parametrize(("event", "data", "field"), [
    ("notify_penalty", {"proposed_fine": 100, "served_at": "9999-12-31T23:59:59+00:00"}, "served_at"),
    ("notify_penalty", {"proposed_fine": 100, "served_at": "0001-01-01T00:00:00+14:00"}, "served_at"),
    ("record_service", {"document": "request_copy", "served_at": "9999-12-31T00:00:00"}, "served_at"),
    ("extend_deadline", {"deadline": "case_closing", "until": "9999-12-31"}, "until"),
    ("record_amounts", {"amounts": {"case_value": "١٢٣"}}, "amounts"),
])
def test_event_dates_outside_the_range_are_422_not_500(api: Api, event: str, data: dict, field: str) -> None:
    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    case = api.create(officer, penalty_case())
    api.ok(supervisor, case["id"], "accept")
    assert_422(api.fire(supervisor, case["id"], event, data, reason="x"), field)
    assert api.get(officer, f"/cases/{case['id']}").json()["version"] == 2


def test_mediation_effective_on_in_year_9999_is_refused(api: Api) -> None:
    officer = api.principal("officer", "150600")
    supervisor = api.principal("supervisor", "150600")
    case = api.create(officer, penalty_case("150600", kind="patent_dispute"))
    api.ok(supervisor, case["id"], "accept")
    api.ok(officer, case["id"], "start_mediation", {"parties_consent": True})
    assert_422(api.fire(officer, case["id"], "mediation_succeeded",
                        {"agreement": "和解", "effective_on": "9999-12-31"}), "effective_on")


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/audit/events", {"from": "0001-01-01T00:00:00+14:00"}, "from"),
    ("/audit/events", {"to": "9999-12-31T23:59:59-14:00"}, "to"),
    ("/cases", {"due_before": "0001-01-01"}, "due_before"),
    ("/cases", {"due_before": "2101-01-01"}, "due_before"),
    ("/reports/monthly", {"from": "1989-01-01", "to": "1989-12-31"}, "from"),
    ("/reports/monthly", {"month": "1989-12"}, "month"),
])
def test_query_dates_outside_the_range_are_refused(api: Api, path: str, params: dict, field: str) -> None:
    assert_422(api.get(api.admin if path == "/audit/events" else api.principal("city"), path, **params), field)


@pytest.mark.parametrize("until", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_a_handoff_answers_until_is_bounded(api: Api, until: str) -> None:
    supervisor = api.principal("supervisor", A)
    response = api.client.post("/api/v1/handoffs/00000000-0000-0000-0000-000000000000/answer",
                               json={"decision": "extended", "until": until}, headers=bearer(supervisor))
    assert_422(response, "until")


# Finding 5: cursors the service did not issue

def _list_paths(api: Api) -> tuple[str, list[str]]:
    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    case = api.create(officer, penalty_case())
    api.ok(supervisor, case["id"], "accept")
    return officer, ["/cases", f"/cases/{case['id']}/history", "/handoffs", "/assistance-requests",
                     "/notifications", "/escalations"]


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS)
def test_cursors_not_issued_by_the_service_are_422(api: Api, cursor: str) -> None:
    officer, paths = _list_paths(api)
    for path in paths:
        assert_422(api.get(officer, path, cursor=cursor), "cursor")
    assert_422(api.get(api.admin, "/audit/events", cursor=cursor), "cursor")


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS)
def test_cursors_not_issued_by_the_service_are_422_on_the_newer_lists_too(api: Api, cursor: str) -> None:
    """The lists added after finding 5 (oversight, bulletins, the reporting calendar) page by the same cursor."""
    city = api.principal("city")
    for path in ("/oversight/supervision-orders", "/bulletins", "/bulletins/rectifications",
                 "/reports/monthly/submissions"):
        assert_422(api.get(city, path, cursor=cursor), "cursor")


def test_a_tampered_cursor_is_refused_and_an_issued_one_pages_on(api: Api) -> None:
    officer = api.principal("officer", A)
    for _ in range(3):
        api.create(officer, penalty_case())
    first = api.get(officer, "/cases", limit=2).json()
    cursor = first["next_cursor"]
    second = api.get(officer, "/cases", limit=2, cursor=cursor).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    body, mac = cursor.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload[1] = "00000000-0000-0000-0000-000000000000"
    tampered = forged(json.dumps(payload)) + "." + mac
    assert_422(api.get(officer, "/cases", limit=2, cursor=tampered), "cursor")
    events = api.get(api.admin, "/audit/events", limit=1).json()
    assert api.get(api.admin, "/audit/events", limit=1, cursor=events["next_cursor"]).status_code == 200


# Finding 9: unbounded dates and amounts

def _assistance(api: Api) -> tuple[str, dict]:
    a_officer, b_officer = api.principal("officer", A), api.principal("officer", B)
    case = api.create(a_officer, penalty_case(A))
    created = api.client.post("/api/v1/assistance-requests", headers=bearer(a_officer), json={
        "case_id": case["id"], "kind": "investigation", "to_district": B, "request": "请协查"})
    assert created.status_code == 201, created.text
    return b_officer, created.json()


def _extend(api: Api, token: str, request_id: str, until: str):
    return api.client.post(f"/api/v1/assistance-requests/{request_id}/events", headers=bearer(token),
                           json={"event": "extend", "data": {"until": until}, "reason": "需要更多时间"})


def test_assistance_extension_is_at_most_30_working_days_past_the_due_date(api: Api, runtime) -> None:
    b_officer, request = _assistance(api)
    due = date.fromisoformat(request["due"])
    latest = runtime.rules.calendar.add_workdays(due, 30)
    assert_422(_extend(api, b_officer, request["id"], "9999-12-31"), "until")
    assert_422(_extend(api, b_officer, request["id"], (latest + timedelta(days=1)).isoformat()), "until")
    extended = _extend(api, b_officer, request["id"], latest.isoformat())
    assert extended.status_code == 200 and extended.json()["due"] == latest.isoformat()


def test_dishonest_list_until_is_bounded(api: Api) -> None:
    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    case = penalise(api, officer, supervisor, penalty_case(A))
    body = {"party_id": case["parties"]["respondent"]["id"], "basis": "重复侵权", "until": "9999-12-31"}
    assert_422(api.client.post("/api/v1/dishonest-list", json=body, headers=bearer(supervisor)), "until")


@pytest.mark.parametrize("amount", ["١٢٣", "1_000", "１２３", "1e3", " 12", "12.", ".5", "+1", "-0", "NaN",
                                    "1000000000000.01", 1_000_000_000_000.01, 10**13, "0x10", True])
def test_amounts_are_ascii_decimals_up_to_10_to_the_12(api: Api, amount) -> None:
    officer = api.principal("officer", A)
    body = penalty_case(amounts={"case_value": amount})
    assert_422(api.client.post("/api/v1/cases", json=body, headers=bearer(officer)), "amounts.case_value")


def test_the_largest_amount_and_zero_are_accepted(api: Api) -> None:
    officer = api.principal("officer", A)
    case = api.create(officer, penalty_case(amounts={"case_value": "1000000000000", "illegal_gains": -0.0}))
    assert case["amounts"]["case_value"] == "1000000000000.00"
    assert case["amounts"]["illegal_gains"] == "0.00"


@pytest.mark.parametrize("month", ["20\uff12\uff16-01", "20\u0662\u0666-01", "\u0661\u0669\u0669\u0660-01"])
def test_a_month_is_written_with_ascii_digits(api: Api, month: str) -> None:
    """Pydantic's patterns are Rust regexes, where \\d is any script's digit: "20２６-01" passed the
    month's pattern and then failed date.fromisoformat, an unhandled 500."""
    supervisor, city = api.principal("supervisor", A), api.principal("city")
    submitted = api.client.post("/api/v1/reports/monthly/submissions", json={"month": month},
                                headers=bearer(supervisor))
    assert_422(submitted, "month")
    assert_422(api.get(city, "/reports/monthly", month=month), "month")
    assert_422(api.get(city, "/reports/monthly/submissions", month=month), "month")
    assert api.get(city, f"/reports/monthly/submissions/{A}/{month}/versions").status_code == 422


def test_a_contacts_phone_is_written_with_ascii_digits(api: Api) -> None:
    from tests.integration.reports.test_calendar import plan_body

    supervisor = api.principal("supervisor", A)
    phone = "0477-\uff18\uff15\uff18\uff11\uff12\uff13\uff14"  # 0477-8581234, the number in full width
    plan = plan_body(liaison={"name": "李娜", "post": "科员", "phone": phone, "email": "lina@example.cn"})
    assert_422(api.client.post("/api/v1/reports/action-plans", json=plan, headers=bearer(supervisor)),
               "liaison.phone")


# Finding 10: bodies that are not JSON

@pytest.mark.parametrize("raw", [b"[" * 50_000 + b"]" * 50_000, b'{"marks_count": ' + b"9" * 5000 + b"}",
                                 b'{"title": ' + b"1" * 5000 + b"}"])
def test_bodies_json_cannot_read_are_422(api: Api, raw: bytes) -> None:
    officer = api.principal("officer", A)
    for path in ("/api/v1/cases", "/api/v1/principals", "/api/v1/dishonest-list"):
        response = api.client.post(path, content=raw, headers={**bearer(officer), "content-type": "application/json"})
        assert_422(response, "body")


# Finding 4: ID numbers in published text

def test_id_numbers_next_to_chinese_text_are_removed_from_typical_cases(api: Api) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    decided = penalise(api, officer, supervisor, penalty_case(A, title=f"李某（身份证{VALID_ID}）销售假冒白酒案"))
    api.ok(officer, decided["id"], "record_payment")
    api.ok(officer, decided["id"], "record_publication")
    closed = api.ok(supervisor, decided["id"], "close")
    summary = f"李某（身份证{VALID_ID}）与王某（旧证{OLD_ID}）销售假冒白酒，订单号12345678901234567890。"
    assert api.client.post("/api/v1/typical-cases", json={"case_id": closed["id"], "summary": summary},
                           headers=bearer(city)).status_code == 201
    published = [api.get(officer, "/typical-cases").text, api.get(officer, "/typical-cases", format="html").text]
    for text in published:
        assert VALID_ID not in text and OLD_ID not in text
        assert "12345678901234567890" in text  # not an ID number: left as written


def test_id_numbers_in_the_dishonest_list_basis_are_removed_from_exports(api: Api) -> None:
    """SPEC §11: the basis is a configured ground; the free text is `detail`, where an ID number is removed."""
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    case = penalise(api, officer, supervisor, penalty_case(A))
    body = {"party_id": case["parties"]["respondent"]["id"], "case_id": case["id"], "basis": "侵犯商标专用权",
            "detail": f"法定代表人李某（身份证{VALID_ID}）重复侵权"}
    assert api.client.post("/api/v1/dishonest-list", json=body, headers=bearer(supervisor)).status_code == 201
    for fmt in ("json", "csv"):
        text = api.get(city, "/dishonest-list", format=fmt).content.decode("utf-8-sig")
        assert VALID_ID not in text and "[身份证号已删除]" in text
