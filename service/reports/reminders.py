"""Report reminders (the seed's calendar, `service.reports.period`): from `IPCASE_REPORT_REMIND_DAYS`
before a month's due date (default the 15th for the 20th) each district's supervisors are reminded;
from the day after it the city is told which districts have not submitted. The action plan and the
two summaries likewise: reminded before, and after their due date the districts still missing are
reminded once more and listed to the city.

Each reminder is a unique row written before anything is sent, so the daily run is idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.messages import render
from service.core.config import get_settings
from service.core.inbox import inbox
from service.core.models import Principal
from service.core.sql import insert_if_absent
from service.reports import period as calendar
from service.reports.models import ActionPlan, DistrictSummary, ReportReminder, ReportSubmission
from service.reports.timeliness import reporting_districts
from state_machines.case_machine import today_in_china
from state_machines.vocabulary import Role


def remind(session: Session, now: datetime) -> dict:
    today = today_in_china(now)
    channel = inbox(session, now)
    people: dict[tuple[str, str | None], list[str]] = {}
    for pid, role, district in session.execute(select(Principal.id, Principal.role, Principal.district)
                                               .where(Principal.role.in_([Role.supervisor.value, Role.city.value]))):
        people.setdefault((role, district if role == Role.supervisor else None), []).append(pid)
    districts = reporting_districts(session)
    sent: dict[str, list] = {"reminded": [], "missing": [], "calendar": []}
    before = timedelta(days=get_settings().report_remind_days)
    last_ended = calendar.shift(calendar.month_of(today), -1)

    def once(kind: str, key: str, code: str) -> bool:
        return insert_if_absent(session, ReportReminder, {"kind": kind, "month": key, "district": code,
                                                          "created_at": now}, ["kind", "month", "district"])

    recent = [calendar.shift(last_ended, by) for by in (-2, -1, 0)]
    for month in recent:
        due = calendar.due(month)
        if due - before <= today <= due:
            done = set(session.scalars(select(ReportSubmission.district).where(ReportSubmission.month == month)))
            for code, name in districts.items():
                if code not in done and once("due_soon", month, code):
                    sent["reminded"].append(code)
                    for pid in people.get((Role.supervisor.value, code), []):
                        channel.send(render("report_due", pid, month=month, district_name=name, due=due.isoformat()))
    overdue = [month for month in recent if calendar.due(month) < today]
    if overdue:  # the latest month past its due date (earlier ones were listed on their day)
        month = overdue[-1]
        submitted = set(session.scalars(select(ReportSubmission.district).where(ReportSubmission.month == month)))
        missing = [code for code in districts if code not in submitted and once("missing", month, code)]
        sent["missing"].extend(missing)
        if missing:
            names = "、".join(districts[c] for c in missing)
            for pid in people.get((Role.city.value, None), []):
                channel.send(render("report_missing", pid, month=month, districts=names, count=len(missing)))

    year = today.year
    yearly = [("plan", f"{year:04d}", calendar.action_plan_due(year), f"{year}年专项行动方案及责任人、联络员名单",
               set(session.scalars(select(ActionPlan.district).where(ActionPlan.year == year))))]
    summaries = (("midyear", "阶段性总结", "H1", "sum_mid"), ("annual", "全年总结", "Y", "sum_annual"))
    for period, label, key, kind in summaries:
        yearly.append((kind, f"{year:04d}-{key}", calendar.summary_due(year, period),
                       f"{year}年{label}", set(session.scalars(select(DistrictSummary.district).where(
                           DistrictSummary.year == year, DistrictSummary.period == period)))))
    for kind, key, due, what, done in yearly:
        if due - before <= today <= due:
            for code, name in districts.items():
                if code not in done and once(f"{kind}_due", key, code):
                    sent["calendar"].append({"kind": f"{kind}_due", "district": code})
                    for pid in people.get((Role.supervisor.value, code), []):
                        channel.send(render("calendar_due", pid, what=what, district_name=name, due=due.isoformat()))
        if today > due:
            missing = [code for code in districts if code not in done and once(f"{kind}_late", key, code)]
            for code in missing:
                sent["calendar"].append({"kind": f"{kind}_late", "district": code})
                for pid in people.get((Role.supervisor.value, code), []):
                    channel.send(render("calendar_due", pid, what=what, district_name=districts[code],
                                        due=due.isoformat()))
            if missing:
                names = "、".join(districts[c] for c in missing)
                for pid in people.get((Role.city.value, None), []):
                    channel.send(render("calendar_missing", pid, what=what, districts=names, count=len(missing),
                                        due=due.isoformat()))
    session.flush()
    return sent
