"""Machine version 2: an administrative review that revokes the penalty revokes the listing at once."""

from __future__ import annotations

import pytest

from service.core.config import Settings
from tests.helpers import Api, bearer, penalty_case
from tests.integration.cases.v2_support import district_people, to_reviewed, v2_settings
from tests.integration.credit.listing_support import listed


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def test_administrative_review_revoked_revokes_the_listing(api: Api) -> None:
    people = district_people(api)
    sup, city = people.supervisor.token, api.principal("city")
    case_id = api.create(people.officer.token, penalty_case())["id"]
    to_reviewed(api, people, case_id, 20000)
    api.ok(sup, case_id, "notify_penalty", {"proposed_fine": 20000})
    case = api.ok(sup, case_id, "decide", {"fine": 20000, "legal_basis": "商标法第六十条第二款", "waived": True})
    entry = listed(api, sup, city, case)
    api.ok(people.officer.token, case_id, "apply_administrative_review", {})
    [handoff] = [h for h in api.get(sup, "/handoffs", case_id=case_id).json()["items"]
                 if h["kind"] == "administrative_review"]
    paper = api.client.post(f"/api/v1/handoffs/{handoff['id']}/answer", json={"decision": "revoked"},
                            headers=bearer(sup))
    assert paper.status_code == 200, paper.text
    shown = api.get(city, f"/dishonest-list/{entry['id']}").json()
    assert shown["state"] == "revoked"
    assert shown["steps"][-1]["data"] == {"case_id": case_id, "cause": "administrative_review_revoked"}
    assert api.get(city, "/audit/verify").json()["ok"] is True
