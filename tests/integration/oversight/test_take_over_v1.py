"""提级管辖 of a version-1 case is refused (SPEC §10.9: a procedure begun under the old rules finishes
under them; `take_over` is a version-2 event), and nothing changes; 交办 works on version 1 too."""

from __future__ import annotations

from tests.helpers import Api, bearer, penalty_case


def test_a_version_1_case_is_not_taken_over(api: Api) -> None:
    officer, supervisor = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    city = api.principal("city")
    case = api.create(officer, penalty_case())
    assert case["machine_version"] == 1
    refused = api.client.post("/api/v1/oversight/take-overs", json={"case_id": case["id"], "reason": "提级"},
                              headers=bearer(city))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "guard_failed"
    after = api.get(supervisor, f"/cases/{case['id']}").json()
    assert after["state"] == "received" and after["version"] == case["version"] and "transferred_to" not in after
    body = {**penalty_case(), "source": "superior"}
    assigned = api.client.post("/api/v1/oversight/assignments", json=body, headers=bearer(city))
    assert assigned.status_code == 201 and assigned.json()["assigned_by"]
    assert api.ok(supervisor, assigned.json()["id"], "accept")["state"] == "filed"
