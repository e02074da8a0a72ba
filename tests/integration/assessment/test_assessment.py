"""督导考核 (SPEC §12): a fixture year (2025) whose every figure is computed by hand below, the city's
audited adjustments, the files, the board page, and the refusals; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from service.assessment.models import AssessmentAdjustment
from service.bulletins.models import Bulletin, BulletinRectification
from service.casefile.models import ReviewedCase, ReviewRound
from service.cases.models import Case
from service.core.runtime import Runtime
from service.deadlines.models import Escalation
from service.reports.models import ActionPlan, DistrictSummary, ReportSubmission
from state_machines.types import CHINA_TZ
from tests.helpers import Api, bearer, board_cookie

A, B, C = "150602", "150603", "150621"
YEAR = 2025


def _at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), CHINA_TZ).replace(hour=10).astimezone(UTC)


def _clock(due: str, status: str, ended: str | None = None) -> dict:
    return {"started": "2025-01-01", "due": due, "status": status, "steps_used": 0, "paused_on": None,
            "pauses": [], "estimated_start": False, "ended_on": ended}


def _case(session, district: str, seq: int, received: str, kind: str = "trademark_infringement",
          state: str = "filed", source: str = "complaint", venue: str = "market", closed: str | None = None,
          outcome: str | None = None, clocks: dict | None = None) -> str:
    case_id = str(uuid.uuid4())
    track = "ruling" if kind == "patent_dispute" else "penalty"
    session.add(Case(id=case_id, number=f"T{district}〔{YEAR}〕{seq}号", district=district, year=YEAR, seq=seq,
                     kind=kind, track=track, state=state, version=1, machine_version=1, head_hash="0" * 64,
                     source=source, title="考核测试案件", description="", sector="food", venue=venue, tags=[],
                     received_at=_at(received), closed_at=_at(closed) if closed else None, outcome=outcome,
                     facts={"clocks": clocks or {}}, created_at=_at(received), updated_at=_at(received)))
    return case_id


def _seed(runtime: Runtime) -> dict[str, str]:
    """The year 2025, by hand (the expected table below is computed from exactly this)."""
    with runtime.db.write() as s:
        ids = {
            # A: 办案时限 on time: a1 case_closing, a4 case_closing; late: a1 publication; running past due: a2
            "a1": _case(s, A, 1, "2025-03-01", state="closed", source="online_platform", closed="2025-06-01",
                        outcome="penalty", clocks={"case_closing": _clock("2025-05-30", "met", "2025-05-20"),
                                                   "publication": _clock("2025-06-10", "met", "2025-06-15")}),
            "a2": _case(s, A, 2, "2025-05-01", kind="patent_counterfeit", venue="online_platform",
                        clocks={"case_closing": _clock("2025-08-01", "running"),
                                "statement": _clock("2025-05-20", "met", "2025-05-30")}),  # the party's: not counted
            "a3": _case(s, A, 3, "2025-07-01", kind="geographical_indication", state="rejected",
                        source="online_platform", closed="2025-07-02", outcome="rejected"),
            "a4": _case(s, A, 4, "2024-12-20", kind="trademark_violation", state="closed", closed="2025-02-01",
                        outcome="penalty", clocks={"case_closing": _clock("2025-01-31", "met", "2025-01-25")}),
            "b1": _case(s, B, 1, "2025-02-01", state="closed", source="report", venue="mall", closed="2025-04-01",
                        outcome="penalty", clocks={"case_closing": _clock("2025-03-31", "met", "2025-03-15")}),
            "b2": _case(s, B, 2, "2025-09-01", source="online_platform",
                        clocks={"case_closing": _clock("2026-03-01", "running")}),  # due next year: not counted
            "b3": _case(s, B, 3, "2025-10-01", kind="patent_dispute", state="received"),
        }
        s.flush()
        for case, clock, due in (("a2", "case_closing", "2025-08-01"), ("a1", "publication", "2025-06-10"),
                                 ("a4", "filing_decision", "2024-12-31")):  # the last one is 2024's
            s.add(Escalation(id=str(uuid.uuid4()), case_id=ids[case], district=A, clock=clock,
                             due=date.fromisoformat(due), created_at=_at(due)))
        round_id = str(uuid.uuid4())
        s.add(ReviewRound(id=round_id, title="2025年度案卷评查", period_from=date(2025, 1, 1),
                          period_to=date(2025, 12, 31), districts=[A, B], checklist=[], state="closed",
                          rectify_due=date(2025, 10, 31), created_by="city", created_at=_at("2025-09-01"),
                          updated_at=_at("2025-09-01"), version=0, head_hash=None))
        s.flush()
        for case, district, score, rectified in (("a1", A, 90, "2025-10-20"), ("a4", A, 80, "2025-11-05"),
                                                 ("b1", B, 100, None)):
            deductions = [{"item": "evidence", "points": 100 - score, "comment": "证据不足"}] if score < 100 else []
            s.add(ReviewedCase(round_id=round_id, case_id=ids[case], district=district, deductions=deductions,
                               score=score, reviewed_by="city", reviewed_at=_at("2025-09-10"),
                               rectification="已整改" if rectified else None,
                               rectified_at=_at(rectified) if rectified else None))
        for month in range(1, 13):  # B: every month on the 15th; A: Jan–Oct on time, Nov late, Dec missing
            following = f"{2025 + month // 12}-{month % 12 + 1:02d}"
            s.add(ReportSubmission(id=str(uuid.uuid4()), district=B, month=f"2025-{month:02d}", snapshot={},
                                   submitted_by="x", submitted_at=_at(f"{following}-15"), version=1, head_hash=""))
            if month <= 11:
                day = f"{following}-{'25' if month == 11 else '20'}"
                s.add(ReportSubmission(id=str(uuid.uuid4()), district=A, month=f"2025-{month:02d}", snapshot={},
                                       submitted_by="x", submitted_at=_at(day), version=1, head_hash=""))
        # the reporting calendar: A's plan and mid-year summary on time, its annual one late; B all on time; C nothing
        for district, plan_at, summaries in ((A, "2025-03-20", (("midyear", "2025-06-18", "2025-06-20"),
                                                                ("annual", "2025-12-01", "2025-11-28"))),
                                             (B, "2025-03-26", (("midyear", "2025-06-20", "2025-06-20"),
                                                                ("annual", "2025-11-28", "2025-11-28")))):
            person = {"name": "张三", "post": "科长", "phone": "0477-1234567", "email": "a@example.cn"}
            s.add(ActionPlan(id=str(uuid.uuid4()), district=district, year=YEAR, plan="方案", responsible=person,
                             liaison=person, submitted_by="x", first_submitted_at=_at(plan_at),
                             updated_at=_at(plan_at), state="submitted", version=1, head_hash=""))
            for period, at, due in summaries:
                s.add(DistrictSummary(id=str(uuid.uuid4()), district=district, year=YEAR, period=period, sections={},
                                      snapshot={}, due_on=date.fromisoformat(due), submitted_by="x",
                                      submitted_at=_at(at), version=1, head_hash=""))
        # a bulletin's criticism of B, rectified after its deadline
        bulletin_id = str(uuid.uuid4())
        s.add(Bulletin(id=bulletin_id, title="通报", period_from=date(2025, 5, 1), period_to=date(2025, 6, 30),
                       state="issued", remarks={}, figures={}, year=YEAR, seq=1, number="鄂市监知通〔2025〕1号",
                       created_by="city", created_at=_at("2025-07-05"), issued_by="city", issued_at=_at("2025-07-05"),
                       updated_at=_at("2025-07-05"), version=1, head_hash=""))
        s.flush()
        s.add(BulletinRectification(id=str(uuid.uuid4()), bulletin_id=bulletin_id, district=B,
                                    due_on=date(2025, 8, 31), answers=[], done_on=date(2025, 9, 5), accepted_by="city"))
    return ids


# district → item key → (raw value, points); computed by hand from `_seed` and the default weights:
# clock_timeliness 25 × on time / (on time + late + running past due); overdue 15 × (1 − escalations / 10);
# case_file_review 20 × average / 100; reports_on_time 10 × on time / 12; summaries_on_time 5 × (summaries and
# action plan on time) / 3; rectifications_on_time 10 × on time / due (case-file review and bulletins);
# the three counts 5 × value / the best district's; no data: clocks 1.0, review 0.8, rectifications 1.0.
EXPECTED = {
    A: {"clock_timeliness": (0.5, 12.5), "overdue": (2, 12.0), "case_file_review": (85, 17.0),
        "reports_on_time": (0.8333, 8.33), "summaries_on_time": (0.6667, 3.33), "rectifications_on_time": (0.5, 5.0),
        "penalty_cases_closed": (2, 5.0), "ip_right_cases": (2, 3.33), "ecommerce_cases": (2, 5.0)},
    B: {"clock_timeliness": (1.0, 25.0), "overdue": (0, 15.0), "case_file_review": (100, 20.0),
        "reports_on_time": (1.0, 10.0), "summaries_on_time": (1.0, 5.0), "rectifications_on_time": (0.0, 0.0),
        "penalty_cases_closed": (1, 2.5), "ip_right_cases": (3, 5.0), "ecommerce_cases": (1, 2.5)},
    C: {"clock_timeliness": (None, 25.0), "overdue": (0, 15.0), "case_file_review": (None, 16.0),
        "reports_on_time": (0.0, 0.0), "summaries_on_time": (0.0, 0.0), "rectifications_on_time": (None, 10.0),
        "penalty_cases_closed": (0, 0.0), "ip_right_cases": (0, 0.0), "ecommerce_cases": (0, 0.0)},
}
TOTALS = {B: (85.0, 1), A: (74.49, 2), C: (66.0, 3)}  # A: 71.49 + the city's 3 points


@pytest.fixture
def seeded(runtime: Runtime) -> dict[str, str]:
    return _seed(runtime)


def test_the_fixture_year_matches_the_hand_computed_table(api: Api, runtime: Runtime, seeded) -> None:
    city, auditor = api.principal("city"), api.principal("auditor")
    added = api.client.post("/api/v1/assessment/adjustments", headers=bearer(city),
                            json={"district": A, "year": YEAR, "points": "3", "reason": "承办全区知识产权保护现场会"})
    assert added.status_code == 201, added.text
    assert added.json()["points"] == 3.0
    response = api.get(auditor, "/assessment", year=YEAR)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["total_weight"] == 100
    rows = {r["district"]: r for r in report["districts"]}
    assert len(rows) == 9 and "150600" not in rows  # the city assesses, it is not assessed
    for district, expected in EXPECTED.items():
        got = {i["key"]: (i["value"], i["points"]) for i in rows[district]["items"]}
        assert got == expected, district
        assert (rows[district]["total"], rows[district]["rank"]) == TOTALS[district]
    assert rows[A]["adjustment"] == 3.0 and rows[A]["adjustments"][0]["reason"] == "承办全区知识产权保护现场会"
    items = {i["key"]: i for i in rows[A]["items"]}
    assert items["clock_timeliness"]["figures"] == {"on_time": 2, "late": 1, "open_overdue": 1}
    assert sorted(items["overdue"]["case_ids"]) == sorted([seeded["a1"], seeded["a2"]])  # 2024's is not counted
    assert sorted(items["case_file_review"]["case_ids"]) == sorted([seeded["a1"], seeded["a4"]])
    assert items["rectifications_on_time"]["case_ids"] == [seeded["a4"]]
    assert items["reports_on_time"]["figures"] == {"months": 12, "on_time": 10, "late_or_missing": 2}
    assert items["penalty_cases_closed"]["link"] == f"/board/cases?district={A}&year=2025&date=closed&outcomes=penalty"
    assert items["ecommerce_cases"]["link"] == (f"/board/cases?district={A}&year=2025&date=received"
                                                "&sources=online_platform&venues=online_platform&exclude_states=rejected%2Cwithdrawn&match=any")


def test_a_district_reads_its_own_row_only(api: Api, seeded) -> None:
    officer_b = api.principal("officer", B)
    own = api.get(officer_b, "/assessment", year=YEAR)
    assert own.status_code == 200 and [r["district"] for r in own.json()["districts"]] == [B]
    assert own.json()["districts"][0]["rank"] == 1  # ranked among all, shown alone
    refused = api.get(officer_b, "/assessment", year=YEAR, district=A)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert api.get(api.principal("admin"), "/assessment", year=YEAR).status_code == 403


@pytest.mark.parametrize("year", ["1989", "2101", "abc", ""])
def test_a_bad_year_is_422(api: Api, year: str) -> None:
    response = api.get(api.principal("city"), "/assessment", year=year)
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


def _adjustments(runtime: Runtime) -> int:
    with runtime.db.read() as s:
        return s.scalar(select(func.count()).select_from(AssessmentAdjustment))


def test_only_the_city_adjusts_with_a_reason_within_bounds(api: Api, runtime: Runtime) -> None:
    body = {"district": A, "year": YEAR, "points": "-2.5", "reason": "案卷评查发现严重程序问题"}
    for role in ("supervisor", "officer"):
        token = api.principal(role, A)
        refused = api.client.post("/api/v1/assessment/adjustments", json=body, headers=bearer(token))
        assert refused.status_code == 403, refused.text
    auditor = api.principal("auditor")
    assert api.client.post("/api/v1/assessment/adjustments", json=body,
                           headers=bearer(auditor)).status_code == 403
    city = api.principal("city")
    for bad, field in (({"points": "10.01"}, "points"), ({"points": "0"}, "points"), ({"reason": " 无 "}, "reason"),
                       ({"district": "150600"}, "district"), ({"year": 1989}, "year"),
                       ({"points": "1.234"}, "points")):
        response = api.client.post("/api/v1/assessment/adjustments", json={**body, **bad}, headers=bearer(city))
        assert response.status_code == 422, (bad, response.text)
        assert field in response.json()["error"].get("fields", [field]), response.text
    assert _adjustments(runtime) == 0  # nothing recorded by a refusal
    ok = api.client.post("/api/v1/assessment/adjustments", json=body, headers=bearer(city))
    assert ok.status_code == 201 and _adjustments(runtime) == 1
    assert api.get(auditor, "/audit/verify").json()["ok"] is True


def test_files_and_the_board_page(api: Api, seeded) -> None:
    city = api.principal("city")
    xlsx = api.get(city, "/assessment", year=YEAR, format="xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book.worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[0] == "排名")
    first = rows[head + 1]
    assert first[0] == 1 and first[1] == "康巴什区" and first[-1] == 85
    html = api.get(city, "/assessment", year=YEAR, format="html")
    assert html.status_code == 200 and "督导考核" in html.text
    pdf = api.get(city, "/assessment", year=YEAR, format="pdf")
    assert (pdf.status_code == 200 and pdf.content.startswith(b"%PDF")) or \
        (pdf.status_code == 503 and pdf.json()["error"]["code"] == "pdf_unavailable")

    api.client.cookies.clear()
    page = api.client.get(f"/board/assessment?year={YEAR}", headers={"cookie": board_cookie(api.client, city)})
    assert page.status_code == 200 and "康巴什区" in page.text and "东胜区" in page.text
    assert f"/board/cases/{seeded['a2']}" in page.text
    officer_a = api.principal("officer", A)
    own = api.client.get(f"/board/assessment?year={YEAR}", headers={"cookie": board_cookie(api.client, officer_a)})
    assert own.status_code == 200 and "东胜区" in own.text and "康巴什区" not in own.text
    bad = api.client.get("/board/assessment?year=19", headers={"cookie": board_cookie(api.client, city)})
    assert bad.status_code == 422


def test_a_figure_links_to_the_cases_behind_it(api: Api, seeded) -> None:
    """督导考核: a click from a figure to its cases, on the board's case list (issue 20)."""
    city = api.principal("city")
    cookie = {"cookie": board_cookie(api.client, city)}
    items = {r["district"]: {i["key"]: i for i in r["items"]} for r in api.get(city, "/assessment", year=YEAR).json()[
        "districts"]}
    for key, expected in (("penalty_cases_closed", {"a1", "a4"}), ("ip_right_cases", {"a1", "a2"}),
                          ("ecommerce_cases", {"a1", "a2"})):
        listed = api.client.get(items[A][key]["link"], headers=cookie)
        assert listed.status_code == 200, listed.text
        shown = {name for name, case_id in seeded.items() if f"/board/cases/{case_id}" in listed.text}
        assert shown == expected, key
        assert items[A][key]["value"] == len(expected)
    overdue = api.client.get(items[A]["overdue"]["link"], headers=cookie)
    assert overdue.status_code == 200
    for bad in ("year=19", "year=2025&kinds=nonsense", "outcomes=penalty", "year=2025&date=yesterday"):
        refused = api.client.get(f"/board/cases?{bad}", headers=cookie)
        assert refused.status_code == 422, bad


def test_the_rules_file_is_a_setting_and_a_bad_one_stops_the_start(runtime: Runtime, seeded, tmp_path) -> None:
    from service.app import create_app
    from service.assessment import service as assessments
    from state_machines.assessment import AssessmentRulesError
    from state_machines.principals import Actor
    from state_machines.vocabulary import Role

    own = tmp_path / "reports-only.toml"
    own.write_text('[[item]]\nkey = "reports"\nlabel = "报表"\nprovider = "reports_on_time"\nmethod = "ratio"\n'
                   'weight = 100\n', encoding="utf-8")
    settings = runtime.settings.model_copy(update={"assessment_rules_file": str(own)})
    with runtime.db.read() as session:
        report = assessments.assessment(session, Actor("c", Role.city), settings, YEAR)
    totals = {r["district"]: r["total"] for r in report["districts"]}
    assert (totals[A], totals[B], totals[C]) == (83.33, 100.0, 0.0)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[item]]\nkey = "x"\nlabel = "x"\nprovider = "gossip"\nmethod = "ratio"\nweight = 1\n')
    runtime.settings = runtime.settings.model_copy(update={"assessment_rules_file": str(bad)})
    with pytest.raises(AssessmentRulesError, match="gossip"):
        create_app(runtime)


@pytest.mark.postgres_only
def test_the_clock_summary_follows_the_cases_real_clocks(api: Api, runtime: Runtime) -> None:
    """PostgreSQL's generated `clock_summary` (migration 0013) is what the timeliness pass reads: it must
    say what the case's facts say after real events."""
    from sqlalchemy import text

    from tests.helpers import penalty_case

    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    case_id = api.create(officer, penalty_case(A))["id"]
    api.ok(supervisor, case_id, "accept")  # starts the bureau's case_closing clock
    with runtime.db.read() as s:
        summary, facts = s.execute(text("SELECT clock_summary, facts FROM cases WHERE id = :id"),
                                   {"id": case_id}).one()
    expected = sorted(f"{name}|{c['status']}|{c['due']}|{c.get('ended_on') or ''}"
                      for name, c in facts["clocks"].items())
    assert expected and sorted(summary) == expected
