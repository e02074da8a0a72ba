"""案卷评查 (SPEC §12) end to end: open a round, score, rectify, close, results; every step audited."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from state_machines.types import CHINA_TZ
from tests.helpers import Api, bearer, penalty_case

A, B = "150602", "150603"
TODAY = datetime.now(UTC).astimezone(CHINA_TZ).date().isoformat()  # periods are China dates


@pytest.fixture(params=["database"])
def store_kind(request) -> str:  # the store plays no part here: one run per database
    return request.param


def _closed_cases(api: Api, district: str, n: int) -> list[str]:
    officer, supervisor = api.principal("officer", district), api.principal("supervisor", district)
    ids = []
    for _ in range(n):
        case_id = api.create(officer, penalty_case(district))["id"]
        api.ok(supervisor, case_id, "reject", reason="不属于本部门管辖")
        ids.append(case_id)
    return ids


def test_a_review_round_end_to_end(api: Api) -> None:
    in_a, in_b = _closed_cases(api, A, 3), _closed_cases(api, B, 1)
    api.create(api.principal("officer", A), penalty_case(A))  # open: never sampled
    city, reviewer = api.principal("city"), api.principal("reviewer", "150600")
    supervisor_a, officer_a = api.principal("supervisor", A), api.principal("officer", A)
    body = {"title": "2026年度案卷评查", "period_from": "2026-01-01", "period_to": TODAY, "districts": [A, B],
            "sample_size": 2}
    post = api.client.post
    assert post("/api/v1/case-file-reviews", json=body, headers=bearer(supervisor_a)).status_code == 403
    assert post("/api/v1/case-file-reviews", json={**body, "districts": ["999999"]},
                headers=bearer(city)).status_code == 422
    opened = post("/api/v1/case-file-reviews", json=body, headers=bearer(city))
    assert opened.status_code == 201, opened.text
    rnd = opened.json()
    sampled = {c["case_id"]: c["district"] for c in rnd["cases"]}
    assert sum(1 for d in sampled.values() if d == A) == 2 and set(sampled) <= set(in_a) | set(in_b)
    assert [c for c, d in sampled.items() if d == B] == in_b
    assert sum(i["points"] for i in rnd["checklist"]) == 100
    base = f"/api/v1/case-file-reviews/{rnd['id']}"
    case_a = next(c for c, d in sampled.items() if d == A)

    deductions = [{"item": "evidence", "points": 5, "comment": "现场照片未注明拍摄时间"},
                  {"item": "service", "points": 2, "comment": "送达回证缺签名"}]
    assert post(f"{base}/cases/{case_a}/score", json={"deductions": deductions},
                headers=bearer(supervisor_a)).status_code == 403
    no_comment = post(f"{base}/cases/{case_a}/score", json={"deductions": [{"item": "evidence", "points": 5}]},
                      headers=bearer(reviewer))
    assert no_comment.status_code == 422
    too_many = post(f"{base}/cases/{case_a}/score", json={"deductions": [{"item": "service", "points": 11,
                                                                          "comment": "x"}]}, headers=bearer(reviewer))
    assert too_many.status_code == 422
    early = post(f"{base}/cases/{case_a}/rectification", json={"rectification": "x"}, headers=bearer(supervisor_a))
    assert early.status_code == 409 and early.json()["error"]["code"] == "guard_failed"
    scored = post(f"{base}/cases/{case_a}/score", json={"deductions": deductions}, headers=bearer(reviewer))
    assert scored.status_code == 200 and scored.json()["score"] == 93

    not_yet = post(f"{base}/close", headers=bearer(city))
    assert not_yet.status_code == 409
    for case_id in sampled:
        if case_id != case_a:
            response = post(f"{base}/cases/{case_id}/score", json={"deductions": []}, headers=bearer(city))
            assert response.status_code == 200

    supervisor_b = api.principal("supervisor", B)
    assert post(f"{base}/cases/{case_a}/rectification", json={"rectification": "x"},
                headers=bearer(supervisor_b)).status_code == 403
    answered = post(f"{base}/cases/{case_a}/rectification", json={"rectification": "已补充照片说明并重新送达"},
                    headers=bearer(supervisor_a))
    assert answered.status_code == 200 and answered.json()["rectified"] is True

    seen_by_a = api.get(officer_a, f"/case-file-reviews/{rnd['id']}").json()
    assert {c["district"] for c in seen_by_a["cases"]} == {A}  # a district sees its own results
    results = api.get(city, f"/case-file-reviews/{rnd['id']}/results").json()
    by_district = {d["district"]: d for d in results["districts"]}
    assert by_district[A]["average_score"] == 96.5 and by_district[A]["rectified"] == 1
    assert {i["item"]: i["deducted"] for i in results["items"]}["evidence"] == 5
    xlsx = api.get(city, f"/case-file-reviews/{rnd['id']}/results", format="xlsx")
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["按地区", "按评查项目", "案卷"]

    assert post(f"{base}/close", headers=bearer(city)).json()["state"] == "closed"
    late = post(f"{base}/cases/{case_a}/score", json={"deductions": []}, headers=bearer(reviewer))
    assert late.status_code == 409
    auditor = api.principal("auditor")
    steps = [e["event"] for e in api.get(auditor, "/audit/events", limit=500).json()["items"]
             if e["stream_id"] == rnd["id"]]
    assert steps == ["open", "score", *["score"] * (len(sampled) - 1), "rectify", "close"]
    assert api.get(auditor, "/audit/verify").json()["ok"] is True


def test_chosen_cases_must_be_closed(api: Api) -> None:
    city = api.principal("city")
    open_case = api.create(api.principal("officer", A), penalty_case(A))["id"]
    body = {"title": "专项评查", "period_from": "2026-01-01", "period_to": TODAY, "case_ids": [open_case]}
    response = api.client.post("/api/v1/case-file-reviews", json=body, headers=bearer(city))
    assert response.status_code == 409 and response.json()["error"]["code"] == "guard_failed"
    closed = _closed_cases(api, A, 1)
    response = api.client.post("/api/v1/case-file-reviews", json={**body, "case_ids": closed}, headers=bearer(city))
    assert response.status_code == 201 and [c["case_id"] for c in response.json()["cases"]] == closed


def test_the_results_workbook_keeps_district_codes_as_text_and_points_as_numbers(api: Api) -> None:
    """The results go through the one export writer (issue 16 §4): an all-digit district code is text."""
    _closed_cases(api, A, 1)
    city = api.principal("city")
    body = {"title": "案卷评查", "period_from": "2026-01-01", "period_to": TODAY, "districts": [A], "sample_size": 1}
    rnd = api.client.post("/api/v1/case-file-reviews", json=body, headers=bearer(city)).json()
    [case_id] = [c["case_id"] for c in rnd["cases"]]
    scored = api.client.post(f"/api/v1/case-file-reviews/{rnd['id']}/cases/{case_id}/score", headers=bearer(city),
                             json={"deductions": [{"item": "evidence", "points": 5, "comment": "缺照片"}]})
    assert scored.status_code == 200, scored.text
    book = load_workbook(io.BytesIO(api.get(city, f"/case-file-reviews/{rnd['id']}/results", format="xlsx").content))
    assert book.sheetnames == ["按地区", "按评查项目", "案卷"]
    rows = {sheet.title: [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] for sheet in book.worksheets}
    assert rows["按地区"][0][:3] == ["地区", "抽查案卷", "已评"]
    assert rows["按地区"][1][:4] == [A, 1, 1, 95]  # the code as text, the counts and the score as numbers
    assert rows["案卷"][1][:3] == [case_id, A, 95]
    assert {r[0]: r[3] for r in rows["按评查项目"][1:]}["evidence"] == 5
