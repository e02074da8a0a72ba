"""Case list filters (campaign, tag, venue, sector; an unknown filter is a 422) and who sees what."""

from __future__ import annotations

import time_machine

from tests.helpers import Api, penalty_case

from .support import A, B, C, at, finding_case, get, inspection, post, refused

CAMPAIGN = {"kind": "blue_sky", "name": "蓝天专项整治行动", "districts": [A, B],
            "period": {"start": "2027-03-01", "end": "2027-05-31"}}


def _ids(page: dict) -> set[str]:
    return {c["id"] for c in page["items"]}


def test_cases_filter_by_campaign_tag_venue_and_sector(api: Api) -> None:
    city, a_off = api.principal("city"), api.principal("officer", A)
    spring = api.create(a_off, penalty_case(A))  # tags ["春节"], venue market, sector food
    fair = api.create(a_off, penalty_case(A, tags=["展会", "春节后"], venue="exhibition", sector="electronics"))
    plain = api.create(a_off, penalty_case(A, tags=[], venue=None, sector=None))
    campaign = post(api, city, "/campaigns", CAMPAIGN)
    with time_machine.travel(at("2027-03-10"), tick=False):
        found = post(api, a_off, f"/campaigns/{campaign['id']}/inspections", inspection(
            "2027-03-09", place="东胜区某代理机构", result="problem_found", findings="无资质从事商标代理",
            case=finding_case(kind="trademark_violation", venue="other")))
    from_campaign = found["case"]["id"]
    assert _ids(get(api, a_off, "/cases", tag="春节")) == {spring["id"]}  # the whole tag, not a part of one
    assert _ids(get(api, a_off, "/cases", tag="蓝天专项整治行动")) == {from_campaign}
    assert _ids(get(api, a_off, "/cases", tag="没有")) == set()
    assert _ids(get(api, a_off, "/cases", venue="exhibition")) == {fair["id"]}
    assert _ids(get(api, a_off, "/cases", sector="food")) == {spring["id"]}
    assert _ids(get(api, a_off, "/cases", campaign=campaign["id"])) == {from_campaign}
    assert _ids(get(api, city, "/cases", campaign=campaign["id"], district=A)) == {from_campaign}
    assert _ids(get(api, a_off, "/cases", tag="展会", venue="exhibition", sector="electronics")) == {fair["id"]}
    assert _ids(get(api, a_off, "/cases", tag="展会", venue="market")) == set()
    assert _ids(get(api, a_off, "/cases")) == {spring["id"], fair["id"], plain["id"], from_campaign}
    # an unknown filter, or a known one with a value outside its vocabulary: 422 naming it
    refused(get(api, a_off, "/cases", 422, tags="春节"), "validation_error", "tags")
    refused(get(api, a_off, "/cases", 422, colour="red", size="big"), "validation_error", "colour")
    refused(get(api, a_off, "/cases", 422, venue="moon"), "validation_error", "venue")
    refused(get(api, a_off, "/cases", 422, sector="weapons"), "validation_error", "sector")
    refused(get(api, a_off, "/cases", 422, tag=""), "validation_error", "tag")


def test_a_district_sees_its_inspections_and_the_city_all(api: Api) -> None:
    city, auditor = api.principal("city"), api.principal("auditor")
    a_off, b_off, c_sup = api.principal("officer", A), api.principal("officer", B), api.principal("supervisor", C)
    campaign = post(api, city, "/campaigns", CAMPAIGN)
    path = f"/campaigns/{campaign['id']}/inspections"
    with time_machine.travel(at("2027-03-10"), tick=False):
        mine = post(api, a_off, path, inspection("2027-03-09", place="东胜区某代理机构"))
        theirs = post(api, b_off, path, inspection("2027-03-09", place="康巴什区某代理机构", result="referred",
                                                   findings="涉嫌商标代理违法行为", case=finding_case()))
    assert {i["id"] for i in get(api, a_off, path)["items"]} == {mine["id"]}
    assert {i["id"] for i in get(api, b_off, path)["items"]} == {theirs["id"]}
    assert {i["id"] for i in get(api, city, path)["items"]} == {mine["id"], theirs["id"]}
    assert {i["id"] for i in get(api, auditor, path)["items"]} == {mine["id"], theirs["id"]}
    assert {i["id"] for i in get(api, city, path, district=B)["items"]} == {theirs["id"]}
    refused(get(api, a_off, f"/inspections/{theirs['id']}", 404), "not_found")
    assert get(api, city, f"/inspections/{theirs['id']}")["case_id"] == theirs["case_id"]
    # the case opened in B is B's: A does not see it, even through the campaign filter
    refused(get(api, a_off, f"/cases/{theirs['case_id']}", 404), "not_found")
    assert _ids(get(api, a_off, "/cases", campaign=campaign["id"])) == set()
    assert _ids(get(api, city, "/cases", campaign=campaign["id"])) == {theirs["case_id"]}
    # progress: a district its own row, the city both
    assert [r["district"] for r in get(api, a_off, f"/campaigns/{campaign['id']}/progress")["districts"]] == [A]
    report = get(api, city, f"/campaigns/{campaign['id']}/progress")
    assert [(r["district"], r["inspections"], r["cases_opened"]) for r in report["districts"]] == [
        (A, 1, 0), (B, 1, 1)]
    # a district not taking part sees neither the campaign nor its inspections, and records none
    for route in ("", "/inspections", "/progress"):
        refused(get(api, c_sup, f"/campaigns/{campaign['id']}{route}", 404), "not_found")
    refused(get(api, c_sup, f"/inspections/{mine['id']}", 404), "not_found")
    assert get(api, c_sup, "/campaigns")["items"] == []
    # the city and auditors read but record no inspection
    with time_machine.travel(at("2027-03-10"), tick=False):
        refused(post(api, city, path, inspection("2027-03-09"), 403), "forbidden")
        refused(post(api, auditor, path, inspection("2027-03-09"), 403), "forbidden")
    # campaigns list filters
    assert [c["id"] for c in get(api, city, "/campaigns", kind="blue_sky", district=B)["items"]] == [campaign["id"]]
    assert get(api, city, "/campaigns", district=C)["items"] == []
    assert get(api, city, "/campaigns", active_on="2027-06-01")["items"] == []
    assert len(get(api, city, "/campaigns", active_on="2027-03-01")["items"]) == 1
    refused(get(api, city, "/campaigns", 422, kind="picnic"), "validation_error", "kind")


def test_the_board_shows_campaign_progress_to_whom_the_api_would(api: Api) -> None:
    """专项行动 on the board: the city sees every district's row, a district its own, a district
    not taking part no campaign; the figures are the progress report's."""
    from tests.helpers import board_cookie

    city, a_off, c_off = api.principal("city"), api.principal("officer", A), api.principal("officer", C)
    campaign = post(api, city, "/campaigns", {**CAMPAIGN, "targets": {"inspections": 2}})
    with time_machine.travel(at("2027-03-10"), tick=False):
        post(api, a_off, f"/campaigns/{campaign['id']}/inspections", inspection(
            "2027-03-09", place="东胜区某代理机构", result="problem_found", findings="无资质从事商标代理"))

    def board(token: str) -> str:
        api.client.cookies.clear()
        response = api.client.get("/board/campaigns", headers={"cookie": board_cookie(api.client, token)})
        assert response.status_code == 200
        return response.text

    seen = board(city)
    assert "蓝天专项整治行动" in seen and "东胜区" in seen and "康巴什区" in seen and "检查 1/2" in seen
    own = board(a_off)
    assert "蓝天专项整治行动" in own and "东胜区" in own and "康巴什区" not in own
    assert "蓝天专项整治行动" not in board(c_off) and "没有参加的专项行动" in board(c_off)
