"""A campaign's progress per district (SPEC §12): inspections against targets, findings, the cases
opened and their outcomes; as JSON and as a table for XLSX/CSV (`notifications.report_files`)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.report_files import Table
from service.campaigns.models import Campaign, Inspection
from service.cases.models import Case
from service.core.models import District
from state_machines import campaigns as rules
from state_machines.principals import OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import FINAL_STATES

STATUS_LABELS = {"met": "已完成", "missed": "未完成", "open": "进行中"}


def progress(session: Session, actor: Actor, campaign: Campaign, now: datetime | None = None) -> dict:
    """Per district taking part (a district sees its own row; the city every row) and the total."""
    today = (now or datetime.now(UTC)).astimezone(CHINA_TZ).date()
    districts = [d for d in campaign.districts if actor.role in OVERSIGHT_ROLES or d == actor.district]
    names = dict(session.execute(select(District.code, District.name).where(District.code.in_(districts))).all())
    inspections = list(session.scalars(select(Inspection).where(Inspection.campaign_id == campaign.id,
                                                                Inspection.district.in_(districts))))
    cases = session.execute(select(Case.district, Case.state, Case.outcome)
                            .where(Case.campaign_id == campaign.id, Case.district.in_(districts))).all()
    period = rules.Period(campaign.period_start, campaign.period_end)
    rows = []
    for district in districts:
        own = [i for i in inspections if i.district == district]
        own_cases = [c for c in cases if c.district == district]
        rows.append(_row(district, names.get(district, district), own, own_cases, campaign.targets, period, today))
    totals = _row(None, "合计", inspections, cases, {}, period, today)
    totals.pop("targets")
    totals["targets_met"] = all(r["targets_met"] for r in rows) if rows else False
    return {"campaign": {"id": campaign.id, "name": campaign.name, "kind": campaign.kind,
                         "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
                         "targets": campaign.targets},
            "as_of": today.isoformat(), "districts": rows, "total": totals}


def _row(district: str | None, name: str, inspections: list[Inspection], cases: list, targets: dict,
         period: rules.Period, today: date) -> dict:
    facts = [rules.InspectionFact(i.day, i.method, i.result, i.product_id is not None, i.store_id)
             for i in inspections]
    evaluated = rules.evaluate_targets(targets, period, facts, today)
    outcomes = Counter(c.outcome or ("closed" if c.state in FINAL_STATES else "open") for c in cases)
    return {
        "district": district, "district_name": name, "inspections": len(inspections),
        "by_phase": dict(Counter(i.phase for i in inspections if i.phase)),
        "by_method": dict(Counter(i.method for i in inspections)),
        "by_result": dict(Counter(i.result for i in inspections)),
        "findings": sum(1 for i in inspections if i.result in rules.FINDING_RESULTS),
        "cases_opened": len(cases), "cases_open": sum(1 for c in cases if c.state not in FINAL_STATES),
        "case_outcomes": dict(outcomes), "targets": evaluated,
        "targets_met": all(t["status"] == "met" for t in evaluated.values()),
    }


COLUMNS = [("district_name", "单位"), ("inspections", "检查次数"), ("findings", "发现问题"),
           ("cases_opened", "立案/移交案件"), ("cases_open", "在办案件"), ("targets_text", "目标完成情况")]


def targets_text(targets: dict) -> str:
    parts = []
    for key, t in targets.items():
        if key == "inspections_per_month":
            months = "，".join(f"{m['month']} {m['done']}/{m['target']}" for m in t["months"])
            parts.append(f"每月检查名录产品（{months}）：{STATUS_LABELS[t['status']]}")
        elif key == "sampling_ratio":
            parts.append(f"抽检比例 {t['done']}/{t['target']}：{STATUS_LABELS[t['status']]}")
        elif key == "stores_checked":
            parts.append(f"核查网店授权 {t['done']}/{t['target']}：{STATUS_LABELS[t['status']]}")
        else:
            parts.append(f"检查 {t['done']}/{t['target']}：{STATUS_LABELS[t['status']]}")
    return "；".join(parts) or "未设目标"


def progress_table(report: dict) -> Table:
    rows = [{**r, "targets_text": targets_text(r["targets"])} for r in report["districts"]]
    total = {**report["total"], "targets_text": "全部完成" if report["total"]["targets_met"] else "未全部完成"}
    campaign = report["campaign"]
    subtitle = f"{campaign['period']['start']} 至 {campaign['period']['end']}，截至 {report['as_of']}"
    return Table(f"{campaign['name']} 专项行动进展", subtitle, COLUMNS, rows, total,
                 numeric=frozenset({"inspections", "findings", "cases_opened", "cases_open"}))
