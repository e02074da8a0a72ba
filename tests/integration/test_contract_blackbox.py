"""Black-box contract tests written from SPEC §1, §2, §3 and §6 only: the service is seen over HTTP.

Each test pins one behaviour of the contract: the refusal order for case events, the error
envelope, district scoping, create validation, shapes, suspend/resume, final states, tracks,
idempotency and the inspectable state machine.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx

from tests.helpers import CREDIT_CODE, Api, bearer, penalty_case, ruling_case

CASE_FIELDS = {
    "id", "number", "kind", "track", "district", "state", "state_label", "version", "source", "title",
    "description", "parties", "sector", "venue", "tags", "amounts", "outcome", "assigned_officer",
    "received_at", "created_at", "updated_at", "allowed_events", "deadlines", "recommendations", "risk",
}
HISTORY_FIELDS = {"seq", "event", "from_state", "to_state", "actor", "at", "data", "reason", "prev_hash", "hash"}


# ---------------------------------------------------------------- helpers


def _err(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == code, body
    assert isinstance(error["message"], str) and error["message"], body
    return error


def _post_event(api: Api, token: str, case_id: str, body, headers: dict | None = None):
    """Post a raw event body (anything JSON-serialisable) to the case."""
    return api.client.post(f"/api/v1/cases/{case_id}/events", json=body, headers={**bearer(token), **(headers or {})})


def _team(api: Api, district: str = "150602") -> tuple[str, str]:
    return api.principal("officer", district), api.principal("supervisor", district)


def _filed_penalty(api: Api, district: str = "150602") -> tuple[str, str, str]:
    officer, supervisor = _team(api, district)
    cid = api.create(officer, penalty_case(district))["id"]
    api.ok(supervisor, cid, "accept")
    return officer, supervisor, cid


def _notified(api: Api, proposed_fine="150000") -> tuple[str, str, str]:
    """A penalty case in penalty_notice, served now: its 5-working-day statement period is running."""
    officer, supervisor, cid = _filed_penalty(api)
    case = api.ok(supervisor, cid, "notify_penalty",
                  {"proposed_fine": proposed_fine, "served_at": datetime.now(UTC).isoformat()})
    assert case["state"] == "penalty_notice"
    return officer, supervisor, cid


def _decided(api: Api, fine="5000") -> tuple[str, str, str]:
    officer, supervisor, cid = _notified(api, proposed_fine=fine)
    case = api.ok(supervisor, cid, "decide", {"fine": fine, "waived": True})
    assert case["state"] == "decided"
    return officer, supervisor, cid


def _case(api: Api, token: str, cid: str) -> dict:
    response = api.get(token, f"/cases/{cid}")
    assert response.status_code == 200, response.text
    return response.json()


def _history(api: Api, token: str, cid: str) -> list[dict]:
    response = api.get(token, f"/cases/{cid}/history")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _list_all(api: Api, token: str, **params) -> list[dict]:
    response = api.get(token, "/cases", **params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


# ---------------------------------------------------------------- refusal order (§3)


def test_unknown_case_id_is_404_even_with_a_malformed_body(api: Api) -> None:
    _, supervisor = _team(api)
    _err(_post_event(api, supervisor, str(uuid.uuid4()), {"event": "no_such_event", "bogus": 1}), 404, "not_found")
    _err(api.fire(supervisor, str(uuid.uuid4()), "accept"), 404, "not_found")
    _err(_post_event(api, supervisor, "not-a-uuid", {"event": "accept"}), 404, "not_found")
    _err(api.get(supervisor, "/cases/not-a-uuid"), 404, "not_found")


def test_other_district_case_is_404_before_validation_and_role(api: Api) -> None:
    officer_02 = api.principal("officer", "150602")
    cid = api.create(officer_02, penalty_case("150602"))["id"]
    officer_03, supervisor_03 = _team(api, "150603")
    # unknown event name, unknown top-level field and a role refusal would all apply: 404 wins
    _err(_post_event(api, officer_03, cid, {"event": "no_such_event"}), 404, "not_found")
    _err(_post_event(api, officer_03, cid, {"event": "accept", "bogus": True}), 404, "not_found")
    _err(api.fire(officer_03, cid, "accept"), 404, "not_found")
    _err(api.fire(supervisor_03, cid, "accept", headers={"If-Match": '"99"'}), 404, "not_found")
    assert _case(api, officer_02, cid)["version"] == 1


def test_unknown_event_name_is_422_before_role_check(api: Api) -> None:
    officer = api.principal("officer", "150602")
    city = api.principal("city")
    cid = api.create(officer, penalty_case())["id"]
    _err(api.fire(officer, cid, "no_such_event"), 422, "validation_error")
    # the city may fire nothing, but an unknown event name is refused first as a bad body
    _err(api.fire(city, cid, "no_such_event"), 422, "validation_error")


def test_unknown_top_level_field_is_422_before_role_check(api: Api) -> None:
    officer = api.principal("officer", "150602")
    cid = api.create(officer, penalty_case())["id"]
    # officer may not fire accept (403), but the body has an unknown field (422 first)
    _err(_post_event(api, officer, cid, {"event": "accept", "bogus": 1}), 422, "validation_error")


def test_malformed_bodies_are_422_before_role_check(api: Api) -> None:
    officer = api.principal("officer", "150602")
    cid = api.create(officer, penalty_case())["id"]
    url = f"/api/v1/cases/{cid}/events"
    headers = {**bearer(officer), "Content-Type": "application/json"}
    _err(api.client.post(url, content=b"{not json", headers=headers), 422, "validation_error")
    _err(api.client.post(url, content=b'["accept"]', headers=headers), 422, "validation_error")
    _err(_post_event(api, officer, cid, {"data": {}}), 422, "validation_error")  # no event
    _err(_post_event(api, officer, cid, {"event": "accept", "data": "x"}), 422, "validation_error")
    assert _case(api, officer, cid)["version"] == 1


def test_unknown_data_field_is_422_before_role_and_version_check(api: Api) -> None:
    officer = api.principal("officer", "150602")
    cid = api.create(officer, penalty_case())["id"]
    # officer firing accept is a 403 and If-Match 7 is stale, but the unknown data field is checked first
    response = api.fire(officer, cid, "accept", data={"no_such_field": 1}, headers={"If-Match": "7"})
    _err(response, 422, "validation_error")


def test_role_refusal_403_beats_stale_if_match(api: Api) -> None:
    officer = api.principal("officer", "150602")
    cid = api.create(officer, penalty_case())["id"]
    _err(api.fire(officer, cid, "accept", headers={"If-Match": '"42"'}), 403, "forbidden")


def test_role_refusal_403_beats_invalid_transition(api: Api) -> None:
    officer, _, cid = _filed_penalty(api)
    # accept is supervisor-only and not allowed from filed either: the role refusal comes first
    _err(api.fire(officer, cid, "accept"), 403, "forbidden")
    _err(api.fire(officer, cid, "reject", reason="x"), 403, "forbidden")
    # and before a missing required field on a received case
    received = api.create(officer, penalty_case())["id"]
    _err(api.fire(officer, received, "reject"), 403, "forbidden")


def test_city_and_auditor_fire_no_event(api: Api) -> None:
    officer = api.principal("officer", "150602")
    cid = api.create(officer, penalty_case())["id"]
    for role in ("city", "auditor"):
        token = api.principal(role)
        _err(api.fire(token, cid, "add_note", {"text": "看看"}), 403, "forbidden")
        _err(api.fire(token, cid, "accept"), 403, "forbidden")
        _err(api.fire(token, cid, "ask_city", {"question": "?"}, headers={"If-Match": "9"}), 403, "forbidden")
    assert _case(api, officer, cid)["version"] == 1


def test_via_the_answer_events_cannot_be_fired_directly(api: Api) -> None:
    officer, supervisor, cid = _filed_penalty(api)
    for event in ("court_confirmed", "police_accepted", "police_declined", "court_upheld", "police_concluded"):
        _err(api.fire(supervisor, cid, event), 403, "forbidden")
        _err(api.fire(officer, cid, event), 403, "forbidden")
    assert _case(api, supervisor, cid)["state"] == "filed"


def test_stale_if_match_409_version_conflict_beats_invalid_transition(api: Api) -> None:
    _, supervisor, cid = _filed_penalty(api)  # version 2
    # accept is not allowed from filed, reject lacks its reason: the stale version is reported first
    _err(api.fire(supervisor, cid, "accept", headers={"If-Match": "1"}), 409, "version_conflict")
    _err(api.fire(supervisor, cid, "reject", headers={"If-Match": '"1"'}), 409, "version_conflict")


def test_invalid_transition_carries_allowed_events_of_the_caller(api: Api) -> None:
    officer, supervisor, cid = _filed_penalty(api)
    error = _err(api.fire(supervisor, cid, "accept"), 409, "invalid_transition")
    allowed = error["allowed_events"]
    assert isinstance(allowed, list)
    assert "accept" not in allowed
    assert {"notify_penalty", "dismiss", "suspend", "refer_to_police"} <= set(allowed)
    assert set(allowed) == set(_case(api, supervisor, cid)["allowed_events"])
    officer_allowed = set(_case(api, officer, cid)["allowed_events"])
    assert "add_note" in officer_allowed and "notify_penalty" not in officer_allowed


def test_invalid_transition_lists_the_officers_own_allowed_events(api: Api) -> None:
    officer, supervisor, cid = _filed_penalty(api)
    error = _err(api.fire(officer, cid, "request_hearing"), 409, "invalid_transition")
    assert set(error["allowed_events"]) == set(_case(api, officer, cid)["allowed_events"])
    assert "add_note" in error["allowed_events"] and "notify_penalty" not in error["allowed_events"]
    _err(api.fire(supervisor, cid, "resume"), 409, "invalid_transition")


def test_invalid_transition_beats_missing_required_field(api: Api) -> None:
    _, supervisor, cid = _filed_penalty(api)
    # reject without reason from filed: the state is wrong before the field is missing
    error = _err(api.fire(supervisor, cid, "reject"), 409, "invalid_transition")
    assert "reject" not in error["allowed_events"]
    officer = api.principal("officer", "150602")
    received = api.create(officer, penalty_case())["id"]
    _err(api.fire(supervisor, received, "notify_penalty"), 409, "invalid_transition")
    _err(api.fire(supervisor, received, "decide", {"fine": "-1"}), 409, "invalid_transition")


def test_missing_required_fields_are_422(api: Api) -> None:
    officer, supervisor = _team(api)
    cid = api.create(officer, penalty_case())["id"]
    _err(api.fire(supervisor, cid, "reject"), 422, "validation_error")
    api.ok(supervisor, cid, "accept")
    _err(api.fire(supervisor, cid, "notify_penalty", {}), 422, "validation_error")
    _err(api.fire(supervisor, cid, "notify_penalty", {"proposed_fine": "-100"}), 422, "validation_error")
    _err(api.fire(supervisor, cid, "notify_penalty", {"proposed_fine": "100.123"}), 422, "validation_error")
    _err(api.fire(supervisor, cid, "suspend"), 422, "validation_error")
    _err(api.fire(officer, cid, "add_note", {}), 422, "validation_error")
    assert _case(api, supervisor, cid)["version"] == 2


def test_bad_field_422_beats_guard_failed_on_decide(api: Api) -> None:
    _, supervisor, cid = _notified(api)
    # the statement period is running and not waived (guard), but the fine is missing or bad (422 first)
    _err(api.fire(supervisor, cid, "decide", {}), 422, "validation_error")
    _err(api.fire(supervisor, cid, "decide", {"fine": -5}), 422, "validation_error")
    _err(api.fire(supervisor, cid, "decide", {"fine": "10.001"}), 422, "validation_error")
    assert _case(api, supervisor, cid)["state"] == "penalty_notice"


def test_decide_within_statement_period_without_waiver_is_guard_failed(api: Api) -> None:
    _, supervisor, cid = _notified(api)
    # the guard passes with waived: true, so decide stays among the allowed events
    assert "decide" in _case(api, supervisor, cid)["allowed_events"]
    _err(api.fire(supervisor, cid, "decide", {"fine": "80000"}), 409, "guard_failed")
    assert _case(api, supervisor, cid)["state"] == "penalty_notice"
    decided = api.ok(supervisor, cid, "decide", {"fine": "80000", "waived": True})
    assert decided["state"] == "decided" and decided["amounts"]["fine"] == "80000.00"


def test_request_hearing_without_hearing_right_is_guard_failed(api: Api) -> None:
    # an organisation (respondent with a credit code) facing 5,000 yuan has no hearing right
    officer, supervisor, cid = _notified(api, proposed_fine="5000")
    _err(api.fire(officer, cid, "request_hearing"), 409, "guard_failed")
    # it fails whatever data is given, so it is left out of allowed_events
    assert "request_hearing" not in _case(api, officer, cid)["allowed_events"]
    assert _case(api, officer, cid)["state"] == "penalty_notice"


def test_request_hearing_with_hearing_right_succeeds(api: Api) -> None:
    officer, _, cid = _notified(api, proposed_fine="150000")
    assert "request_hearing" in _case(api, officer, cid)["allowed_events"]
    assert api.ok(officer, cid, "request_hearing")["state"] == "hearing"


def test_close_of_decided_case_with_unpaid_fine_is_guard_failed(api: Api) -> None:
    _, supervisor, cid = _decided(api, fine="5000")
    _err(api.fire(supervisor, cid, "close"), 409, "guard_failed")
    # a bad field is reported before the guard
    _err(api.fire(supervisor, cid, "close", {"enforcement_applied": {"x": 1}}), 422, "validation_error")
    assert _case(api, supervisor, cid)["state"] == "decided"


# ---------------------------------------------------------------- envelope and auth (§6)


def test_missing_or_invalid_token_is_401(api: Api) -> None:
    officer = api.principal("officer", "150602")
    cid = api.create(officer, penalty_case())["id"]
    c = api.client
    _err(c.get("/api/v1/cases"), 401, "unauthorized")
    _err(c.get(f"/api/v1/cases/{cid}", headers=bearer("not-a-real-token")), 401, "unauthorized")
    _err(c.post(f"/api/v1/cases/{cid}/events", json={"event": "add_note", "data": {"text": "x"}}), 401,
         "unauthorized")
    _err(c.post("/api/v1/cases", json=penalty_case(), headers={"Authorization": "Basic abc"}), 401, "unauthorized")
    # an unknown id behind no token is still 401, not 404
    _err(c.post(f"/api/v1/cases/{uuid.uuid4()}/events", json={"event": "accept"}), 401, "unauthorized")


def test_error_envelope_has_exactly_code_and_message(api: Api) -> None:
    officer = api.principal("officer", "150602")
    cid = api.create(officer, penalty_case())["id"]
    responses = [
        api.client.get("/api/v1/cases"),
        api.fire(officer, cid, "accept"),
        api.get(officer, f"/cases/{uuid.uuid4()}"),
    ]
    for response in responses:
        assert response.status_code in (401, 403, 404)
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body


# ---------------------------------------------------------------- district scoping (§1, §6)


def test_other_district_roles_get_404_on_read_and_act(api: Api) -> None:
    officer_02 = api.principal("officer", "150602")
    cid = api.create(officer_02, penalty_case("150602"))["id"]
    for role in ("officer", "supervisor"):
        token = api.principal(role, "150603")
        _err(api.get(token, f"/cases/{cid}"), 404, "not_found")
        _err(api.get(token, f"/cases/{cid}/history"), 404, "not_found")
        _err(api.fire(token, cid, "add_note", {"text": "x"}), 404, "not_found")
    _err(api.fire(api.principal("supervisor", "150603"), cid, "accept"), 404, "not_found")


def test_city_and_auditor_read_every_district(api: Api) -> None:
    ids = {api.create(api.principal("officer", d), penalty_case(d))["id"] for d in ("150602", "150603", "150627")}
    for role in ("city", "auditor"):
        token = api.principal(role)
        for cid in ids:
            case = _case(api, token, cid)
            assert case["allowed_events"] == []
            assert api.get(token, f"/cases/{cid}/history").status_code == 200
        assert {c["id"] for c in _list_all(api, token)} == ids


def test_partner_and_admin_cannot_read_cases(api: Api) -> None:
    officer = api.principal("officer", "150602")
    cid = api.create(officer, penalty_case())["id"]
    partner = api.principal("partner", agency="police-150602")
    for token in (partner, api.admin):
        assert api.get(token, f"/cases/{cid}").status_code in (403, 404)
        listing = api.get(token, "/cases")
        assert listing.status_code == 403 or (listing.status_code == 200 and listing.json()["items"] == [])
        assert api.fire(token, cid, "add_note", {"text": "x"}).status_code in (403, 404)


def test_district_listing_shows_only_own_district(api: Api) -> None:
    officer_02 = api.principal("officer", "150602")
    officer_03 = api.principal("officer", "150603")
    own = {api.create(officer_03, penalty_case("150603"))["id"] for _ in range(2)}
    api.create(officer_02, penalty_case("150602"))
    items = _list_all(api, officer_03)
    assert {c["id"] for c in items} == own
    assert all(c["district"] == "150603" for c in items)
    supervisor_03 = api.principal("supervisor", "150603")
    assert {c["id"] for c in _list_all(api, supervisor_03)} == own


# ---------------------------------------------------------------- case create validation (§2, §6)


def _assert_create_refused(api: Api, token: str, body: dict, status: int = 422,
                           code: str = "validation_error") -> None:
    response = api.client.post("/api/v1/cases", json=body, headers=bearer(token))
    _err(response, status, code)


def test_create_validation_errors_write_nothing(api: Api) -> None:
    officer = api.principal("officer", "150602")
    city = api.principal("city")
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    bad_code = CREDIT_CODE[:-1] + ("7" if CREDIT_CODE[-1] != "7" else "8")
    bad_bodies = [
        penalty_case(parties={"respondent": {"name": "某公司", "credit_code": bad_code}}),
        penalty_case(kind="copyright_piracy"),
        penalty_case(district="150699"),
        penalty_case(no_such_field="x"),
        penalty_case(title="商" * 201),
        penalty_case(amounts={"case_value": "-1"}),
        penalty_case(amounts={"case_value": "1.005"}),
        penalty_case(received_at=future),
        penalty_case(source="rumour"),
        {k: v for k, v in penalty_case().items() if k != "title"},
    ]
    for body in bad_bodies:
        if body.get("district") == "150699":
            # for an officer of 150602 an unknown district is both foreign and bad: either refusal writes nothing
            response = api.client.post("/api/v1/cases", json=body, headers=bearer(officer))
            assert response.status_code in (403, 422), response.text
            continue
        _assert_create_refused(api, officer, body)
    assert _list_all(api, officer) == []
    assert _list_all(api, city) == []


def test_create_unknown_district_is_422(api: Api) -> None:
    supervisor = api.principal("supervisor", "150600")
    _assert_create_refused(api, supervisor, penalty_case(district="999999"))
    assert _list_all(api, api.principal("city")) == []


def test_create_title_of_200_characters_is_accepted(api: Api) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case(title="商" * 200))
    assert len(case["title"]) == 200


def test_patent_dispute_only_where_rulings_are_held(api: Api) -> None:
    officer_02 = api.principal("officer", "150602")
    _assert_create_refused(api, officer_02, ruling_case("150602"))
    assert _list_all(api, officer_02) == []
    officer_00 = api.principal("officer", "150600")
    case = api.create(officer_00, ruling_case("150600"))
    assert case["track"] == "ruling" and case["kind"] == "patent_dispute"


def test_officer_creating_in_another_district_is_403(api: Api) -> None:
    officer = api.principal("officer", "150603")
    _assert_create_refused(api, officer, penalty_case("150602"), 403, "forbidden")
    supervisor = api.principal("supervisor", "150603")
    _assert_create_refused(api, supervisor, penalty_case("150602"), 403, "forbidden")
    assert _list_all(api, api.principal("city")) == []


# ---------------------------------------------------------------- shapes (§2, §6)


def test_case_shape_has_every_spec_field(api: Api) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case(amounts={"case_value": 80000, "illegal_gains": "1234.5"}))
    assert CASE_FIELDS <= set(case), CASE_FIELDS - set(case)
    uuid.UUID(case["id"])
    assert case["version"] == 1 and case["state"] == "received" and case["state_label"] == "已收到"
    assert case["track"] == "penalty" and case["district"] == "150602"
    assert case["amounts"]["case_value"] == "80000.00"
    assert case["amounts"]["illegal_gains"] == "1234.50"
    assert isinstance(case["allowed_events"], list) and isinstance(case["recommendations"], list)
    assert {"prior_penalties_5y", "open_cases_elsewhere", "on_dishonest_list", "repeat_infringement"} <= set(
        case["risk"])
    for deadline in case["deadlines"]:
        assert {"name", "owner", "started", "due", "status", "calendar"} <= set(deadline)
    assert case["parties"]["respondent"]["type"] == "organisation"
    for stamp in ("received_at", "created_at", "updated_at"):
        assert datetime.fromisoformat(case[stamp]).utcoffset() is not None, stamp


def test_amounts_accepted_as_numbers_and_naive_times_taken_as_shanghai(api: Api) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case(received_at="2025-01-06T10:00:00",
                                            amounts={"case_value": 5, "illegal_turnover": 12.5}))
    assert case["amounts"]["case_value"] == "5.00" and case["amounts"]["illegal_turnover"] == "12.50"
    received = datetime.fromisoformat(case["received_at"])
    assert received.utcoffset() == timedelta(hours=8) and received.hour == 10


def test_get_case_sends_etag_of_version(api: Api) -> None:
    officer, supervisor = _team(api)
    cid = api.create(officer, penalty_case())["id"]
    response = api.get(officer, f"/cases/{cid}")
    assert response.headers["ETag"] == '"1"'
    api.ok(supervisor, cid, "accept")
    response = api.get(officer, f"/cases/{cid}")
    assert response.headers["ETag"] == '"2"' and response.json()["version"] == 2


def test_if_match_accepts_bare_and_quoted_version(api: Api) -> None:
    officer, _, cid = _filed_penalty(api)  # version 2
    first = api.fire(officer, cid, "add_note", {"text": "一"}, headers={"If-Match": '"2"'})
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 3
    second = api.fire(officer, cid, "add_note", {"text": "二"}, headers={"If-Match": "3"})
    assert second.status_code == 200, second.text
    assert second.json()["version"] == 4
    _err(api.fire(officer, cid, "add_note", {"text": "三"}, headers={"If-Match": "3"}), 409, "version_conflict")
    assert _case(api, officer, cid)["version"] == 4


def test_history_items_shape_and_seq_order(api: Api) -> None:
    officer, supervisor, cid = _filed_penalty(api)
    api.ok(officer, cid, "add_note", {"text": "笔录"})
    api.ok(supervisor, cid, "suspend", reason="专利无效宣告审查中")
    items = _history(api, officer, cid)
    assert [h["event"] for h in items] == ["create", "accept", "add_note", "suspend"]
    assert [h["seq"] for h in items] == [1, 2, 3, 4]
    for item in items:
        assert HISTORY_FIELDS <= set(item), HISTORY_FIELDS - set(item)
    assert items[1]["from_state"] == "received" and items[1]["to_state"] == "filed"
    assert items[2]["from_state"] == items[2]["to_state"] == "filed"
    assert items[3]["reason"] == "专利无效宣告审查中" and items[3]["to_state"] == "suspended"
    assert all(items[i]["prev_hash"] == items[i - 1]["hash"] for i in range(1, len(items)))


def test_list_pagination_returns_every_case_once(api: Api) -> None:
    officer = api.principal("officer", "150602")
    ids = {api.create(officer, penalty_case(title=f"案件{i}"))["id"] for i in range(3)}
    seen: list[str] = []
    first = api.get(officer, "/cases", limit=2)
    assert first.status_code == 200
    page = first.json()
    assert set(page) == {"items", "next_cursor"}
    assert len(page["items"]) == 2 and isinstance(page["next_cursor"], str)
    seen += [c["id"] for c in page["items"]]
    cursor = page["next_cursor"]
    while cursor:
        response = api.get(officer, "/cases", limit=2, cursor=cursor)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        assert len(seen) <= 3
    assert sorted(seen) == sorted(ids)


def test_list_limit_out_of_range_is_422(api: Api) -> None:
    officer = api.principal("officer", "150602")
    cid = api.create(officer, penalty_case())["id"]
    _err(api.get(officer, "/cases", limit=0), 422, "validation_error")
    _err(api.get(officer, "/cases", limit=501), 422, "validation_error")
    assert api.get(officer, "/cases", limit=500).status_code == 200
    _err(api.get(officer, f"/cases/{cid}/history", limit=1001), 422, "validation_error")
    assert api.get(officer, f"/cases/{cid}/history", limit=1000).status_code == 200


# ---------------------------------------------------------------- suspend/resume, final states, tracks (§3)


def test_suspend_and_resume_return_to_filed(api: Api) -> None:
    _, supervisor, cid = _filed_penalty(api)
    suspended = api.ok(supervisor, cid, "suspend", reason="等待鉴定")
    assert suspended["state"] == "suspended" and suspended["state_label"] == "中止"
    assert api.ok(supervisor, cid, "resume")["state"] == "filed"


def test_suspend_and_resume_return_to_penalty_notice(api: Api) -> None:
    _, supervisor, cid = _notified(api)
    assert api.ok(supervisor, cid, "suspend", reason="等待鉴定")["state"] == "suspended"
    resumed = api.ok(supervisor, cid, "resume")
    assert resumed["state"] == "penalty_notice" and resumed["state_label"] == "已告知"


def test_final_states_accept_no_event(api: Api) -> None:
    officer, supervisor = _team(api)
    rejected = api.create(officer, penalty_case())["id"]
    api.ok(supervisor, rejected, "reject", reason="不属于本局管辖")
    closed = api.create(officer, penalty_case())["id"]
    api.ok(supervisor, closed, "accept")
    assert api.ok(supervisor, closed, "dismiss", reason="违法事实不能成立")["outcome"] == "dismissed"
    city_officer, city_supervisor = _team(api, "150600")
    withdrawn = api.create(city_officer, ruling_case())["id"]
    assert api.ok(city_officer, withdrawn, "withdraw", reason="请求人撤回")["state"] == "withdrawn"
    for (off, sup), cid, state in [((officer, supervisor), rejected, "rejected"),
                                   ((officer, supervisor), closed, "closed"),
                                   ((city_officer, city_supervisor), withdrawn, "withdrawn")]:
        assert _case(api, sup, cid)["state"] == state
        assert _case(api, sup, cid)["allowed_events"] == []
        assert _err(api.fire(off, cid, "add_note", {"text": "x"}), 409, "invalid_transition")["allowed_events"] == []
        assert _err(api.fire(sup, cid, "accept"), 409, "invalid_transition")["allowed_events"] == []


def test_track_only_events_refused_in_the_other_track(api: Api) -> None:
    officer, supervisor, cid = _filed_penalty(api)
    error = _err(api.fire(officer, cid, "start_mediation", {"parties_consent": True}), 409, "invalid_transition")
    assert "start_mediation" not in error["allowed_events"]
    _err(api.fire(officer, cid, "withdraw", reason="x"), 409, "invalid_transition")
    _err(api.fire(supervisor, cid, "rule", {"infringement_found": True, "order": "停止"}), 409, "invalid_transition")
    city_officer, city_supervisor = _team(api, "150600")
    ruling = api.create(city_officer, ruling_case())["id"]
    api.ok(city_supervisor, ruling, "accept")
    _err(api.fire(city_supervisor, ruling, "notify_penalty", {"proposed_fine": 1000}), 409, "invalid_transition")


def test_concurrent_events_without_if_match_are_serialised(api: Api, live_server: str) -> None:
    officer, _, cid = _filed_penalty(api)  # version 2
    n = 8

    def note(i: int) -> int:
        with httpx.Client(base_url=live_server, timeout=30) as c:
            return c.post(f"/api/v1/cases/{cid}/events", json={"event": "add_note", "data": {"text": f"并发{i}"}},
                          headers=bearer(officer)).status_code

    with ThreadPoolExecutor(n) as pool:
        statuses = list(pool.map(note, range(n)))
    assert statuses == [200] * n
    assert _case(api, officer, cid)["version"] == 2 + n
    items = _history(api, officer, cid)
    assert [h["seq"] for h in items] == list(range(1, 3 + n))


# ---------------------------------------------------------------- idempotency (§6)


def test_idempotency_key_replays_first_answer_and_fires_once(api: Api) -> None:
    officer, _, cid = _filed_penalty(api)  # version 2
    headers = {"Idempotency-Key": "note-0001"}
    first = api.fire(officer, cid, "add_note", {"text": "询问笔录"}, headers=headers)
    second = api.fire(officer, cid, "add_note", {"text": "询问笔录"}, headers=headers)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json() == second.json()
    assert second.json()["version"] == 3
    assert _case(api, officer, cid)["version"] == 3
    assert [h["event"] for h in _history(api, officer, cid)].count("add_note") == 1


def test_idempotency_key_is_scoped_to_principal_and_case(api: Api) -> None:
    officer, _, cid = _filed_penalty(api)  # version 2
    other_officer = api.principal("officer", "150602")
    headers = {"Idempotency-Key": "note-shared"}
    assert api.fire(officer, cid, "add_note", {"text": "同"}, headers=headers).json()["version"] == 3
    assert api.fire(other_officer, cid, "add_note", {"text": "同"}, headers=headers).json()["version"] == 4
    second_case = api.create(officer, penalty_case())["id"]
    response = api.fire(officer, second_case, "add_note", {"text": "同"}, headers=headers)
    assert response.status_code == 200 and response.json()["id"] == second_case
    assert response.json()["version"] == 2
    assert [h["event"] for h in _history(api, officer, cid)].count("add_note") == 2


def test_idempotency_key_with_another_body_is_422(api: Api) -> None:
    officer, _, cid = _filed_penalty(api)
    headers = {"Idempotency-Key": "note-0002"}
    assert api.fire(officer, cid, "add_note", {"text": "一"}, headers=headers).status_code == 200
    _err(api.fire(officer, cid, "add_note", {"text": "二"}, headers=headers), 422, "validation_error")
    assert _case(api, officer, cid)["version"] == 3


# ---------------------------------------------------------------- state machine (§3)


def test_state_machine_mermaid(api: Api) -> None:
    officer = api.principal("officer", "150602")
    response = api.get(officer, "/state-machine", track="ruling", format="mermaid")
    assert response.status_code == 200
    assert "stateDiagram" in response.text
    assert "mediating" in response.text


def test_state_machine_json_lists_states_with_chinese_labels(api: Api) -> None:
    officer = api.principal("officer", "150602")
    response = api.get(officer, "/state-machine", track="penalty", format="json")
    assert response.status_code == 200
    text = json.dumps(response.json(), ensure_ascii=False)
    for name, label in [("received", "已收到"), ("penalty_notice", "已告知"), ("decided", "已作出处罚决定"),
                        ("suspended", "中止"), ("closed", "结案")]:
        assert name in text and label in text, name
    ruling = json.dumps(api.get(officer, "/state-machine", track="ruling", format="json").json(), ensure_ascii=False)
    assert "调解中" in ruling and "已作出裁决" in ruling
