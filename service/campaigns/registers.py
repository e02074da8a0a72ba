"""The registers campaigns act on (SPEC §12): GI products under list-based supervision (名录管理),
e-commerce platforms and their stores, markets with their model-market status.

The city keeps every register; a district supervisor adds and changes its own district's entries.
Every entry heads an audit stream (`register`): `create`, then `amend` for each change. The
e-commerce spot-check register is the stores with the checks of their authorisation information.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.campaigns import access
from service.campaigns.models import Inspection, RegisterEntry
from service.campaigns.schemas import RegisterAmend, RegisterCreate
from service.core.models import District
from state_machines import campaigns as rules
from state_machines.errors import Forbidden, InvalidData, NotFound
from state_machines.principals import OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import Role


def _keeper(actor: Actor, district: str | None) -> None:
    if actor.role is Role.city:
        return
    if actor.role is Role.supervisor and district == actor.district:
        return
    raise Forbidden("the registers are kept by the city; a district supervisor keeps its own district's entries")


def entry_json(e: RegisterEntry) -> dict:
    out = {"id": e.id, "kind": e.kind, "kind_label": rules.REGISTER_KINDS[e.kind], "name": e.name,
           "district": e.district, "holders": list(e.holders), "details": dict(e.details), "status": e.status,
           "version": e.version, "created_at": e.created_at.astimezone(CHINA_TZ).isoformat()}
    if e.kind == "gi_product":
        out.update(category=e.category, category_label=rules.GI_CATEGORIES[e.category])
    if e.kind == "store":
        out["platform_id"] = e.platform_id
    if e.kind == "market":
        out["status_label"] = rules.MARKET_STATUSES[e.status]
    return out


def _shape(session: Session, body: RegisterCreate) -> str:
    """Check the fields the kind takes; the entry's first status."""
    if body.district is not None and session.get(District, body.district) is None:
        raise InvalidData(f"unknown district {body.district}", fields=["district"])
    if (body.kind == "gi_product") != (body.category is not None):
        raise InvalidData("a GI product, and only a GI product, has a category", fields=["category"])
    if body.kind == "store":
        platform = session.get(RegisterEntry, body.platform_id) if body.platform_id else None
        if platform is None or platform.kind != "platform":
            raise InvalidData("a store names its platform (platform_id of a registered platform)",
                              fields=["platform_id"])
    elif body.platform_id is not None:
        raise InvalidData("only a store names a platform", fields=["platform_id"])
    if body.kind in ("store", "market") and body.district is None:
        raise InvalidData(f"a {body.kind} names its district", fields=["district"])
    if body.kind == "market":
        return body.status or "none"
    if body.status is not None:
        raise InvalidData("only a market has a model-market status", fields=["status"])
    return "listed" if body.kind == "gi_product" else "active"


def create_entry(session: Session, actor: Actor, body: RegisterCreate, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    _keeper(actor, body.district)
    status = _shape(session, body)
    row = RegisterEntry(id=str(uuid.uuid4()), kind=body.kind, name=body.name, district=body.district,
                        category=body.category, holders=list(body.holders), platform_id=body.platform_id,
                        details=dict(body.details), status=status, version=0, head_hash="", created_at=now,
                        updated_at=now)
    session.add(row)
    session.flush()
    audit.append_to_stream(session, row, "register", "create", status, actor.id, now,
                           {k: v for k, v in entry_json(row).items()
                            if k not in ("version", "created_at", "kind_label", "category_label", "status_label")},
                           state_attr="status")
    session.flush()
    return entry_json(row)


def amend_entry(session: Session, actor: Actor, entry_id: str, body: RegisterAmend,
                now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    row = session.scalar(select(RegisterEntry).where(RegisterEntry.id == entry_id).with_for_update())
    if row is None or actor.role not in access.READERS:
        raise NotFound("no such register entry")
    _keeper(actor, row.district)
    given = body.model_dump(exclude_unset=True)
    reason = given.pop("reason", None)
    if not given:
        raise InvalidData("nothing to change", fields=["body"])
    if "status" in given and row.kind != "market":
        raise InvalidData("only a market has a model-market status", fields=["status"])
    for name in ("name", "holders", "details"):
        if given.get(name) is not None:
            setattr(row, name, given[name])
    status = given.get("status") or row.status
    audit.append_to_stream(session, row, "register", "amend", status, actor.id, now,
                           {k: v for k, v in given.items() if v is not None}, reason, state_attr="status")
    session.flush()
    return entry_json(row)


def _checks(session: Session, actor: Actor, column, ids: list[str]) -> dict[str, dict]:
    """Per entry: the inspections the actor may see (a district its own), the last one's date and result."""
    out: dict[str, dict] = {}
    if not ids:
        return out
    query = select(column, Inspection.day, Inspection.result, Inspection.method).where(column.in_(ids))
    if actor.role not in OVERSIGHT_ROLES:
        query = query.where(Inspection.district == actor.district)
    for entry_id, day, result, method in session.execute(query.order_by(Inspection.day, Inspection.created_at)):
        seen = out.setdefault(entry_id, {"checks": 0, "findings": 0})
        seen["checks"] += 1
        seen["findings"] += result in rules.FINDING_RESULTS
        seen.update(last_checked_on=day.isoformat(), last_result=result, last_method=method)
    return out


_CHECKED_BY = {"store": Inspection.store_id, "market": Inspection.market_id, "gi_product": Inspection.product_id}


def list_entries(session: Session, actor: Actor, *, kind: str | None = None, district: str | None = None,
                 platform_id: str | None = None, status: str | None = None) -> list[dict]:
    access.reader(actor)
    query = select(RegisterEntry).order_by(RegisterEntry.kind, RegisterEntry.name, RegisterEntry.id)
    if kind:
        query = query.where(RegisterEntry.kind == kind)
    if district:
        query = query.where(RegisterEntry.district == district)
    if platform_id:
        query = query.where(RegisterEntry.platform_id == platform_id)
    if status:
        query = query.where(RegisterEntry.status == status)
    rows = list(session.scalars(query))
    items = [entry_json(r) for r in rows]
    for checked_kind, column in _CHECKED_BY.items():
        ids = [r.id for r in rows if r.kind == checked_kind]
        checks = _checks(session, actor, column, ids)
        for item in items:
            if item["kind"] == checked_kind:
                item.update(checks.get(item["id"], {"checks": 0, "findings": 0, "last_checked_on": None,
                                                    "last_result": None, "last_method": None}))
    return items


def get_entry(session: Session, actor: Actor, entry_id: str) -> dict:
    row = session.get(RegisterEntry, entry_id)
    if row is None or actor.role not in access.READERS:
        raise NotFound("no such register entry")
    out = entry_json(row)
    if row.kind == "platform":
        out["stores"] = session.scalar(select(func.count()).select_from(RegisterEntry)
                                       .where(RegisterEntry.platform_id == row.id))
    return out
