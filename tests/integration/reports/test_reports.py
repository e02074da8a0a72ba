"""附件1 and 附件2 against a hand-counted set of cases over two months and two districts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from openpyxl import load_workbook

from service.core.runtime import Runtime
from service.reports import reminders as report_reminders
from tests.helpers import Api, bearer, penalty_case

A, B = "150602", "150603"


def at(day: str, hour: int = 10) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour - 8, tzinfo=UTC)


@pytest.fixture
def seeded(api: Api) -> dict:
    """The cases of the hand count (China dates):

    A1 received 02-10 (food, market, complaint, 案值 10,000), filed 02-11, penalty notice 02-12,
       decided 02-20 (fine 50,000, confiscation 1,000), paid and published 03-02, closed 03-03.
    A2 received 02-25 (electronics, online platform both as venue and source, 案值 200,000), filed 03-01,
       referred to the police 03-05.
    A3 received 03-10 (food, mall, report), rejected 03-12.
    B1 received 03-03 (daily goods, fair, inspection, 案值 5,000), filed 03-04, dismissed 03-20.
    B2 received 03-15 (food, market, complaint), nothing more.
    An investigation request A → B sent 03-06, accepted 03-07, answered 03-08.
    """
    people = {"a_off": api.principal("officer", A), "a_sup": api.principal("supervisor", A),
              "b_off": api.principal("officer", B), "b_sup": api.principal("supervisor", B),
              "city": api.principal("city")}
    cases = {}

    def on(day: str, action):
        with time_machine.travel(at(day), tick=False):
            return action()

    cases["A1"] = on("2026-02-10", lambda: api.create(people["a_off"], penalty_case(
        A, sector="food", venue="market", source="complaint", amounts={"case_value": 10000})))
    on("2026-02-11", lambda: api.ok(people["a_sup"], cases["A1"]["id"], "accept"))
    on("2026-02-12", lambda: api.ok(people["a_sup"], cases["A1"]["id"], "notify_penalty", {"proposed_fine": 50000}))
    on("2026-02-20", lambda: api.ok(people["a_sup"], cases["A1"]["id"], "decide",
                                    {"fine": 50000, "confiscation": 1000, "waived": True}))
    cases["A2"] = on("2026-02-25", lambda: api.create(people["a_off"], penalty_case(
        A, sector="electronics", venue="online_platform", source="online_platform",
        amounts={"case_value": 200000, "illegal_turnover": 80000})))
    on("2026-03-01", lambda: api.ok(people["a_sup"], cases["A2"]["id"], "accept"))
    on("2026-03-02", lambda: api.ok(people["a_off"], cases["A1"]["id"], "record_payment"))
    on("2026-03-02", lambda: api.ok(people["a_off"], cases["A1"]["id"], "record_publication"))
    on("2026-03-03", lambda: api.ok(people["a_sup"], cases["A1"]["id"], "close"))
    cases["B1"] = on("2026-03-03", lambda: api.create(people["b_off"], penalty_case(
        B, sector="daily_goods", venue="fair", source="inspection", amounts={"case_value": 5000})))
    on("2026-03-04", lambda: api.ok(people["b_sup"], cases["B1"]["id"], "accept"))
    on("2026-03-05", lambda: api.ok(people["a_sup"], cases["A2"]["id"], "refer_to_police", {"grounds": "涉嫌犯罪"}))
    request = on("2026-03-06", lambda: api.client.post("/api/v1/assistance-requests", headers=bearer(people["a_off"]),
                                                       json={"case_id": cases["A2"]["id"], "kind": "investigation",
                                                             "to_district": B, "request": "协查供货商"}).json())
    for day, event, data in (("2026-03-07", "accept", None), ("2026-03-08", "reply", {"findings": "已查明"})):
        on(day, lambda e=event, d=data: api.client.post(
            f"/api/v1/assistance-requests/{request['id']}/events", headers=bearer(people["b_off"]),
            json={"event": e, **({"data": d} if d else {})}))
    cases["A3"] = on("2026-03-10", lambda: api.create(people["a_off"], penalty_case(
        A, sector="food", venue="mall", source="report", amounts=None)))
    on("2026-03-12", lambda: api.ok(people["a_sup"], cases["A3"]["id"], "reject", reason="不属于知识产权违法"))
    cases["B2"] = on("2026-03-15", lambda: api.create(people["b_off"], penalty_case(
        B, sector="food", venue="market", source="complaint", amounts=None)))
    on("2026-03-20", lambda: api.ok(people["b_sup"], cases["B1"]["id"], "dismiss", reason="违法事实不成立"))
    return {"people": people, "cases": cases}


def figures(report: dict) -> dict:
    return {f["key"]: f["value"] for f in report["figures"]}


def breakdown(report: dict, name: str) -> dict:
    return {r["key"]: r["value"] for r in report["breakdowns"][name]["rows"] if r["value"]}


EXPECTED_MARCH_CITY = {
    "received": 3, "received_online": 0, "filed": 2, "rejected": 1, "mediations": 0, "mediated": 0,
    "confirmation_requested": 0, "confirmed": 0, "rulings": 0, "penalty_decisions": 0, "referred": 1,
    "police_accepted": 0, "police_declined": 0, "criminal": 0, "transfers_out": 0, "transfers_accepted": 0,
    "closed": 2, "fines": "0.00", "confiscations": "0.00", "case_value": "5000.00", "assistance_sent": 1,
    "assistance_received": 1, "assistance_answered": 1, "open_at_end": 2, "overdue_at_end": 0,
}


def test_monthly_figures_equal_the_hand_count(api: Api, seeded) -> None:
    city = seeded["people"]["city"]
    with time_machine.travel(at("2026-04-02"), tick=False):
        march = api.get(city, "/reports/monthly", month="2026-03").json()
        assert figures(march) == EXPECTED_MARCH_CITY
        assert breakdown(march, "kind") == {"trademark_infringement": 3}
        assert breakdown(march, "sector") == {"food": 2, "daily_goods": 1}
        assert breakdown(march, "venue") == {"mall": 1, "fair": 1, "market": 1}
        assert breakdown(march, "source") == {"report": 1, "inspection": 1, "complaint": 1}
        by_district = {r["district"]: r for r in march["by_district"]}
        assert (by_district[A]["received"], by_district[A]["filed"], by_district[A]["closed"],
                by_district[A]["referred"], by_district[A]["open_at_end"]) == (1, 1, 1, 1, 1)
        assert (by_district[B]["received"], by_district[B]["case_value"], by_district[B]["assistance_answered"],
                by_district[B]["open_at_end"]) == (2, "5000.00", 1, 1)
        district_a = figures(api.get(seeded["people"]["a_sup"], "/reports/monthly", month="2026-03").json())
        assert (district_a["received"], district_a["rejected"], district_a["assistance_sent"]) == (1, 1, 1)
        february = figures(api.get(city, "/reports/monthly", month="2026-02").json())
        assert {k: february[k] for k in ("received", "received_online", "filed", "penalty_decisions", "fines",
                                         "confiscations", "case_value", "closed", "open_at_end")} == {
            "received": 2, "received_online": 1, "filed": 1, "penalty_decisions": 1, "fines": "50000.00",
            "confiscations": "1000.00", "case_value": "210000.00", "closed": 0, "open_at_end": 2}


def test_case_details_rows_equal_the_hand_count(api: Api, seeded) -> None:
    city, cases = seeded["people"]["city"], seeded["cases"]
    with time_machine.travel(at("2026-04-02"), tick=False):
        march = api.get(city, "/reports/case-details", month="2026-03").json()
        rows = {r["number"]: r for r in march["rows"]}
        assert set(rows) == {cases[k]["number"] for k in ("A1", "A2", "A3", "B1", "B2")}
        a1 = rows[cases["A1"]["number"]]
        assert (a1["received_on"], a1["filed_on"], a1["closed_on"], a1["state"], a1["outcome"], a1["fine"],
                a1["confiscation"], a1["referred_to_police"], a1["respondent_credit_code"]) == (
            "2026-02-10", "2026-02-11", "2026-03-03", "结案", "处罚", "50000.00", "1000.00", "否",
            "914403001922038216")
        a2 = rows[cases["A2"]["number"]]
        assert (a2["state"], a2["referred_to_police"], a2["illegal_turnover"], a2["closed_on"]) == (
            "移送公安待回复", "是", "80000.00", None)
        outcomes = (rows[cases["A3"]["number"]]["outcome"], rows[cases["B1"]["number"]]["outcome"])
        assert outcomes == ("不予立案", "撤销立案")
        assert rows[cases["B2"]["number"]]["filed_on"] is None and rows[cases["B2"]["number"]]["officer"]
        feb = api.get(city, "/reports/case-details", month="2026-02").json()["rows"]
        assert {r["number"] for r in feb} == {cases["A1"]["number"], cases["A2"]["number"]}
        own = api.get(seeded["people"]["b_off"], "/reports/case-details", month="2026-03").json()["rows"]
        assert {r["number"] for r in own} == {cases["B1"]["number"], cases["B2"]["number"]}
        assert api.get(seeded["people"]["b_off"], "/reports/case-details", month="2026-03",
                       district=A).status_code == 403


def test_xlsx_and_csv_open_with_their_readers(api: Api, seeded) -> None:
    city = seeded["people"]["city"]
    with time_machine.travel(at("2026-04-02"), tick=False):
        response = api.get(city, "/reports/monthly", month="2026-03", format="xlsx")
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        book = load_workbook(io.BytesIO(response.content))
        sheet = book.worksheets[0]
        assert sheet.freeze_panes == "A3"
        header = [c.value for c in sheet[2]]
        assert header[:3] == ["单位", "收到案件数", "其中：网络平台案件数"]
        last = [c.value for c in sheet[sheet.max_row]]
        assert last[0] == "合计" and last[1] == 3
        assert sheet.column_dimensions["A"].width >= 8
        assert {ws.title for ws in book.worksheets} >= {"案件类型", "重点领域"}

        details = load_workbook(io.BytesIO(api.get(city, "/reports/case-details", month="2026-03",
                                                   format="xlsx").content)).worksheets[0]
        assert [c.value for c in details[2]][:2] == ["案件编号", "案件名称"]
        totals = [c.value for c in details[details.max_row]]
        assert totals[0] == "合计 5 件"

        raw = api.get(city, "/reports/case-details", month="2026-03", format="csv").content
        assert raw.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0][0] == "附件2 查办案件明细表" and rows[1][0] == "案件编号"
        assert any("销售假冒注册商标的白酒" in row for row in rows)

        html = api.get(city, "/reports/monthly", month="2026-03", format="html")
        assert html.headers["content-type"].startswith("text/html") and "附件1" in html.text
        details_html = api.get(city, "/reports/case-details", month="2026-03", format="html")
        assert details_html.status_code == 200 and "合计 5 件" in details_html.text
        for fmt in ("html", "csv", "xlsx"):
            bulletin = api.get(city, "/reports/bulletin", format=fmt, **{"from": "2026-02-01", "to": "2026-03-31"})
            assert bulletin.status_code == 200, (fmt, bulletin.text[:200])


def test_bulletin_ranks_districts_and_summaries_render(api: Api, seeded) -> None:
    city = seeded["people"]["city"]
    with time_machine.travel(at("2026-04-02"), tick=False):
        bulletin = api.get(city, "/reports/bulletin", **{"from": "2026-02-01", "to": "2026-03-31"}).json()
        top = bulletin["rows"][:2]
        assert [(r["district"], r["closed"]) for r in top] == [(A, 1), (B, 1)] or \
            [(r["district"], r["closed"]) for r in top] == [(B, 1), (A, 1)]
        assert bulletin["total"]["received"] == 5 and len(bulletin["rows"]) == 10
        assert [r["rank"] for r in bulletin["rows"]] == list(range(1, 11))
        summary = api.get(city, "/reports/summary", year=2026, period="midyear")
        assert summary.status_code == 200 and "2026年全市知识产权行政保护工作半年总结" in summary.text
        assert api.get(seeded["people"]["a_off"], "/reports/bulletin",
                       **{"from": "2026-02-01", "to": "2026-03-31"}).status_code == 403
        assert api.get(city, "/reports/monthly", month="2026-13").status_code == 422
        assert api.get(city, "/reports/monthly").status_code == 422


def test_submission_freezes_the_figures_and_reminders_run_once(api: Api, runtime: Runtime, seeded) -> None:
    people = seeded["people"]
    path = "/api/v1/reports/monthly/submissions"
    with time_machine.travel(at("2026-04-02"), tick=False):
        assert api.client.post(path, json={"month": "2026-04"}, headers=bearer(people["a_sup"])).status_code == 409
        assert api.client.post(path, json={"month": "2026-03"}, headers=bearer(people["a_off"])).status_code == 403
        first = api.client.post(path, json={"month": "2026-03"}, headers=bearer(people["a_sup"]))
        assert first.status_code == 201
        frozen = {f["key"]: f["value"] for f in first.json()["snapshot"]["monthly"]["figures"]}
        assert frozen["received"] == 1 and frozen["referred"] == 1
        again = api.client.post(path, json={"month": "2026-03"}, headers=bearer(people["a_sup"]))
        assert again.status_code == 409 and again.json()["error"]["code"] == "guard_failed"
        listed = api.get(people["city"], "/reports/monthly/submissions", month="2026-03").json()["items"]
        assert [s["district"] for s in listed] == [A]
        assert api.get(people["city"], "/audit/verify").json()["ok"] is True
    with runtime.db.write() as session:
        reminded = report_reminders.remind(session, at("2026-04-15"))
    assert B in reminded["reminded"] and A not in reminded["reminded"]  # A submitted 2026-03 already
    with runtime.db.write() as session:
        assert report_reminders.remind(session, at("2026-04-15"))["reminded"] == []
    with runtime.db.write() as session:
        missing = report_reminders.remind(session, at("2026-04-21"))["missing"]
    assert B in missing and A not in missing  # A submitted 2026-03
    with time_machine.travel(at("2026-04-21"), tick=False):
        notes = api.get(people["city"], "/notifications").json()["items"]
        assert any(n["subject"].startswith("【报表未报】2026-03") for n in notes)
        supervisor = api.get(people["b_sup"], "/notifications").json()["items"]
        assert any(n["subject"].startswith("【报表提醒】") for n in supervisor)


def test_impossible_periods_are_validation_errors(api: Api) -> None:
    """Found by schemathesis: year 0 made the period arithmetic raise (a 500)."""
    city = api.principal("city")
    supervisor = api.principal("supervisor", A)
    for params in ({"month": "0000-01"}, {"month": "9999-12"}, {"from": "0001-01-01", "to": "0001-12-31"},
                   {"from": "9999-01-01", "to": "9999-12-31"}):
        for path in ("/reports/monthly", "/reports/case-details"):
            response = api.get(city, path, **params)
            assert response.status_code == 422, (path, params, response.text)
    r = api.client.post("/api/v1/reports/monthly/submissions", json={"month": "0000-01"}, headers=bearer(supervisor))
    assert r.status_code == 422
    officer = api.principal("officer", A)
    r = api.client.post("/api/v1/cases", json=penalty_case(A, received_at="0001-01-01T00:00:00+08:00"),
                        headers=bearer(officer))
    assert r.status_code == 422
