"""District scoping: each role × own/other district × read/act."""

from __future__ import annotations

import pytest

from tests.helpers import Api, bearer, penalty_case

OWN, OTHER = "150602", "150603"

# role, bound district, expected status on (read own case, read other case, act on own, act on other)
MATRIX = [
    ("officer", OWN, 200, 404, 200, 404),
    ("supervisor", OWN, 200, 404, 200, 404),
    ("officer", "150600", 404, 404, 404, 404),  # the city's own enforcement team: a district like any other
    ("city", None, 200, 200, 403, 403),
    ("auditor", None, 200, 200, 403, 403),
    ("partner", None, 404, 404, 404, 404),
    ("admin", None, 404, 404, 404, 404),
    ("reviewer", OWN, 200, 404, 403, 404),  # 法制审核 of its district: reads, fires review events only
    ("reviewer", "150600", 200, 200, 403, 403),  # the city's review unit reviews every district's (default)
]


@pytest.mark.parametrize(("role", "district", "read_own", "read_other", "act_own", "act_other"), MATRIX,
                         ids=[f"{m[0]}-{m[1]}" for m in MATRIX])
def test_scoping_matrix(api: Api, role: str, district: str | None, read_own: int, read_other: int,
                        act_own: int, act_other: int) -> None:
    own_case = api.create(api.principal("officer", OWN), penalty_case(OWN))["id"]
    other_case = api.create(api.principal("officer", OTHER), penalty_case(OTHER))["id"]
    if role == "admin":
        token = api.admin
    else:
        token = api.principal(role, district, agency="police-150602" if role == "partner" else None)
    assert api.get(token, f"/cases/{own_case}").status_code == read_own
    assert api.get(token, f"/cases/{other_case}").status_code == read_other
    assert api.get(token, f"/cases/{own_case}/history").status_code == read_own
    note = {"text": "检查笔录"}
    assert api.fire(token, own_case, "add_note", note).status_code == act_own
    assert api.fire(token, other_case, "add_note", note).status_code == act_other


def test_lists_are_scoped_to_the_callers_district(api: Api) -> None:
    own_officer, other_officer = api.principal("officer", OWN), api.principal("officer", OTHER)
    own = {api.create(own_officer, penalty_case(OWN))["id"] for _ in range(2)}
    other = {api.create(other_officer, penalty_case(OTHER))["id"]}
    assert {c["id"] for c in api.get(own_officer, "/cases").json()["items"]} == own
    assert api.get(own_officer, "/cases", district=OTHER).status_code == 403
    city = api.principal("city")
    assert {c["id"] for c in api.get(city, "/cases").json()["items"]} == own | other
    assert {c["id"] for c in api.get(city, "/cases", district=OTHER).json()["items"]} == other
    reviewer = api.principal("reviewer", OWN)
    assert {c["id"] for c in api.get(reviewer, "/cases").json()["items"]} == own
    assert api.get(reviewer, "/cases", district=OTHER).status_code == 403
    for token in (api.admin, api.principal("partner", agency="court-150600")):
        assert api.get(token, "/cases").status_code == 403


def test_cases_are_created_in_the_callers_own_district_only(api: Api) -> None:
    officer = api.principal("officer", OWN)
    response = api.client.post("/api/v1/cases", json=penalty_case(OTHER), headers=bearer(officer))
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    for token in (api.principal("city"), api.principal("auditor"), api.admin):
        response = api.client.post("/api/v1/cases", json=penalty_case(OWN), headers=bearer(token))
        assert response.status_code == 403
    assert api.get(api.principal("city"), "/cases").json()["items"] == []
