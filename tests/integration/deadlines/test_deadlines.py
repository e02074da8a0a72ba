"""Statutory clocks over HTTP and the deadline sweep: shown, extended, paused, announced once, escalated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from service.core.config import Settings
from service.core.runtime import Runtime
from service.deadlines import service as deadlines
from state_machines.calendar import HolidayFileError
from tests.helpers import Api, penalty_case


def at(day: str, hour: int = 10) -> datetime:
    """A moment in China time (UTC+8) as UTC."""
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour - 8, tzinfo=UTC)


def clock(case: dict, name: str) -> dict:
    return next(d for d in case["deadlines"] if d["name"] == name)


def sweep(runtime: Runtime, day: str) -> dict:
    with runtime.db.write() as session:
        return deadlines.sweep(session, runtime.rules, at(day)).as_dict()


@pytest.fixture
def people(api: Api) -> dict[str, str]:
    return {"officer": api.principal("officer", "150602"), "supervisor": api.principal("supervisor", "150602"),
            "city": api.principal("city"), "other": api.principal("supervisor", "150603")}


def test_deadlines_are_shown_with_owner_status_and_calendar(api: Api, people) -> None:
    with time_machine.travel(at("2025-09-26"), tick=False):
        case = api.create(people["officer"], penalty_case(received_at="2025-09-26T09:00:00+08:00"))
        assert clock(case, "filing_decision") == {"name": "filing_decision", "owner": "bureau",
                                                  "started": "2025-09-26", "due": "2025-10-23",
                                                  "status": "running", "calendar": "official"}
    with time_machine.travel(at("2025-10-20"), tick=False):
        assert clock(api.get(people["officer"], f"/cases/{case['id']}").json(),
                     "filing_decision")["status"] == "due_soon"
    with time_machine.travel(at("2025-10-24"), tick=False):
        assert clock(api.get(people["officer"], f"/cases/{case['id']}").json(),
                     "filing_decision")["status"] == "overdue"
        filed = api.ok(people["supervisor"], case["id"], "accept")
        assert clock(filed, "filing_decision")["status"] == "met"
        assert clock(filed, "case_closing")["due"] == "2026-01-22"  # 24 Oct 2025 + 90 days, a Thursday


def test_work_list_filters_overdue_and_due_before_in_sql(api: Api, people) -> None:
    with time_machine.travel(at("2025-09-26"), tick=False):
        early = api.create(people["officer"], penalty_case(received_at="2025-09-26T09:00:00+08:00"))
    with time_machine.travel(at("2025-10-20"), tick=False):
        late = api.create(people["officer"], penalty_case())
    with time_machine.travel(at("2025-10-24"), tick=False):
        overdue = api.get(people["officer"], "/cases", overdue="true").json()["items"]
        assert [c["id"] for c in overdue] == [early["id"]]
        assert [c["id"] for c in api.get(people["officer"], "/cases", overdue="false").json()["items"]] == [late["id"]]
        due = api.get(people["officer"], "/cases", due_before="2025-11-01").json()["items"]
        assert [c["id"] for c in due] == [early["id"]]
        assert len(api.get(people["officer"], "/cases", due_before="2025-12-31").json()["items"]) == 2


def test_the_sweep_announces_once_and_escalates_to_the_city(api: Api, runtime: Runtime, people) -> None:
    with time_machine.travel(at("2025-09-26"), tick=False):
        case = api.create(people["officer"], penalty_case(received_at="2025-09-26T09:00:00+08:00"))
    first = sweep(runtime, "2025-10-20")
    assert [(a["clock"], a["level"]) for a in first["alerts"]] == [("filing_decision", "due_soon")]
    assert first["notifications"] == 2  # the assigned officer and the district's supervisor
    assert sweep(runtime, "2025-10-20")["notifications"] == 0
    assert sweep(runtime, "2025-10-21")["notifications"] == 0
    inbox = api.get(people["officer"], "/notifications").json()["items"]
    assert len(inbox) == 1 and inbox[0]["subject"].startswith("【期限提醒】") and case["number"] in inbox[0]["subject"]
    assert api.get(people["other"], "/notifications").json()["items"] == []

    overdue = sweep(runtime, "2025-10-24")
    assert [a["level"] for a in overdue["alerts"]] == ["overdue"] and overdue["escalations"] == 1
    assert sweep(runtime, "2025-10-27") == {"cases_checked": 1, "alerts": [], "escalations": 0, "notifications": 0}
    escalations = api.get(people["city"], "/escalations").json()["items"]
    assert [(e["case_id"], e["clock"], e["due"]) for e in escalations] == [(case["id"], "filing_decision",
                                                                              "2025-10-23")]
    city_inbox = api.get(people["city"], "/notifications", unread="true").json()["items"]
    assert len(city_inbox) == 1 and city_inbox[0]["subject"].startswith("【超期督办】东胜区")
    read = api.client.post(f"/api/v1/notifications/{city_inbox[0]['id']}/read",
                           headers={"Authorization": f"Bearer {people['city']}"})
    assert read.status_code == 200
    assert api.get(people["city"], "/notifications", unread="true").json()["items"] == []
    assert api.get(people["supervisor"], "/escalations").json()["items"][0]["case_id"] == case["id"]
    assert api.get(people["other"], "/escalations").json()["items"] == []
    assert api.get(people["other"], "/escalations", district="150602").status_code == 403


def test_a_party_clock_lapses_without_escalation(api: Api, runtime: Runtime, people) -> None:
    with time_machine.travel(at("2026-03-02"), tick=False):
        case = api.create(people["officer"], penalty_case())
        api.ok(people["supervisor"], case["id"], "accept")
        notice = api.ok(people["supervisor"], case["id"], "notify_penalty", {"proposed_fine": 5000})
        assert clock(notice, "statement")["due"] == "2026-03-09" and clock(notice, "statement")["owner"] == "party"
    with time_machine.travel(at("2026-03-10"), tick=False):
        assert clock(api.get(people["officer"], f"/cases/{case['id']}").json(), "statement")["status"] == "lapsed"
    result = sweep(runtime, "2026-03-10")
    assert [(a["clock"], a["level"]) for a in result["alerts"]] == [("statement", "lapsed")]
    assert result["escalations"] == 0


def test_suspension_of_ten_days_moves_the_due_date_by_ten_days(api: Api, people) -> None:
    with time_machine.travel(at("2026-03-02"), tick=False):
        case = api.create(people["officer"], penalty_case())
        filed = api.ok(people["supervisor"], case["id"], "accept")
        assert clock(filed, "case_closing")["due"] == "2026-06-01"  # 90 days = Sun 31 May → Mon 1 Jun
        suspended = api.ok(people["supervisor"], case["id"], "suspend", reason="等待商标权属鉴定")
        assert clock(suspended, "case_closing")["status"] == "paused"
    with time_machine.travel(at("2026-03-12"), tick=False):
        resumed = api.ok(people["supervisor"], case["id"], "resume")
    assert resumed["state"] == "filed"
    assert clock(resumed, "case_closing") | {} == {"name": "case_closing", "owner": "bureau", "started": "2026-03-02",
                                                   "due": "2026-06-11", "status": "running", "calendar": "official"}


def test_extension_once_allowed_twice_refused_and_refused_where_not_allowed(api: Api, people) -> None:
    with time_machine.travel(at("2026-03-02"), tick=False):
        case = api.create(people["officer"], penalty_case())
        sup = people["supervisor"]
        extended = api.ok(sup, case["id"], "extend_deadline", {"deadline": "filing_decision"}, reason="需要检验")
        assert clock(extended, "filing_decision")["due"] == "2026-04-14"  # 23 Mar + 15 wd (清明 4–6 Apr off)
        again = api.fire(sup, case["id"], "extend_deadline", {"deadline": "filing_decision"}, reason="再次")
        assert again.status_code == 409 and again.json()["error"]["code"] == "guard_failed"
        officer = api.fire(people["officer"], case["id"], "extend_deadline", {"deadline": "filing_decision"}, "x")
        assert officer.status_code == 403
        api.ok(sup, case["id"], "accept")
        api.ok(sup, case["id"], "notify_penalty", {"proposed_fine": 5000})
        refused = api.fire(sup, case["id"], "extend_deadline", {"deadline": "statement"}, reason="当事人申请")
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "guard_failed"
        unknown = api.fire(sup, case["id"], "extend_deadline", {"deadline": "lunch"}, reason="x")
        assert unknown.status_code == 422


def test_a_bad_holiday_file_refuses_the_start_with_its_line(database_url: str, tmp_path) -> None:
    bad = tmp_path / "holidays.txt"
    bad.write_text("year 2027\n2027-01-01 holiday 元旦\n2027-02-30 holiday 春节\n", encoding="utf-8")
    with pytest.raises(HolidayFileError, match="line 3"):
        Runtime.from_settings(Settings(database_url=database_url, holiday_file=str(bad))).start()


def test_a_configured_holiday_file_marks_deadlines_configured(database_url: str, tmp_path) -> None:
    from pathlib import Path

    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.helpers import ADMIN_TOKEN

    example = Path(__file__).parents[3] / "state_machines" / "calendars" / "example-2027.txt"
    settings = Settings(database_url=database_url, holiday_file=str(example), bootstrap_admin_token=ADMIN_TOKEN)
    runtime = Runtime.from_settings(settings).start()
    with TestClient(create_app(runtime)) as client, time_machine.travel(at("2026-12-31"), tick=False):
        api = Api(client)
        officer = api.principal("officer", "150602")
        supervisor = api.principal("supervisor", "150602")
        case = api.create(officer, penalty_case())
        api.ok(supervisor, case["id"], "accept")
        notice = api.ok(supervisor, case["id"], "notify_penalty", {"proposed_fine": 5000})
        statement = clock(notice, "statement")
        assert statement["due"] == "2027-01-08" and statement["calendar"] == "configured"
    runtime.db.engine.dispose()


def test_without_a_file_2027_deadlines_are_provisional(api: Api, people) -> None:
    with time_machine.travel(at("2026-12-31"), tick=False):
        case = api.create(people["officer"], penalty_case())
        api.ok(people["supervisor"], case["id"], "accept")
        notice = api.ok(people["supervisor"], case["id"], "notify_penalty", {"proposed_fine": 5000})
        assert clock(notice, "statement") | {} == {"name": "statement", "owner": "party", "started": "2026-12-31",
                                                    "due": "2027-01-07", "status": "running",
                                                    "calendar": "provisional"}
