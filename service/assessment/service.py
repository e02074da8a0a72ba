"""督导考核 (SPEC §12): compute a year's assessment of every district, and record the city's adjustments.

The providers gather each item's evidence with aggregate queries; `state_machines.assessment`
scores it. Who reads what: the city and auditors every district; a district's officers and
supervisors their own row only; the rest nothing. Only the city adjusts, with a reason, audited.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.assessment.models import AssessmentAdjustment
from service.assessment.providers import PROVIDER_NAMES, case_counts, provider_for, today
from service.audit.service import append_to_stream
from service.core.config import Settings
from service.core.models import District
from service.reports import access, timeliness
from service.reports.timeliness import reporting_districts
from state_machines import assessment as rules_module
from state_machines.assessment import Rules
from state_machines.errors import Forbidden, GuardFailed, InvalidData
from state_machines.principals import DISTRICT_ROLES, Actor
from state_machines.vocabulary import CITY_DIVISION, Role

FIRST_YEAR, LAST_YEAR = 1990, 2100  # SPEC §10.8


def rules(settings: Settings) -> Rules:
    """The configured items (a bad file raises `AssessmentRulesError` naming what is wrong)."""
    return rules_module.load(settings.assessment_rules_file, PROVIDER_NAMES)


def _scope(actor: Actor, district: str | None) -> str | None:
    """None: every district; else the one district the caller may read (the city bureau is not assessed)."""
    if actor.role in DISTRICT_ROLES and actor.district == CITY_DIVISION:
        raise Forbidden("the city bureau assesses the districts; it has no assessment of its own")
    return access.scope(actor, district, "assessment")


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidData(f"year must be {FIRST_YEAR}..{LAST_YEAR}", fields=["year"])


assessed_districts = reporting_districts
"""Every district but the city bureau itself, which does the assessing: those that owe the reports."""


def adjustments(session: Session, year: int) -> list[AssessmentAdjustment]:
    return list(session.scalars(select(AssessmentAdjustment).where(AssessmentAdjustment.year == year)
                                .order_by(AssessmentAdjustment.district, AssessmentAdjustment.created_at)))


def assessment(session: Session, actor: Actor, settings: Settings, year: int, district: str | None = None) -> dict:
    """The year's assessment: every district is scored (ranks compare them), the caller sees its rows."""
    scope = _scope(actor, district)
    _check_year(year)
    configured = rules(settings)
    districts = assessed_districts(session)
    if scope is not None and scope not in districts:
        raise InvalidData(f"unknown district {scope}", fields=["district"])
    counted = {item.key: item.filter for item in configured.items if item.provider == "cases"}
    evidence = case_counts(session, year, counted) if counted else {}  # one pass for every count item
    owed = timeliness.on_time(session, year, today())  # once, for the report and the summary items
    evidence |= {item.key: provider_for(item, owed)(session, year)
                 for item in configured.items if item.provider != "cases"}
    recorded = adjustments(session, year)
    adjusted: dict[str, float] = defaultdict(float)
    listed: dict[str, list[dict]] = defaultdict(list)
    for row in recorded:
        adjusted[row.district] += float(row.points)
        listed[row.district].append(adjustment_json(row))
    rows = rules_module.assess(configured, districts, evidence, adjusted)
    for row in rows:
        row["adjustments"] = listed.get(row["district"], [])
    if scope is not None:
        rows = [r for r in rows if r["district"] == scope]
    return {"year": year, "title": f"{year}年度知识产权行政保护工作督导考核",
            "items": [{"key": i.key, "label": i.label, "weight": i.weight, "method": i.method}
                      for i in configured.items],
            "total_weight": configured.total_weight, "max_adjustment": configured.max_adjustment,
            "districts": rows}


def adjust(session: Session, actor: Actor, settings: Settings, body: dict, now: datetime | None = None) -> dict:
    """The city adds or takes points from a district's year, with its reason; audited as its own stream."""
    if actor.role is not Role.city:
        raise Forbidden("only the city bureau adjusts an assessment")
    now = now or datetime.now(UTC)
    year, district, points = body["year"], body["district"], Decimal(str(body["points"]))
    _check_year(year)
    if district not in assessed_districts(session):
        raise InvalidData(f"unknown district {district}", fields=["district"])
    limit = Decimal(str(rules(settings).max_adjustment))
    if points == 0 or abs(points) > limit:
        raise InvalidData(f"points must be non-zero, at most ±{limit}", fields=["points"])
    reason = body["reason"].strip()
    if len(reason) < 4:
        raise InvalidData("a documented reason is needed (at least 4 characters)", fields=["reason"])
    # The cap is the district-year's total: adjustments of one district queue on its row, so two
    # adjustments at the same moment cannot each fit under the cap and together exceed it.
    session.scalar(select(District.code).where(District.code == district).with_for_update())
    before = Decimal(str(session.scalar(select(func.sum(AssessmentAdjustment.points)).where(
        AssessmentAdjustment.district == district, AssessmentAdjustment.year == year)) or 0)).quantize(Decimal("0.01"))
    if abs(before + points) > limit:
        raise GuardFailed(f"{district}'s {year} adjustments total {before:+.2f}; with {points:+.2f} they would "
                          f"be {before + points:+.2f}, beyond the cap of ±{limit} for a district's year")
    row = AssessmentAdjustment(id=str(uuid.uuid4()), district=district, year=year, points=points, reason=reason,
                               state="recorded", created_by=actor.id, created_at=now, updated_at=now, version=0,
                               head_hash=None)
    session.add(row)
    append_to_stream(session, row, "adjustment", "adjust", "recorded", actor.id, now,
                     data={"district": district, "year": year, "points": str(points)}, reason=reason)
    session.flush()
    return adjustment_json(row)


def adjustment_json(row: AssessmentAdjustment) -> dict:
    return {"id": row.id, "district": row.district, "year": row.year, "points": float(row.points),
            "reason": row.reason, "created_by": row.created_by,
            "created_at": row.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")}
