"""The districts' 阶段性总结 (due 20 June) and 全年总结 (due 28 November), and the city's compilation.

A district's summary is its narrative under the seed's headings plus its figures from the
statistical year's start (1 January for calendar months) to the due date, filled in and frozen at
submission (an audited event carries their hash). The city's summary lists every district's
sections, who is late or missing, and the sum of the frozen figures.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.reports import figures as reports
from service.reports import period as calendar
from service.reports.models import DistrictSummary
from service.reports.timeliness import reporting_districts
from state_machines.case_machine import today_in_china
from state_machines.errors import GuardFailed
from state_machines.types import CHINA_TZ

SECTIONS = {"progress": "工作开展情况", "results": "主要成效", "problems": "存在问题", "next_steps": "下步打算"}
PERIODS = {"midyear": "阶段性总结", "annual": "全年总结"}


def figures_period(year: int, period: str) -> reports.Period:
    """From the statistical year's first day (1 January for calendar months) to the due date."""
    return reports.Period(calendar.year_start(year), calendar.summary_due(year, period))


def submit(session: Session, *, actor_id: str, district: str, year: int, period: str, sections: dict[str, str],
           now: datetime) -> DistrictSummary:
    with session.no_autoflush:  # the insert waits for the flush below, where a racing twin is caught
        return _submit(session, actor_id=actor_id, district=district, year=year, period=period,
                       sections=sections, now=now)


def _submit(session: Session, *, actor_id: str, district: str, year: int, period: str,
            sections: dict[str, str], now: datetime) -> DistrictSummary:
    due = calendar.summary_due(year, period)
    earliest = due.replace(day=1)  # the period's last month has begun: a summary written earlier is premature
    if today_in_china(now) < earliest:
        raise GuardFailed(f"the {year} {PERIODS[period]} covers the figures to {due}: it is submitted from "
                          f"{earliest} on, not earlier")
    exists = session.scalar(select(DistrictSummary.id).where(
        DistrictSummary.district == district, DistrictSummary.year == year, DistrictSummary.period == period))
    if exists:
        raise GuardFailed(f"the {year} {PERIODS[period]} was submitted already; it is frozen")
    figures = reports.monthly(session, figures_period(year, period), district)
    snapshot = {"period": figures["period"], "figures": figures["figures"]}
    row = DistrictSummary(id=str(uuid.uuid4()), district=district, year=year, period=period, sections=sections,
                          snapshot=snapshot, due_on=due, submitted_by=actor_id, submitted_at=now, version=1,
                          head_hash="")
    digest = hashlib.sha256(json.dumps({"sections": sections, "snapshot": snapshot}, sort_keys=True,
                                       ensure_ascii=False).encode()).hexdigest()
    event = audit.new_event(session, stream_type="district_summary", stream_id=row.id, seq=1, event="submit",
                            from_state=None, to_state="submitted", actor=actor_id, at=now,
                            data={"district": district, "year": year, "period": period, "due": due.isoformat(),
                                  "late": today_in_china(now) > due, "sha256": digest},
                            reason=None, prev_hash=audit.GENESIS)
    row.head_hash = event.hash
    session.add(row)
    try:  # two first submissions racing: the unique constraint lets one through
        session.flush()
    except IntegrityError as exc:
        raise GuardFailed("this summary was submitted at the same moment by another request") from exc
    return row


def summary_json(row: DistrictSummary) -> dict:
    return {"id": row.id, "district": row.district, "year": row.year, "period": row.period,
            "sections": [{"key": k, "label": label, "text": row.sections.get(k, "")} for k, label in SECTIONS.items()],
            "figures": row.snapshot["figures"], "figures_period": row.snapshot["period"],
            "due": row.due_on.isoformat(), "late": today_in_china(row.submitted_at) > row.due_on,
            "submitted_by": row.submitted_by, "submitted_at": row.submitted_at.astimezone(CHINA_TZ).isoformat()}


def _add(total, value):
    if isinstance(value, str):
        return str((Decimal(total or "0") + Decimal(value)).quantize(Decimal("0.01")))
    return (total or 0) + value


def city(session: Session, year: int, period: str, today: date) -> dict:
    """The city's summary: every district's sections and the sum of their frozen figures."""
    due = calendar.summary_due(year, period)
    rows = {r.district: r for r in session.scalars(select(DistrictSummary).where(
        DistrictSummary.year == year, DistrictSummary.period == period))}
    districts, totals, labels = [], {}, {}
    for code, name in reporting_districts(session).items():
        row = rows.get(code)
        if row is None:
            districts.append({"district": code, "district_name": name, "submitted": False, "late": today > due,
                              "state": "逾期未报" if today > due else "未报送", "submitted_at": None,
                              "sections": [], "figures": []})
            continue
        shown = summary_json(row)
        districts.append({"district": code, "district_name": name, "submitted": True, "late": shown["late"],
                          "state": "逾期报送" if shown["late"] else "已报送", "submitted_at": shown["submitted_at"],
                          "sections": shown["sections"], "figures": shown["figures"]})
        for f in shown["figures"]:
            labels[f["key"]] = f["label"]
            totals[f["key"]] = _add(totals.get(f["key"]), f["value"])
    if not labels:
        labels = {f.key: f.label for f in reports.FIGURES}
        totals = {f.key: reports.money(0) if f.money else 0 for f in reports.FIGURES}
    return {"title": f"{year}年全市知识产权行政保护工作{PERIODS[period]}", "year": year, "period": period,
            "due": due.isoformat(), "figures_period": figures_period(year, period).as_dict(),
            "districts": districts, "figures": [{"key": k, "label": labels[k], "value": totals[k]} for k in labels],
            "late": [d["district"] for d in districts if d["late"]]}
