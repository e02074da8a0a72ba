"""Review 21's findings on the reporting calendar: races, guards, reminders and the submissions list."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from fastapi.testclient import TestClient

from service.core.runtime import Runtime
from service.reports import reminders as report_reminders
from tests.helpers import Api, all_at_once, bearer

A, B = "150602", "150603"
SUBMISSIONS = "/api/v1/reports/monthly/submissions"
CONTACT = {"name": "张三", "post": "科长", "phone": "13812345678", "email": "a@b.cn"}
SECTIONS = {"progress": "一、工作开展情况：开展专项检查十二次。", "results": "查办案件三件。",
            "problems": "人手不足。", "next_steps": "继续加强。"}


def at(day: str, hour: int = 10) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour - 8, tzinfo=UTC)


def test_racing_corrections_serialise_into_revisions(api: Api, client: TestClient) -> None:
    sup, auditor = api.principal("supervisor", A), api.principal("auditor")
    firsts = all_at_once(4, lambda i: client.post(SUBMISSIONS, json={"month": "2026-01"},
                                                  headers=bearer(sup)).status_code)
    assert sorted(firsts) == [201, 409, 409, 409]
    corrections = all_at_once(4, lambda i: client.post(SUBMISSIONS, json={"month": "2026-01", "reason": f"更正{i}"},
                                                       headers=bearer(sup)).status_code)
    assert set(corrections) <= {201, 409} and corrections.count(201) >= 1
    versions = client.get(f"{SUBMISSIONS}/{A}/2026-01/versions", headers=bearer(auditor)).json()["versions"]
    assert [v["version"] for v in versions] == list(range(1, 2 + corrections.count(201)))
    assert client.get("/api/v1/audit/verify", headers=bearer(auditor)).json()["ok"] is True


def test_racing_first_action_plans_let_one_through(api: Api, client: TestClient) -> None:
    sup, auditor = api.principal("supervisor", A), api.principal("auditor")

    def plan(i: int) -> int:
        return client.post("/api/v1/reports/action-plans", headers=bearer(sup), json={
            "year": 2026, "plan": "一、工作目标" * (4 + i), "responsible": CONTACT, "liaison": CONTACT}).status_code

    codes = all_at_once(4, plan)
    assert set(codes) <= {201, 409} and codes.count(201) >= 1
    assert client.get("/api/v1/audit/verify", headers=bearer(auditor)).json()["ok"] is True


def test_a_summary_waits_for_its_periods_last_month(api: Api) -> None:
    sup, path = api.principal("supervisor", A), "/api/v1/reports/summaries"
    with time_machine.travel(at("2026-05-31"), tick=False):
        for body in ({"year": 2026, "period": "midyear"}, {"year": 2027, "period": "midyear"},
                     {"year": 2026, "period": "annual"}):
            early = api.client.post(path, json={**body, **SECTIONS}, headers=bearer(sup))
            assert early.status_code == 409 and early.json()["error"]["code"] == "guard_failed", early.text
        first = api.client.post(path, json={"year": 2026, "period": "midyear", **SECTIONS}, headers=bearer(sup))
        assert "2026-06-01" in first.json()["error"]["message"]
    with time_machine.travel(at("2026-06-01"), tick=False):  # nothing early blocked the real one
        made = api.client.post(path, json={"year": 2026, "period": "midyear", **SECTIONS}, headers=bearer(sup))
        assert made.status_code == 201, made.text


def test_due_soon_reminders_skip_the_districts_that_submitted(api: Api, runtime: Runtime) -> None:
    sup = api.principal("supervisor", A)
    api.principal("supervisor", B)
    with time_machine.travel(at("2026-12-10"), tick=False):
        assert api.client.post(SUBMISSIONS, json={"month": "2026-11"}, headers=bearer(sup)).status_code == 201
    with runtime.db.write() as session:
        reminded = report_reminders.remind(session, at("2026-12-16"))["reminded"]
    assert B in reminded and A not in reminded


def test_the_city_bureau_submits_nothing_it_does_not_owe(api: Api) -> None:
    city_supervisor = api.principal("supervisor", "150600")
    with time_machine.travel(at("2026-06-10"), tick=False):
        for path, body in (("/reports/monthly/submissions", {"month": "2026-05"}),
                           ("/reports/action-plans", {"year": 2026, "plan": "一、工作目标" * 4,
                                                      "responsible": CONTACT, "liaison": CONTACT}),
                           ("/reports/summaries", {"year": 2026, "period": "midyear", **SECTIONS})):
            refused = api.client.post(f"/api/v1{path}", json=body, headers=bearer(city_supervisor))
            assert refused.status_code == 403 and "150600" in refused.json()["error"]["message"], (path, refused.text)
    assert api.get(city_supervisor, "/reports/monthly/submissions").json()["items"] == []
    refused = api.get(city_supervisor, "/assessment", year=2026)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_the_older_summary_route_ends_on_the_configured_due_day(api: Api, monkeypatch) -> None:
    from service.core.config import get_settings

    monkeypatch.setenv("IPCASE_SUMMARY_MIDYEAR_DUE", "06-30")
    monkeypatch.setenv("IPCASE_SUMMARY_ANNUAL_DUE", "12-05")
    get_settings.cache_clear()
    try:
        city = api.principal("city")
        for period, end in (("midyear", "2026-06-30"), ("annual", "2026-12-05")):
            report = api.get(city, "/reports/summary", year=2026, period=period, format="json").json()
            assert report["period"] == {"from": "2026-01-01", "to": end}
    finally:
        monkeypatch.delenv("IPCASE_SUMMARY_MIDYEAR_DUE")
        monkeypatch.delenv("IPCASE_SUMMARY_ANNUAL_DUE")
        get_settings.cache_clear()


def test_submissions_are_listed_a_page_at_a_time_without_snapshots(api: Api) -> None:
    sup, city = api.principal("supervisor", A), api.principal("city")
    with time_machine.travel(at("2026-06-10"), tick=False):
        for month in ("2026-01", "2026-02", "2026-03"):
            assert api.client.post(SUBMISSIONS, json={"month": month}, headers=bearer(sup)).status_code == 201
        assert api.client.post(SUBMISSIONS, json={"month": "2026-02", "reason": "更正数据"},
                               headers=bearer(sup)).status_code == 201
    seen, cursor = [], None
    while True:
        body = api.get(city, "/reports/monthly/submissions", limit=3, **({"cursor": cursor} if cursor else {})).json()
        assert len(body["items"]) <= 3 and all("snapshot" not in i for i in body["items"])
        seen += [(i["month"], i["version"]) for i in body["items"]]
        if not (cursor := body["next_cursor"]):
            break
    assert seen == [("2026-01", 1), ("2026-02", 1), ("2026-02", 2), ("2026-03", 1)]
    assert api.get(city, "/reports/monthly/submissions", cursor="forged.x").status_code == 422
    one = api.get(city, f"/reports/monthly/submissions/{A}/2026-02/versions/2").json()
    assert one["version"] == 2 and one["snapshot"]["monthly"]["figures"]
    assert api.get(city, f"/reports/monthly/submissions/{A}/2026-02/versions/3").status_code == 404
    other = api.principal("supervisor", B)
    assert api.get(other, f"/reports/monthly/submissions/{A}/2026-02/versions/1").status_code == 403
