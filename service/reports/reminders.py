"""Report reminders (seed: each district reports by the 20th): on the 15th each district's supervisors
are reminded; from the 21st the city is told which districts have not submitted the previous month.

Each reminder is a unique row written before anything is sent, so the daily run is idempotent.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.messages import render
from service.core.models import District, Principal
from service.core.sql import insert_if_absent
from service.deadlines.service import inbox
from service.reports.models import ReportReminder, ReportSubmission
from state_machines.case_machine import today_in_china
from state_machines.vocabulary import Role


def previous_month(day: date) -> str:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def remind(session: Session, now: datetime) -> dict:
    today = today_in_china(now)
    month = previous_month(today)
    channel = inbox(session, now)
    people: dict[tuple[str, str | None], list[str]] = {}
    for pid, role, district in session.execute(select(Principal.id, Principal.role, Principal.district)
                                               .where(Principal.role.in_([Role.supervisor.value, Role.city.value]))):
        people.setdefault((role, district if role == Role.supervisor else None), []).append(pid)
    districts = dict(session.execute(select(District.code, District.name).order_by(District.code)).all())
    sent = {"reminded": [], "missing": []}
    if today.day == 15:
        for code, name in districts.items():
            if insert_if_absent(session, ReportReminder, {"kind": "due_soon", "month": month, "district": code,
                                                          "created_at": now}, ["kind", "month", "district"]):
                sent["reminded"].append(code)
                for pid in people.get((Role.supervisor.value, code), []):
                    channel.send(render("report_due", pid, month=month, district_name=name, due=f"{today:%Y-%m}-20"))
    if today.day >= 21:
        submitted = set(session.scalars(select(ReportSubmission.district).where(ReportSubmission.month == month)))
        for code in districts:
            if code not in submitted and insert_if_absent(
                    session, ReportReminder, {"kind": "missing", "month": month, "district": code, "created_at": now},
                    ["kind", "month", "district"]):
                sent["missing"].append(code)
        if sent["missing"]:
            names = "、".join(districts[c] for c in sent["missing"])
            for pid in people.get((Role.city.value, None), []):
                channel.send(render("report_missing", pid, month=month, districts=names, count=len(sent["missing"])))
    session.flush()
    return sent
