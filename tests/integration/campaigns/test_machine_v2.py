"""A finding opens a version-2 case (SPEC §10): its first officer is the one who recorded it."""

from __future__ import annotations

import pytest
import time_machine

from service.core.config import Settings
from tests.helpers import Api
from tests.integration.cases.v2_support import v2_settings

from .support import B, at, finding_case, get, inspection, post, refused


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def test_a_finding_opens_a_version_2_case(api: Api) -> None:
    city, b_off, b_sup = api.principal("city"), api.principal("officer", B), api.principal("supervisor", B)
    campaign = post(api, city, "/campaigns", {"kind": "special_symbol", "name": "奥林匹克标志保护专项",
                                              "districts": [B], "period": {"start": "2027-01-01",
                                                                           "end": "2027-12-31"}})
    with time_machine.travel(at("2027-02-01"), tick=False):
        found = post(api, b_off, f"/campaigns/{campaign['id']}/inspections", inspection(
            "2027-02-01", place="康巴什区体育用品店", result="problem_found", subject={"mark": "奥林匹克五环"},
            findings="销售印有奥林匹克标志的运动服", case=finding_case(kind="trademark_violation")))
        # the case's own rules hold unchanged: a patent_type is for patent cases only
        other = post(api, b_off, f"/campaigns/{campaign['id']}/inspections", inspection(
            "2027-02-01", place="某店", result="problem_found", findings="涉嫌假冒专利"))
        refused(post(api, b_off, f"/inspections/{other['id']}/case", finding_case(2, patent_type="invention"), 422),
                "validation_error", "patent_type")
    case = found["case"]
    assert case["machine_version"] == 2 and case["officers"][0] == get(api, b_off, f"/inspections/{found['id']}")[
        "officer"]
    assert case["campaign_id"] == campaign["id"] and case["source"] == "inspection"
    assert get(api, b_sup, f"/inspections/{other['id']}")["case_id"] is None  # the refusal left nothing behind
