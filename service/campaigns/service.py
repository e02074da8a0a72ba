"""Campaigns (专项行动) and their inspections (SPEC §12): plan, record, open a case from a finding.

Each campaign heads an audit stream (`campaign`): `create`, `amend`, `record_inspection` and
`open_case` are its events, hash-chained like every other stream's. A finding opens its case
through the cases' own registration, in the same transaction, and the two name each other:
the inspection its `case_id`, the case its `campaign_id` and `inspection_id`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.campaigns import access
from service.campaigns.models import Campaign, Inspection, RegisterEntry
from service.campaigns.schemas import CampaignAmend, CampaignCreate, CaseFromFinding, InspectionCreate
from service.cases import registration
from service.core.models import District
from service.core.schemas import CaseCreate
from state_machines import campaigns as rules
from state_machines.case_machine import Rules
from state_machines.errors import GuardFailed, InvalidData, NotFound
from state_machines.principals import Actor
from state_machines.types import CHINA_TZ

DEFAULT_VENUE = {"exhibition": "exhibition", "ecommerce": "online_platform", "model_market": "market"}


def _period(value: dict) -> rules.Period:
    return rules.Period(value["start"], value["end"])


def _phases(campaign: Campaign) -> dict[str, rules.Period] | None:
    if not campaign.phases:
        return None
    return {name: rules.Period(*(date.fromisoformat(p[k]) for k in ("start", "end")))
            for name, p in campaign.phases.items()}


def _check(session: Session, kind: str, period: dict, districts: list[str], phases: dict | None, targets: dict,
           plan: dict, holiday: str | None) -> None:
    known = set(session.scalars(select(District.code).where(District.code.in_(districts))))
    unknown = sorted(set(districts) - known)
    if unknown:
        raise InvalidData(f"unknown district {', '.join(unknown)}", fields=["districts"])
    if len(set(districts)) != len(districts):
        raise InvalidData("a district is named twice", fields=["districts"])
    rules.check_campaign(kind, _period(period), {k: _period(v) for k, v in phases.items()} if phases else None,
                         targets, plan, holiday)


def _targets_json(targets: dict) -> dict:
    return {k: (str(v) if k == "sampling_ratio" else v) for k, v in targets.items() if v is not None}


def _phases_json(phases: dict | None) -> dict:
    return {name: {"start": p["start"].isoformat(), "end": p["end"].isoformat()}
            for name, p in (phases or {}).items()}


def campaign_json(c: Campaign) -> dict:
    return {"id": c.id, "kind": c.kind, "kind_label": rules.KINDS[c.kind], "name": c.name, "owner": c.owner,
            "period": {"start": c.period_start.isoformat(), "end": c.period_end.isoformat()},
            "districts": list(c.districts), "holiday": c.holiday,
            "holiday_label": rules.HOLIDAYS.get(c.holiday) if c.holiday else None, "plan": c.plan,
            "phases": {name: {**p, "label": rules.PHASES[name]} for name, p in (c.phases or {}).items()},
            "targets": c.targets, "state": c.state, "version": c.version,
            "created_at": c.created_at.astimezone(CHINA_TZ).isoformat()}


def create_campaign(session: Session, actor: Actor, body: CampaignCreate, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    owner = access.planner(actor, body.districts)
    data = body.model_dump()
    targets = {k: v for k, v in data["targets"].items() if v is not None}
    _check(session, body.kind, data["period"], body.districts, data["phases"], targets, data["plan"], body.holiday)
    targets = _targets_json(targets)
    row = Campaign(id=str(uuid.uuid4()), kind=body.kind, name=body.name, owner=owner,
                   period_start=body.period.start, period_end=body.period.end, districts=list(body.districts),
                   holiday=body.holiday, plan=data["plan"], phases=_phases_json(data["phases"]), targets=targets,
                   state="active", created_by=actor.id, version=0, head_hash="", created_at=now, updated_at=now)
    session.add(row)
    audit.append_to_stream(session, row, "campaign", "create", "active", actor.id, now,
                           {k: v for k, v in campaign_json(row).items() if k not in ("version", "created_at", "id",
                                                                                    "kind_label", "holiday_label")})
    session.flush()
    return campaign_json(row)


def _locked(session: Session, actor: Actor, campaign_id: str) -> Campaign:
    return access.visible_campaign(actor, session.scalar(
        select(Campaign).where(Campaign.id == campaign_id).with_for_update()))


def amend_campaign(session: Session, actor: Actor, campaign_id: str, body: CampaignAmend,
                   now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    row = _locked(session, actor, campaign_id)
    access.may_amend(actor, row)
    given = body.model_dump(exclude_unset=True)
    reason = given.pop("reason", None)
    if not given:
        raise InvalidData("nothing to change", fields=["body"])
    if "districts" in given:
        access.planner(actor, given["districts"])
    period = given.get("period") or {"start": row.period_start, "end": row.period_end}
    phases = given["phases"] if "phases" in given else (
        {name: {"start": p.start, "end": p.end} for name, p in (_phases(row) or {}).items()} or None)
    targets = ({k: v for k, v in given["targets"].items() if v is not None} if "targets" in given
               else dict(row.targets))
    plan = given.get("plan", row.plan)
    districts = given.get("districts", row.districts)
    _check(session, row.kind, period, districts, phases, targets, plan, row.holiday)
    _inspections_still_fit(session, row, _period(period),
                           {k: _period(v) for k, v in phases.items()} if phases else None, districts)
    row.name = given.get("name", row.name)
    row.period_start, row.period_end = period["start"], period["end"]
    row.phases, row.targets, row.plan, row.districts = _phases_json(phases), _targets_json(targets), plan, districts
    changed = {k: v for k, v in campaign_json(row).items() if k in given}
    audit.append_to_stream(session, row, "campaign", "amend", row.state, actor.id, now, changed, reason)
    session.flush()
    return campaign_json(row)


def _inspections_still_fit(session: Session, campaign: Campaign, period: rules.Period,
                           phases: dict[str, rules.Period] | None, districts: list[str]) -> None:
    """An amendment may not leave a recorded inspection outside the period, its phase or the districts."""
    for i in session.scalars(select(Inspection).where(Inspection.campaign_id == campaign.id)):
        if not period.holds(i.day) or (phases and i.phase and not phases[i.phase].holds(i.day)):
            raise GuardFailed(f"the inspection of {i.day} would lie outside the amended period or its phase")
        if i.district not in districts:
            raise GuardFailed(f"district {i.district} has recorded inspections; it stays in the campaign")


def get_campaign(session: Session, actor: Actor, campaign_id: str) -> dict:
    return campaign_json(access.visible_campaign(actor, session.get(Campaign, campaign_id)))


def list_campaigns(session: Session, actor: Actor, *, kind: str | None = None, district: str | None = None,
                   active_on=None) -> list[dict]:
    access.reader(actor)
    query = select(Campaign).order_by(Campaign.period_start, Campaign.created_at, Campaign.id)
    if kind:
        query = query.where(Campaign.kind == kind)
    if active_on:
        query = query.where(Campaign.period_start <= active_on, Campaign.period_end >= active_on)
    return [campaign_json(c) for c in session.scalars(query)
            if access.sees_campaign(actor, c) and (district is None or district in c.districts)]


def _register(session: Session, entry_id: str | None, kind: str, field: str) -> RegisterEntry | None:
    if entry_id is None:
        return None
    entry = session.get(RegisterEntry, entry_id)
    if entry is None or entry.kind != kind:
        raise InvalidData(f"{field} names no {kind} of the registers", fields=[field])
    return entry


def inspection_json(i: Inspection) -> dict:
    return {"id": i.id, "campaign_id": i.campaign_id, "district": i.district, "phase": i.phase,
            "phase_label": rules.PHASES.get(i.phase) if i.phase else None, "date": i.day.isoformat(),
            "place": i.place, "store_id": i.store_id, "market_id": i.market_id, "product_id": i.product_id,
            "subject": i.subject, "method": i.method, "method_label": rules.METHODS[i.method], "result": i.result,
            "result_label": rules.RESULTS[i.result], "findings": i.findings, "attachments": list(i.attachments),
            "officer": i.officer, "case_id": i.case_id,
            "created_at": i.created_at.astimezone(CHINA_TZ).isoformat()}


def record_inspection(session: Session, actor: Actor, campaign_id: str, body: InspectionCreate, case_rules: Rules,
                      prefixes: dict, *, machine_version: int, now: datetime | None = None) -> dict:
    """Record an inspection; with `case`, open the finding's case in the same step."""
    now = now or datetime.now(UTC)
    campaign = _locked(session, actor, campaign_id)
    access.inspector(actor, campaign)
    rules.check_inspection_day(body.date, rules.Period(campaign.period_start, campaign.period_end),
                               _phases(campaign), body.phase, now.astimezone(CHINA_TZ).date())
    store = _register(session, body.store_id, "store", "store_id")
    _register(session, body.market_id, "market", "market_id")
    _register(session, body.product_id, "gi_product", "product_id")
    if not (body.place or store or body.market_id):
        raise InvalidData("name the place, the store or the market inspected", fields=["place"])
    finding = body.result in rules.FINDING_RESULTS
    if finding and not body.findings:
        raise InvalidData(f"a result of {body.result} states its findings", fields=["findings"])
    if body.case is not None and not finding:
        raise InvalidData("only a finding (problem_found, referred) opens a case", fields=["case"])
    row = Inspection(id=str(uuid.uuid4()), campaign_id=campaign.id, district=actor.district, phase=body.phase,
                     day=body.date, place=body.place or (store.name if store else None), store_id=body.store_id,
                     market_id=body.market_id, product_id=body.product_id,
                     subject=body.subject.model_dump(exclude_none=True), method=body.method, result=body.result,
                     findings=body.findings, attachments=list(body.attachments), officer=actor.id, created_at=now)
    session.add(row)
    session.flush()
    audit.append_to_stream(session, campaign, "campaign", "record_inspection", campaign.state, actor.id, now,
                           {k: v for k, v in inspection_json(row).items()
                            if k not in ("created_at", "phase_label", "method_label", "result_label")})
    result = inspection_json(row)
    if body.case is not None:
        result["case"] = _open_case(session, actor, campaign, row, body.case, case_rules, prefixes,
                                    machine_version=machine_version, now=now)
        result["case_id"] = row.case_id
    session.flush()
    return result


def _open_case(session: Session, actor: Actor, campaign: Campaign, inspection: Inspection, body: CaseFromFinding,
               case_rules: Rules, prefixes: dict, *, machine_version: int, now: datetime) -> dict:
    given = body.model_dump(exclude_none=True)
    tags = list(given.pop("tags", []))
    if campaign.name not in tags:
        tags.append(campaign.name)  # `?tag=<campaign name>` finds it, as the seed's free-text tags did
    place = inspection.place or "检查"
    try:
        case_body = CaseCreate.model_validate({
            **given, "district": inspection.district,
            "source": "online_platform" if inspection.method == "online" else "inspection",
            "title": given.get("title") or f"{campaign.name}：{place}检查发现问题"[:200],
            "description": given.get("description") or inspection.findings,
            "venue": given.get("venue") or DEFAULT_VENUE.get(campaign.kind), "tags": tags})
    except ValidationError as exc:
        raise InvalidData(f"the case cannot be opened: {exc.errors()[0]['msg']}",
                          fields=sorted({"case." + ".".join(map(str, e["loc"])) for e in exc.errors()})) from None
    case = registration.create_case(session, actor, case_body, case_rules, prefixes, now,
                                    machine_version=machine_version,
                                    opened_from={"campaign_id": campaign.id, "inspection_id": inspection.id})
    inspection.case_id = case["id"]
    audit.append_to_stream(session, campaign, "campaign", "open_case", campaign.state, actor.id, now,
                           {"inspection_id": inspection.id, "case_id": case["id"], "number": case["number"]})
    return case


def open_case(session: Session, actor: Actor, inspection_id: str, body: CaseFromFinding, case_rules: Rules,
              prefixes: dict, *, machine_version: int, now: datetime | None = None) -> dict:
    """Open the case of an inspection's finding afterwards (one case per inspection)."""
    now = now or datetime.now(UTC)
    inspection = session.scalar(select(Inspection).where(Inspection.id == inspection_id).with_for_update())
    if inspection is None or actor.role not in access.READERS or not access.sees_inspection(actor, inspection):
        raise NotFound("no such inspection")
    campaign = _locked(session, actor, inspection.campaign_id)
    access.inspector(actor, campaign)
    if inspection.case_id:
        raise GuardFailed(f"this inspection opened case {inspection.case_id} already")
    if inspection.result not in rules.FINDING_RESULTS:
        raise GuardFailed("a compliant inspection has no finding to open a case on")
    case = _open_case(session, actor, campaign, inspection, body, case_rules, prefixes,
                      machine_version=machine_version, now=now)
    session.flush()
    return {**inspection_json(inspection), "case": case}


def get_inspection(session: Session, actor: Actor, inspection_id: str) -> dict:
    row = session.get(Inspection, inspection_id)
    if row is None or actor.role not in access.READERS or not access.sees_inspection(actor, row):
        raise NotFound("no such inspection")
    return inspection_json(row)


def list_inspections(session: Session, actor: Actor, campaign_id: str, *, district: str | None = None,
                     phase: str | None = None, result: str | None = None) -> list[dict]:
    campaign = access.visible_campaign(actor, session.get(Campaign, campaign_id))
    query = select(Inspection).where(Inspection.campaign_id == campaign.id).order_by(
        Inspection.day, Inspection.created_at, Inspection.id)
    if district:
        query = query.where(Inspection.district == district)
    if phase:
        query = query.where(Inspection.phase == phase)
    if result:
        query = query.where(Inspection.result == result)
    return [inspection_json(i) for i in session.scalars(query) if access.sees_inspection(actor, i)]


def campaign_for_progress(session: Session, actor: Actor, campaign_id: str) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("no such campaign")
    return access.visible_campaign(actor, campaign)
