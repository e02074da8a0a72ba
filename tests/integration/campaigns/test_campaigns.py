"""Campaigns (专项行动, SPEC §12): plans across districts, exhibition phases, a finding that opens a case."""

from __future__ import annotations

import time_machine

from tests.helpers import Api, bearer

from .support import A, B, C, at, finding_case, get, inspection, patch, post, refused

HOLIDAY = {
    "kind": "holiday", "name": "2027年春节知识产权保护专项行动", "holiday": "spring_festival",
    "period": {"start": "2027-01-20", "end": "2027-02-20"}, "districts": [A, B],
    "plan": {"text": "一、工作目标……二、重点任务：商超、批发市场年货检查。三、应急处置……",
             "emergency_contact": "市局知识产权科 0477-8888888", "attachments": ["春节工作预案.docx"]},
    "targets": {"inspections": 2},
}

EXHIBITION = {
    "kind": "exhibition", "name": "2027鄂尔多斯国际煤炭及能源工业博览会", "districts": [B],
    "period": {"start": "2027-05-01", "end": "2027-06-30"},
    "phases": {"before": {"start": "2027-05-01", "end": "2027-05-19"},
               "during": {"start": "2027-05-20", "end": "2027-05-23"},
               "after": {"start": "2027-05-24", "end": "2027-06-30"}},
}


def test_a_holiday_campaign_with_its_plan_across_two_districts(api: Api) -> None:
    city = api.principal("city")
    a_off, b_off, c_off = api.principal("officer", A), api.principal("officer", B), api.principal("officer", C)
    with time_machine.travel(at("2027-01-10"), tick=False):
        campaign = post(api, city, "/campaigns", HOLIDAY)
    assert campaign["districts"] == [A, B] and campaign["holiday_label"] == "春节"
    assert campaign["plan"]["emergency_contact"] == "市局知识产权科 0477-8888888"
    assert campaign["plan"]["attachments"] == ["春节工作预案.docx"]
    # both districts see it and record inspections; a district not taking part sees nothing
    assert [c["id"] for c in get(api, a_off, "/campaigns")["items"]] == [campaign["id"]]
    assert [c["id"] for c in get(api, b_off, "/campaigns")["items"]] == [campaign["id"]]
    assert get(api, c_off, "/campaigns")["items"] == []
    refused(get(api, c_off, f"/campaigns/{campaign['id']}", 404), "not_found")
    with time_machine.travel(at("2027-01-25"), tick=False):
        post(api, a_off, f"/campaigns/{campaign['id']}/inspections", inspection("2027-01-24", place="东胜区万家惠超市"))
        post(api, a_off, f"/campaigns/{campaign['id']}/inspections", inspection("2027-01-25", place="东胜区批发市场"))
        post(api, b_off, f"/campaigns/{campaign['id']}/inspections", inspection("2027-01-25", place="康巴什区商场"))
        # refusals: outside the period, in the future, a district not taking part, a finding without findings
        refused(post(api, a_off, f"/campaigns/{campaign['id']}/inspections", inspection("2027-01-19"), 422),
                "validation_error", "date")
        refused(post(api, a_off, f"/campaigns/{campaign['id']}/inspections", inspection("2027-01-26"), 422),
                "validation_error", "date")
        refused(post(api, a_off, f"/campaigns/{campaign['id']}/inspections",
                     inspection("2027-01-25", result="problem_found"), 422), "validation_error", "findings")
        refused(post(api, a_off, f"/campaigns/{campaign['id']}/inspections",
                     inspection("2027-01-25", phase="during"), 422), "validation_error", "phase")
        refused(post(api, a_off, f"/campaigns/{campaign['id']}/inspections", inspection("2027-01-25", place=None),
                     422), "validation_error", "place")
        refused(post(api, c_off, f"/campaigns/{campaign['id']}/inspections", inspection("2027-01-25"), 404),
                "not_found")
    with time_machine.travel(at("2027-02-21"), tick=False):
        report = get(api, city, f"/campaigns/{campaign['id']}/progress")
    rows = {r["district"]: r for r in report["districts"]}
    assert rows[A]["inspections"] == 2 and rows[A]["targets"]["inspections"]["status"] == "met"
    assert rows[B]["inspections"] == 1 and rows[B]["targets"]["inspections"]["status"] == "missed"
    assert report["total"]["inspections"] == 3 and report["total"]["targets_met"] is False
    # the plan is amended by the city, audited; the stream verifies
    amended = patch(api, city, f"/campaigns/{campaign['id']}",
                    {"plan": {**HOLIDAY["plan"], "emergency_contact": "值班电话 12315"}, "reason": "值班调整"})
    assert amended["plan"]["emergency_contact"] == "值班电话 12315" and amended["version"] == 5
    refused(patch(api, a_off, f"/campaigns/{campaign['id']}", {"name": "改名"}, 403), "forbidden")
    events = get(api, city, "/audit/events", case_id=campaign["id"])["items"]
    assert [e["event"] for e in events] == ["create", "record_inspection", "record_inspection",
                                            "record_inspection", "amend"]
    assert get(api, city, "/audit/verify")["ok"] is True


def test_a_holiday_campaign_needs_its_plan_and_node(api: Api) -> None:
    city = api.principal("city")
    refused(post(api, city, "/campaigns", {**HOLIDAY, "plan": {"text": "预案"}}, 422), "validation_error", "plan")
    refused(post(api, city, "/campaigns", {**HOLIDAY, "holiday": None}, 422), "validation_error", "holiday")
    refused(post(api, city, "/campaigns", {**HOLIDAY, "kind": "blue_sky"}, 422), "validation_error", "holiday")
    refused(post(api, city, "/campaigns", {**HOLIDAY, "districts": [A, "159999"]}, 422), "validation_error",
            "districts")
    refused(post(api, city, "/campaigns", {**HOLIDAY, "period": {"start": "2027-02-20", "end": "2027-01-20"}},
                 422), "validation_error", "period")
    refused(post(api, city, "/campaigns", {**HOLIDAY, "targets": {"stores_checked": 3}}, 422), "validation_error",
            "targets.stores_checked")
    refused(post(api, city, "/campaigns", {**HOLIDAY, "colour": "red"}, 422), "validation_error", "colour")


def test_who_plans_campaigns(api: Api) -> None:
    a_sup, a_off = api.principal("supervisor", A), api.principal("officer", A)
    partner, auditor = api.principal("partner", agency="police-150602"), api.principal("auditor")
    own = post(api, a_sup, "/campaigns", {**HOLIDAY, "districts": [A]})
    assert own["owner"] == A
    refused(post(api, a_sup, "/campaigns", HOLIDAY, 403), "forbidden")  # another district too
    refused(post(api, a_off, "/campaigns", {**HOLIDAY, "districts": [A]}, 403), "forbidden")
    refused(post(api, auditor, "/campaigns", HOLIDAY, 403), "forbidden")
    refused(post(api, partner, "/campaigns", HOLIDAY, 403), "forbidden")
    refused(patch(api, a_sup, f"/campaigns/{own['id']}", {"districts": [A, B]}, 403), "forbidden")
    assert patch(api, a_sup, f"/campaigns/{own['id']}", {"name": "东胜区春节专项"})["name"] == "东胜区春节专项"
    assert [c["id"] for c in get(api, auditor, "/campaigns")["items"]] == [own["id"]]


def test_an_exhibition_in_three_phases_and_a_finding_that_opens_a_case(api: Api) -> None:
    city = api.principal("city")
    b_off, b_sup, a_off = api.principal("officer", B), api.principal("supervisor", B), api.principal("officer", A)
    campaign = post(api, city, "/campaigns", EXHIBITION)
    assert [p["label"] for p in campaign["phases"].values()] == ["展前排查", "展中巡查", "展后追查"]
    path = f"/campaigns/{campaign['id']}/inspections"
    with time_machine.travel(at("2027-06-01"), tick=False):
        before = post(api, b_off, path, inspection("2027-05-10", phase="before", subject={"mark": "鄂尔多斯"}))
        after = post(api, b_off, path, inspection("2027-05-30", phase="after", method="online",
                                                   place="参展商网店"))
        refused(post(api, b_off, path, inspection("2027-05-21"), 422), "validation_error", "phase")
        refused(post(api, b_off, path, inspection("2027-05-21", phase="before"), 422), "validation_error", "date")
        refused(post(api, b_off, path, inspection("2027-05-21", phase="during", result="compliant",
                                                  case=finding_case()), 422), "validation_error", "case")
        during = post(api, b_off, path, inspection(
            "2027-05-21", phase="during", place="康巴什会展中心A馆12号展位", result="problem_found",
            subject={"mark": "某知名商标", "product": "煤矿用截齿"},
            findings="展位展出的截齿使用与某知名商标近似的标识",
            attachments=["现场照片1.jpg"], case=finding_case(sector="equipment")))
    assert [i["phase"] for i in (before, during, after)] == ["before", "during", "after"]
    case = during["case"]
    assert during["case_id"] == case["id"]
    # linked both ways: the case names the campaign and the inspection, the inspection the case
    assert case["source"] == "inspection" and case["venue"] == "exhibition" and case["district"] == B
    assert case["campaign_id"] == campaign["id"] and case["inspection_id"] == during["id"]
    assert campaign["name"] in case["tags"]
    assert get(api, b_off, f"/inspections/{during['id']}")["case_id"] == case["id"]
    assert get(api, b_sup, f"/cases/{case['id']}")["campaign_id"] == campaign["id"]
    created = get(api, b_sup, f"/cases/{case['id']}/history")["items"][0]
    assert created["data"]["campaign_id"] == campaign["id"] and created["data"]["inspection_id"] == during["id"]
    # a second case from the same finding, a case from a compliant inspection: 409
    refused(post(api, b_off, f"/inspections/{during['id']}/case", finding_case(2), 409), "guard_failed")
    refused(post(api, b_off, f"/inspections/{before['id']}/case", finding_case(2), 409), "guard_failed")
    refused(post(api, a_off, f"/inspections/{during['id']}/case", finding_case(2), 404), "not_found")
    # a finding recorded first opens its case later, in one step: online → source online_platform
    with time_machine.travel(at("2027-06-02"), tick=False):
        later = post(api, b_off, path, inspection("2027-06-02", phase="after", method="online", place="某网店",
                                                  result="referred", findings="网店销售涉嫌侵权产品"))
        opened = post(api, b_off, f"/inspections/{later['id']}/case", finding_case(3, title="网店销售侵权截齿"))
    assert opened["case"]["source"] == "online_platform" and opened["case_id"] == opened["case"]["id"]
    assert opened["case"]["inspection_id"] == later["id"]
    # progress: each phase, the findings, the cases and their outcomes
    api.ok(b_sup, opened["case"]["id"], "reject", reason="不属于本机关管辖")
    report = get(api, city, f"/campaigns/{campaign['id']}/progress")
    row = report["districts"][0]
    assert row["by_phase"] == {"before": 1, "during": 1, "after": 2}
    assert row["findings"] == 2 and row["cases_opened"] == 2 and row["cases_open"] == 1
    assert row["case_outcomes"] == {"open": 1, "rejected": 1}
    phase_of = {i["id"]: i["phase"] for i in get(api, city, path, phase="during")["items"]}
    assert phase_of == {during["id"]: "during"}
    assert get(api, city, "/audit/verify")["ok"] is True


def test_exhibition_phases_lie_in_the_period_and_in_order(api: Api) -> None:
    city = api.principal("city")
    phases = EXHIBITION["phases"]
    for wrong, field in [
        ({**phases, "after": {"start": "2027-05-24", "end": "2027-07-01"}}, "phases.after"),
        ({**phases, "during": {"start": "2027-05-19", "end": "2027-05-23"}}, "phases.during"),
        ({**phases, "before": {"start": "2027-05-10", "end": "2027-05-01"}}, "phases.before"),
    ]:
        refused(post(api, city, "/campaigns", {**EXHIBITION, "phases": wrong}, 422), "validation_error", field)
    refused(post(api, city, "/campaigns", {**EXHIBITION, "phases": None}, 422), "validation_error", "phases")
    refused(post(api, city, "/campaigns", {**HOLIDAY, "phases": phases}, 422), "validation_error", "phases")


def test_partners_see_nothing(api: Api) -> None:
    city = api.principal("city")
    partner, admin = api.principal("partner", agency="police-150602"), api.admin
    campaign = post(api, city, "/campaigns", EXHIBITION)
    for token in (partner, admin):
        refused(get(api, token, "/campaigns", 403), "forbidden")
        refused(get(api, token, "/registers", 403), "forbidden")
        refused(get(api, token, f"/campaigns/{campaign['id']}", 404), "not_found")
        refused(get(api, token, f"/campaigns/{campaign['id']}/inspections", 404), "not_found")
        refused(get(api, token, f"/campaigns/{campaign['id']}/progress", 404), "not_found")
    response = api.client.get("/api/v1/campaigns", headers=bearer("not-a-token"))
    assert response.status_code == 401


def test_an_amendment_keeps_the_recorded_inspections_inside(api: Api) -> None:
    city, b_off = api.principal("city"), api.principal("officer", B)
    campaign = post(api, city, "/campaigns", {**EXHIBITION, "districts": [B, C]})
    with time_machine.travel(at("2027-05-22"), tick=False):
        post(api, b_off, f"/campaigns/{campaign['id']}/inspections", inspection("2027-05-21", phase="during"))
    moved = {**EXHIBITION["phases"], "during": {"start": "2027-05-22", "end": "2027-05-23"}}
    refused(patch(api, city, f"/campaigns/{campaign['id']}", {"phases": moved}, 409), "guard_failed")
    refused(patch(api, city, f"/campaigns/{campaign['id']}", {"districts": [C]}, 409), "guard_failed")
    refused(patch(api, city, f"/campaigns/{campaign['id']}", {"period": {"start": "2027-05-02", "end": "2027-06-30"}},
                  422), "validation_error", "phases.before")
    refused(patch(api, city, f"/campaigns/{campaign['id']}", {}, 422), "validation_error")
    refused(patch(api, city, "/campaigns/nothing-here", {"name": "x"}, 404), "not_found")
    assert patch(api, city, f"/campaigns/{campaign['id']}", {"districts": [B]})["districts"] == [B]
