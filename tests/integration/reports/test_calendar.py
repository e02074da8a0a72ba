"""The seed's reporting calendar (SPEC §12): the statistical month, corrections as versions, year-to-date
totals, action plans and contacts, district summaries and the city's compilation, timeliness."""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import func, select

from service.core.config import get_settings
from service.core.models import Event
from service.core.runtime import Runtime
from service.reports import period as calendar
from service.reports import reminders as report_reminders
from service.reports import schemas, timeliness
from service.reports.figures import Period
from service.reports.models import ActionPlan, DistrictSummary, ReportSubmission
from tests.helpers import Api, bearer, board_cookie, penalty_case

A, B, C = "150602", "150603", "150621"
SUBMISSIONS = "/api/v1/reports/monthly/submissions"


def at(day: str, hour: int = 10) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour - 8, tzinfo=UTC)


def received(api: Api, officer: str, day: str, district: str = A) -> dict:
    with time_machine.travel(at(day, 11), tick=False):
        return api.create(officer, penalty_case(district, received_at=f"{day}T09:00:00+08:00"))


def figures(report: dict) -> dict:
    return {f["key"]: f["value"] for f in report["figures"]}


@pytest.fixture
def ending_20(monkeypatch):
    monkeypatch.setenv("IPCASE_STAT_MONTH", "ending:20")
    monkeypatch.setenv("IPCASE_STAT_DUE", "after:5")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("IPCASE_STAT_MONTH")
    monkeypatch.delenv("IPCASE_STAT_DUE")
    get_settings.cache_clear()


def test_period_arithmetic_by_configuration() -> None:
    assert calendar.bounds("2026-03", "calendar") == (date(2026, 3, 1), date(2026, 3, 31))
    assert calendar.bounds("2026-03", "ending:20") == (date(2026, 2, 21), date(2026, 3, 20))
    assert calendar.bounds("2027-01", "ending:20") == (date(2026, 12, 21), date(2027, 1, 20))
    assert calendar.month_of(date(2026, 12, 21), "ending:20") == "2027-01"
    assert calendar.month_of(date(2026, 12, 20), "ending:20") == "2026-12"
    assert calendar.month_of(date(2026, 12, 31), "calendar") == "2026-12"
    assert calendar.due("2026-03", "calendar", "day:20") == date(2026, 4, 20)
    assert calendar.due("2026-12", "calendar", "day:20") == date(2027, 1, 20)
    assert calendar.due("2026-03", "ending:20", "after:5") == date(2026, 3, 25)
    assert calendar.year_start(2027, "ending:20") == date(2026, 12, 21)
    assert Period.month("2026-02") == Period(date(2026, 2, 1), date(2026, 2, 28))  # the default: calendar
    for bad in ("ending:29", "ending:x", "weekly"):
        with pytest.raises(ValueError):
            calendar.ending_day(bad)


def test_month_ending_on_the_20th_counts_the_20th_and_the_21st_apart(api: Api, runtime: Runtime, ending_20) -> None:
    officer, city, supervisor = api.principal("officer", A), api.principal("city"), api.principal("supervisor", A)
    received(api, officer, "2026-03-20")
    received(api, officer, "2026-03-21")
    with time_machine.travel(at("2026-03-20"), tick=False):  # the month ends today: not yet
        early = api.client.post(SUBMISSIONS, json={"month": "2026-03"}, headers=bearer(supervisor))
        assert early.status_code == 409
    with runtime.db.write() as session:
        assert A in report_reminders.remind(session, at("2026-03-21"))["reminded"]  # due 03-25 (after:5)
    with runtime.db.write() as session:
        assert A in report_reminders.remind(session, at("2026-03-26"))["missing"]
    with time_machine.travel(at("2026-03-26"), tick=False):
        late = api.client.post(SUBMISSIONS, json={"month": "2026-03"}, headers=bearer(supervisor)).json()
        assert (late["due"], late["late"], figures(late["snapshot"]["monthly"])["received"]) == ("2026-03-25", True, 1)
    received(api, officer, "2026-12-25")
    with time_machine.travel(at("2027-02-01"), tick=False):
        march = api.get(city, "/reports/monthly", month="2026-03").json()
        assert march["period"] == {"from": "2026-02-21", "to": "2026-03-20"}
        assert figures(march)["received"] == 1
        april = api.get(city, "/reports/monthly", month="2026-04").json()
        assert april["period"] == {"from": "2026-03-21", "to": "2026-04-20"}
        assert figures(april)["received"] == 1
        details = api.get(city, "/reports/case-details", month="2026-04").json()
        assert [r["received_on"] for r in details["rows"]] == ["2026-03-21"]
        january = api.get(city, "/reports/monthly", month="2027-01").json()  # December after the 20th
        assert january["period"] == {"from": "2026-12-21", "to": "2027-01-20"}
        assert figures(january)["received"] == 1
        assert january["ytd"]["period"] == {"from": "2026-12-21", "to": "2027-01-20"}
        assert figures(january["ytd"])["received"] == 1
        assert figures(api.get(city, "/reports/monthly", month="2026-12").json())["received"] == 0
        assert figures(api.get(city, "/reports/monthly", month="2026-12").json()["ytd"])["received"] == 2


def test_year_to_date_totals_from_january(api: Api) -> None:
    officer, city, supervisor = api.principal("officer", A), api.principal("city"), api.principal("supervisor", A)
    for day in ("2025-12-30", "2026-01-05", "2026-02-10", "2026-03-03", "2026-03-15"):
        received(api, officer, day)
    received(api, api.principal("officer", B), "2026-02-11", B)
    with time_machine.travel(at("2026-04-02"), tick=False):
        march = api.get(city, "/reports/monthly", month="2026-03").json()
        assert figures(march)["received"] == 2
        assert march["ytd"]["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
        assert figures(march["ytd"])["received"] == 5
        schemas.MonthlyReportOut.model_validate(march)
        own = api.get(supervisor, "/reports/monthly", month="2026-03").json()
        assert figures(own["ytd"])["received"] == 4
        sheet = load_workbook(io.BytesIO(api.get(city, "/reports/monthly", month="2026-03", format="xlsx").content))
        ytd = sheet["本年累计"]
        rows = {r[0]: (r[1], r[2]) for r in ytd.iter_rows(min_row=3, values_only=True)}
        assert rows["收到案件数"] == (2, 5)
        ranged = api.get(city, "/reports/monthly", **{"from": "2026-03-01", "to": "2026-03-31"}).json()
        assert "ytd" not in ranged


def test_a_correction_is_a_new_version_and_the_first_is_kept(api: Api, runtime: Runtime) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    other = api.principal("supervisor", B)
    received(api, officer, "2026-03-10")
    with time_machine.travel(at("2026-04-02"), tick=False):
        first = api.client.post(SUBMISSIONS, json={"month": "2026-03"}, headers=bearer(supervisor))
        assert first.status_code == 201 and first.json()["version"] == 1 and first.json()["reason"] is None
        assert first.json()["snapshot"]["monthly"]["ytd"]
        refused = api.client.post(SUBMISSIONS, json={"month": "2026-03"}, headers=bearer(supervisor))
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "guard_failed"
        stray = api.client.post(SUBMISSIONS, json={"month": "2026-02", "reason": "更正"}, headers=bearer(supervisor))
        assert stray.status_code == 422 and stray.json()["error"]["fields"] == ["reason"]
    received(api, officer, "2026-03-28")  # a late-registered March case
    with time_machine.travel(at("2026-04-05"), tick=False):
        second = api.client.post(SUBMISSIONS, json={"month": "2026-03", "reason": "补录3月28日收到的案件"},
                                 headers=bearer(supervisor))
        assert second.status_code == 201, second.text
        assert second.json()["version"] == 2 and second.json()["reason"] == "补录3月28日收到的案件"
        assert (second.json()["due"], second.json()["late"]) == ("2026-04-20", False)
        assert figures(second.json()["snapshot"]["monthly"])["received"] == 2
        listed = api.get(city, "/reports/monthly/submissions", month="2026-03", district=A).json()["items"]
        assert [s["version"] for s in listed] == [1, 2] and "snapshot" not in listed[0]  # review 21: one read has it
        assert [figures(api.get(city, f"/reports/monthly/submissions/{A}/2026-03/versions/{v}").json()["snapshot"]
                        ["monthly"])["received"] for v in (1, 2)] == [1, 2]
        versions = api.get(city, f"/reports/monthly/submissions/{A}/2026-03/versions").json()
        assert [v["version"] for v in versions["versions"]] == [1, 2]
        assert versions["versions"][1]["changed"]["received"] == {"from": 1, "to": 2}
        assert versions["versions"][0]["changed"] == {}
        schemas.SubmissionVersionsOut.model_validate(versions)
        schemas.SubmissionOut.model_validate(second.json())
        assert api.get(other, f"/reports/monthly/submissions/{A}/2026-03/versions").status_code == 403
        assert api.get(city, f"/reports/monthly/submissions/{B}/2026-03/versions").status_code == 404
        assert api.get(other, "/reports/monthly/submissions", month="2026-03").json()["items"] == []
        assert api.get(city, "/audit/verify").json()["ok"] is True
    with runtime.db.read() as session:
        first_row = session.get(ReportSubmission, first.json()["id"])
        assert figures(first_row.snapshot["monthly"])["received"] == 1  # frozen
        events = session.scalars(select(Event.event).where(Event.stream_id == first_row.id)
                                 .order_by(Event.seq)).all()
        assert events == ["submit", "corrected"]
    with runtime.db.read() as session:  # January to April are due by 1 June; March was on time
        assert timeliness.on_time(session, 2026, today=date(2026, 6, 1))[A]["monthly"] == (1, 4)


CONTACT = {"name": "张伟", "post": "副局长", "phone": "13812345678", "email": "zhangwei@example.cn"}
LIAISON = {"name": "李娜", "post": "科员", "phone": "0477-8581234", "email": "lina@example.cn"}


def plan_body(**overrides) -> dict:
    return {"year": 2026, "plan": "一、工作目标……二、重点任务……三、保障措施……", "responsible": CONTACT,
            "liaison": LIAISON, **overrides}


def test_action_plans_late_ones_are_reminded_once_and_listed(api: Api, runtime: Runtime) -> None:
    sup_a, sup_b, city = api.principal("supervisor", A), api.principal("supervisor", B), api.principal("city")
    api.principal("supervisor", C)
    path = "/api/v1/reports/action-plans"
    attachment = {"name": "方案.docx", "content_type": "application/octet-stream",
                  "content_base64": base64.b64encode(b"PK\x03\x04 plan").decode()}
    with time_machine.travel(at("2026-03-20"), tick=False):
        for bad in ({"responsible": {**CONTACT, "phone": "12345"}}, {"liaison": {**LIAISON, "email": "lina"}},
                    {"attachment": {**attachment, "content_base64": "%%%%"}}, {"year": 1989}):
            response = api.client.post(path, json=plan_body(**bad), headers=bearer(sup_a))
            assert response.status_code == 422, (bad, response.text)
        assert api.client.post(path, json=plan_body(), headers=bearer(api.principal("officer", A))).status_code == 403
        with runtime.db.read() as session:
            assert session.scalar(select(func.count()).select_from(ActionPlan)) == 0
        made = api.client.post(path, json=plan_body(attachment=attachment), headers=bearer(sup_a))
        assert made.status_code == 201, made.text
        assert made.json()["late"] is False and made.json()["attachment"]["size"] == 9
        schemas.ActionPlanOut.model_validate(made.json())
        schemas.ActionPlanPage.model_validate(api.get(sup_a, "/reports/action-plans", year=2026).json())
        downloaded = api.get(sup_a, f"/reports/action-plans/{A}/2026/attachment")
        assert downloaded.content == b"PK\x03\x04 plan"
        assert api.get(sup_b, f"/reports/action-plans/{A}/2026/attachment").status_code == 403
    with runtime.db.write() as session:
        first = report_reminders.remind(session, at("2026-03-22"))
    assert {"kind": "plan_due", "district": B} in first["calendar"]
    assert {"kind": "plan_due", "district": A} not in first["calendar"]
    with runtime.db.write() as session:
        late = report_reminders.remind(session, at("2026-03-27"))["calendar"]
    assert {"kind": "plan_late", "district": B} in late and {"kind": "plan_late", "district": C} in late
    with runtime.db.write() as session:
        assert [r for r in report_reminders.remind(session, at("2026-03-28"))["calendar"]
                if r["kind"].startswith("plan")] == []
    with time_machine.travel(at("2026-03-28"), tick=False):
        notes = api.get(city, "/notifications").json()["items"]
        assert sum(n["subject"].startswith("【逾期未报】2026年专项行动方案") for n in notes) == 1
        assert any(n["subject"].startswith("【报送提醒】") for n in api.get(sup_b, "/notifications").json()["items"])
        revised = api.client.post(path, json=plan_body(liaison={**LIAISON, "name": "王强"}), headers=bearer(sup_b))
        assert revised.status_code == 201 and revised.json()["late"] is True
        again = api.client.post(path, json=plan_body(liaison={**LIAISON, "name": "赵敏", "post": "=1+2"}),
                                headers=bearer(sup_b))
        assert again.json()["version"] == 2 and again.json()["late"] is True
        contacts = api.get(city, "/reports/contacts", year=2026).json()
        schemas.ContactsOut.model_validate(contacts)
        rows = {r["district"]: r for r in contacts["rows"]}
        assert rows[A]["state"] == "已报送" and rows[A]["responsible_name"] == "张伟"
        assert rows[B]["state"] == "逾期报送" and rows[B]["liaison_name"] == "赵敏"
        assert rows[C]["state"] == "逾期未报" and set(contacts["late"]) >= {B, C} and A not in contacts["late"]
        book = load_workbook(io.BytesIO(api.get(city, "/reports/contacts", year=2026, format="xlsx").content))
        sheet = book.worksheets[0]
        assert [c.value for c in sheet[2]][:4] == ["单位", "报送情况", "报送日期", "责任人"]
        cells = [value for row in sheet.iter_rows(values_only=True) for value in row]
        assert "张伟" in cells and "'=1+2" in cells and "=1+2" not in cells  # the formula-safe writer
        assert api.get(sup_a, "/reports/contacts", year=2026).status_code == 403
        assert api.get(city, "/audit/verify").json()["ok"] is True
    with runtime.db.read() as session:
        result = timeliness.on_time(session, 2026, today=date(2026, 4, 1))
    assert (result[A]["action_plan"], result[B]["action_plan"], result[C]["action_plan"]) == (True, False, False)


SECTIONS = {"progress": "开展专项执法检查十二次，出动执法人员一百余人次。", "results": "查办案件五件。",
            "problems": "基层执法力量不足。", "next_steps": "加强培训。"}


def test_summaries_are_frozen_and_the_city_compiles_them(api: Api, runtime: Runtime) -> None:
    officer_a, sup_a, sup_b, city = (api.principal("officer", A), api.principal("supervisor", A),
                                     api.principal("supervisor", B), api.principal("city"))
    received(api, officer_a, "2026-03-03")
    received(api, api.principal("officer", B), "2026-05-05", B)
    path = "/api/v1/reports/summaries"
    with time_machine.travel(at("2026-06-18"), tick=False):
        short = api.client.post(path, json={"year": 2026, "period": "midyear", **SECTIONS, "progress": "短"},
                                headers=bearer(sup_a))
        assert short.status_code == 422
        made = api.client.post(path, json={"year": 2026, "period": "midyear", **SECTIONS}, headers=bearer(sup_a))
        assert made.status_code == 201, made.text
        assert made.json()["late"] is False and figures(made.json())["received"] == 1
        schemas.DistrictSummaryOut.model_validate(made.json())
        assert made.json()["sections"][0] == {"key": "progress", "label": "工作开展情况", "text": SECTIONS["progress"]}
        again = api.client.post(path, json={"year": 2026, "period": "midyear", **SECTIONS}, headers=bearer(sup_a))
        assert again.status_code == 409
    received(api, officer_a, "2026-06-19")  # after A's submission: A's frozen figures stay
    with runtime.db.write() as session:
        reminded = report_reminders.remind(session, at("2026-06-21"))["calendar"]
    assert {"kind": "sum_mid_late", "district": B} in reminded
    assert {"kind": "sum_mid_late", "district": A} not in reminded
    with time_machine.travel(at("2026-06-22"), tick=False):
        late = api.client.post(path, json={"year": 2026, "period": "midyear", **SECTIONS}, headers=bearer(sup_b))
        assert late.status_code == 201 and late.json()["late"] is True
        compiled = api.get(city, "/reports/summaries/city", year=2026, period="midyear").json()
        assert compiled["title"] == "2026年全市知识产权行政保护工作阶段性总结"
        schemas.CityReportSummaryOut.model_validate(compiled)
        schemas.DistrictSummaryPage.model_validate(api.get(city, "/reports/summaries", year=2026).json())
        districts = {d["district"]: d for d in compiled["districts"]}
        assert districts[A]["state"] == "已报送" and districts[B]["state"] == "逾期报送"
        assert districts[A]["sections"][1]["text"] == "查办案件五件。"
        assert figures(districts[A])["received"] == 1
        assert figures(compiled)["received"] == 2  # A's frozen 1 (not its case of the 19th) + B's 1
        assert B in compiled["late"] and A not in compiled["late"]
        for fmt in ("html", "xlsx"):
            assert api.get(city, "/reports/summaries/city", year=2026, period="midyear", format=fmt).status_code == 200
        html = api.get(city, "/reports/summaries/city", year=2026, period="midyear", format="html").text
        assert "工作开展情况" in html and "逾期报送" in html
        assert api.get(sup_a, "/reports/summaries/city", year=2026, period="midyear").status_code == 403
        own = api.get(sup_b, "/reports/summaries", year=2026).json()["items"]
        assert [s["district"] for s in own] == [B]
        assert api.get(city, "/reports/summary", year=2026, period="midyear").status_code == 200
        assert api.get(city, "/audit/verify").json()["ok"] is True
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(DistrictSummary)) == 2
        result = timeliness.on_time(session, 2026, today=date(2026, 7, 1))
    assert result[A]["summaries"] == (1, 1) and result[B]["summaries"] == (0, 1)


def test_the_board_and_the_api_say_what_is_due_and_who_is_late(api: Api) -> None:
    sup_a, city = api.principal("supervisor", A), api.principal("city")
    with time_machine.travel(at("2026-03-20"), tick=False):
        made = api.client.post("/api/v1/reports/action-plans", json=plan_body(), headers=bearer(sup_a))
        assert made.status_code == 201
    with time_machine.travel(at("2026-04-02"), tick=False):
        own = api.get(sup_a, "/reports/calendar").json()
        schemas.CalendarOut.model_validate(own)
        items = {i["what"]: i for i in own["items"]}
        assert items["2026-03 月报表（附件1、附件2）"]["due"] == "2026-04-20"
        assert items["2026年专项行动方案及责任人、联络员名单"]["districts"] == [
            {"district": A, "district_name": "东胜区", "state": "已报送", "submitted_on": "2026-03-20", "late": False}]
        assert api.get(sup_a, "/reports/calendar", district=B).status_code == 403
        everyone = {i["what"]: i for i in api.get(city, "/reports/calendar").json()["items"]}
        assert "达拉特旗" in everyone["2026年专项行动方案及责任人、联络员名单"]["late"]
        assert "东胜区" not in everyone["2026年专项行动方案及责任人、联络员名单"]["late"]
        api.client.cookies.clear()
        district_board = api.client.get("/board", headers={"cookie": board_cookie(api.client, sup_a)}).text
        assert "报送" in district_board and "2026-04-20" in district_board and "已报送（2026-03-20）" in district_board
        city_board = api.client.get("/board", headers={"cookie": board_cookie(api.client, city)}).text
        assert "逾期单位" in city_board and "达拉特旗" in city_board.split('id="reporting"')[1]


def test_the_city_bureau_owes_nothing_and_on_time_counts_every_district(api: Api, runtime: Runtime) -> None:
    city_supervisor = api.principal("supervisor", "150600")
    with time_machine.travel(at("2026-12-01"), tick=False):
        assert api.get(city_supervisor, "/reports/calendar").json()["items"] == []
        api.client.cookies.clear()
        page = api.client.get("/board", headers={"cookie": board_cookie(api.client, city_supervisor)})
        assert page.status_code == 200 and "近期没有报送事项" in page.text
    with runtime.db.read() as session:
        result = timeliness.on_time(session, 2026, today=date(2026, 12, 1))
    assert "150600" not in result and len(result) == 9
    assert result[A] == {"monthly": (0, 10), "summaries": (0, 2), "action_plan": False}  # Jan..Oct due by 1 Dec


def test_the_contact_list_keeps_phone_numbers_as_text(api: Api) -> None:
    """Identifiers are text in every export (issue 16 §4): a mobile number is not a number to sum."""
    sup_a, city = api.principal("supervisor", A), api.principal("city")
    with time_machine.travel(at("2026-03-20"), tick=False):
        made = api.client.post("/api/v1/reports/action-plans", json=plan_body(), headers=bearer(sup_a))
        assert made.status_code == 201, made.text
        book = load_workbook(io.BytesIO(api.get(city, "/reports/contacts", year=2026, format="xlsx").content))
    cells = [value for row in book.worksheets[0].iter_rows(values_only=True) for value in row]
    assert CONTACT["phone"].isdigit() and CONTACT["phone"] in cells and int(CONTACT["phone"]) not in cells
