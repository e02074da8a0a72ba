"""Reports on time, per district and year, for the annual assessment (SPEC §12 督导考核).

A report counts once its due date has passed: on time when its first version was submitted on or
before the due date (China time); a correction never makes a month late, nor a late one on time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.models import District
from service.reports import period as calendar
from service.reports.models import ActionPlan, DistrictSummary, ReportSubmission
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import CITY_DIVISION


def reporting_districts(session: Session) -> dict[str, str]:
    """{code: name} of the districts that owe the calendar's reports: every district but the city
    bureau itself (the seed: 各旗区局 report to the 市局), in code order."""
    return {code: name for code, name in session.execute(select(District.code, District.name)
                                                         .order_by(District.code)) if code != CITY_DIVISION}


def on_time(session: Session, year: int, today: date | None = None) -> dict[str, dict]:
    """{district: {"monthly": (on time, due), "summaries": (on time, due), "action_plan": bool}}.

    `due` counts the reports whose due date is before `today` (default: today in China);
    `action_plan` is True when the year's plan was first submitted by its due date."""
    today = today or datetime.now(UTC).astimezone(CHINA_TZ).date()
    months = [m for m in (f"{year:04d}-{n:02d}" for n in range(1, 13)) if calendar.due(m) < today]
    month_due = {m: calendar.due(m) for m in months}
    periods = [p for p in ("midyear", "annual") if calendar.summary_due(year, p) < today]

    def day(moment: datetime) -> date:
        return moment.astimezone(CHINA_TZ).date()

    monthly: dict[str, int] = {}
    for district, month, at in session.execute(
            select(ReportSubmission.district, ReportSubmission.month, ReportSubmission.submitted_at)
            .where(ReportSubmission.revision == 1, ReportSubmission.month.in_(months))):
        if day(at) <= month_due[month]:
            monthly[district] = monthly.get(district, 0) + 1
    summaries: dict[str, int] = {}
    for district, at, due_on in session.execute(
            select(DistrictSummary.district, DistrictSummary.submitted_at, DistrictSummary.due_on)
            .where(DistrictSummary.year == year, DistrictSummary.period.in_(periods))):
        if day(at) <= due_on:
            summaries[district] = summaries.get(district, 0) + 1
    plan_due = calendar.action_plan_due(year)
    plans = {d for d, at in session.execute(select(ActionPlan.district, ActionPlan.first_submitted_at)
                                           .where(ActionPlan.year == year)) if day(at) <= plan_due}
    return {code: {"monthly": (monthly.get(code, 0), len(months)), "summaries": (summaries.get(code, 0), len(periods)),
                   "action_plan": code in plans}
            for code in reporting_districts(session)}


def due_items(session: Session, today: date, district: str | None = None) -> list[dict]:
    """What is due around `today` (报送): the statistical months whose due date lies within 40 days either
    side, the year's action plan and summaries; per item every district in scope with its state
    (已报送, 逾期报送, 未报送, 逾期未报). The board shows a district its own, the city who is late."""
    names = reporting_districts(session)
    if district:
        if district not in names:  # the city bureau owes the calendar nothing
            return []
        names = {district: names[district]}
    current = calendar.month_of(today)
    items: list[tuple[str, date, dict[str, datetime]]] = []
    for by in (-3, -2, -1, 0):
        month = calendar.shift(current, by)
        due = calendar.due(month)
        if abs((due - today).days) <= 40:
            done = dict(session.execute(select(ReportSubmission.district, ReportSubmission.submitted_at)
                                        .where(ReportSubmission.month == month, ReportSubmission.revision == 1)).all())
            items.append((f"{month} 月报表（附件1、附件2）", due, done))
    year = today.year
    items.append((f"{year}年专项行动方案及责任人、联络员名单", calendar.action_plan_due(year),
                  dict(session.execute(select(ActionPlan.district, ActionPlan.first_submitted_at)
                                       .where(ActionPlan.year == year)).all())))
    for period, label in (("midyear", "阶段性总结"), ("annual", "全年总结")):
        items.append((f"{year}年{label}", calendar.summary_due(year, period),
                      dict(session.execute(select(DistrictSummary.district, DistrictSummary.submitted_at)
                                           .where(DistrictSummary.year == year,
                                                  DistrictSummary.period == period)).all())))
    out = []
    for what, due, done in sorted(items, key=lambda item: item[1]):
        rows = []
        for code, name in names.items():
            at = done.get(code)
            if at is not None:
                state = "逾期报送" if at.astimezone(CHINA_TZ).date() > due else "已报送"
            else:
                state = "逾期未报" if today > due else "未报送"
            rows.append({"district": code, "district_name": name, "state": state,
                         "submitted_on": at.astimezone(CHINA_TZ).date().isoformat() if at else None,
                         "late": state.startswith("逾期")})
        out.append({"what": what, "due": due.isoformat(), "overdue": today > due, "districts": rows,
                    "late": [r["district_name"] for r in rows if r["late"]]})
    return out
