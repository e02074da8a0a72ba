"""Issuing the bureau's numbered documents (SPEC §12): on the case event that needs them, or on demand.

On the event path (`issue_for_step`, reached through `service.cases.ports` from `apply_step`)
a document costs one counter upsert and one INSERT, and only for the events of
`state_machines.documents`: the data it states is copied from the locked case and the
event already in memory, nothing is read and nothing rendered. Rendering (HTML, PDF) happens
on download, from the stored row alone (`service.documents.render`).

A document drawn up on demand is a change of the case file: it is appended to the case's
audit chain as an `issue_document` event, in the same transaction as its number.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.cases import ports
from service.cases.models import AMOUNT_COLUMNS, Case
from service.cases.queries import check_visible
from service.cases.view import load_parties, money
from service.core.models import Event
from service.documents import numbering
from service.documents.models import BureauDocument
from state_machines.case_machine import Step, today_in_china
from state_machines.documents import KINDS, ON_DEMAND_AFTER, SERVICE_WAYS, kinds_for
from state_machines.errors import Forbidden, GuardFailed, InvalidData, NotFound
from state_machines.principals import Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import Role, Track

_FACTS_STATED = ("officers", "panel", "investigation", "review", "notice", "hearing", "discussion", "decision",
                 "proposed_fine", "proposed_measures", "decided_on", "ruled_on", "infringement_found", "agreement")
"""What of a case's facts a document may state (the rest are clocks and bookkeeping)."""

RULING_KINDS = frozenset({"acceptance_notice", "defence_notice", "ruling"})
BOTH_TRACKS = frozenset({"closing_approval", "service_receipt"})
_TABLE = BureauDocument.__table__


def _party(pair) -> dict | None:
    if pair is None:
        return None
    cp, party = pair
    return {"name": cp.name, "type": party.type, "credit_code": party.credit_code}


def case_snapshot(row, parties: dict) -> dict:
    """The case as a document states it: plain JSON, copied from the row and parties in memory."""
    facts = row.facts or {}
    officers = facts.get("officers") or ([row.assigned_officer] if row.assigned_officer else [])
    return {
        "id": row.id, "number": row.number, "title": row.title, "description": row.description,
        "kind": row.kind, "track": row.track, "district": row.district, "machine_version": row.machine_version,
        "received_at": row.received_at.astimezone(CHINA_TZ).isoformat(), "state": row.state,
        "respondent": _party(parties.get("respondent")), "complainant": _party(parties.get("complainant")),
        "amounts": {name: money(getattr(row, name)) for name in AMOUNT_COLUMNS if getattr(row, name) is not None},
        "officers": officers,
        "facts": {name: facts[name] for name in _FACTS_STATED if name in facts},
    }


def _record(session: Session, *, case_id: str, district: str, kind: str, data: dict, event: str | None,
            event_seq: int, actor_id: str, now: datetime) -> dict:
    values = {"id": str(uuid.uuid4()), "case_id": case_id, "kind": kind, "district": district,
              "year": today_in_china(now).year, "event": event, "event_seq": event_seq, "actor": actor_id,
              "data": data, "created_at": now}
    values["seq"], values["number"] = numbering.insert_numbered(session, _TABLE, values)
    return values


def _served(session: Session, case_id: str, data: dict) -> dict:
    """What a 送达回证 states of the service: the document served, the way, the recipient, the date."""
    served: dict = {"document": data.get("document"), "way": data.get("way", "direct"),
                    "way_label": SERVICE_WAYS[data.get("way", "direct")], "recipient": data.get("recipient"),
                    "served_at": data.get("served_at")}
    if data.get("document_id"):
        found = session.execute(select(BureauDocument.id, BureauDocument.kind, BureauDocument.number).where(
            BureauDocument.id == data["document_id"], BureauDocument.case_id == case_id)).one_or_none()
        if found is None:
            raise InvalidData("document_id: no such document of this case", fields=["data.document_id"])
        served.update(document_id=found.id, document_kind=found.kind, document_title=KINDS[found.kind].title,
                      document_number=found.number)
    return served


def issue_for_step(session: Session, row, parties: dict, step: Step, actor_id: str, now: datetime) -> None:
    """The port of `apply_step`: number and record the documents this event issues (often none)."""
    kinds = kinds_for(row.machine_version, row.track, step.event)
    if not kinds:
        return
    case = case_snapshot(row, parties)
    event = {"name": step.event, "data": step.data, "reason": step.reason, "at": now.isoformat()}
    for kind in kinds:
        data = {"case": case, "event": event}
        if kind == "service_receipt":
            data["service"] = _served(session, row.id, step.data)
        _record(session, case_id=row.id, district=row.district, kind=kind, data=data, event=step.event,
                event_seq=row.version, actor_id=actor_id, now=now)


ports.provide_documents(issue_for_step)


def _kind_fits(kind: str, track: str) -> bool:
    if kind in BOTH_TRACKS:
        return True
    return (kind in RULING_KINDS) == (track == Track.ruling)


def issue_on_demand(session: Session, actor: Actor, case_id: str, kind: str, now: datetime, *,
                    city_reviews_districts: bool = True) -> dict:
    """Draw up a document now, by an officer or supervisor of the case's district (SPEC §12)."""
    if kind not in KINDS:
        raise InvalidData(f"kind must be one of {', '.join(KINDS)}", fields=["kind"])
    check_visible(session, actor, case_id, city_reviews_districts=city_reviews_districts)
    row = session.get(Case, case_id, with_for_update=True)
    if actor.role not in (Role.officer, Role.supervisor) or actor.district != row.district:
        raise Forbidden("only the case's district's officers and supervisors draw up its documents")
    if kind == "service_receipt":
        raise InvalidData("a 送达回证 is issued by recording the service (event record_service)", fields=["kind"])
    if not _kind_fits(kind, row.track):
        raise GuardFailed(f"{KINDS[kind].title} is not a document of the {row.track} track")
    data: dict = {"case": case_snapshot(row, load_parties(session, case_id))}
    needs = ON_DEMAND_AFTER.get(kind)
    if needs:
        last = session.execute(
            select(Event.event, Event.data, Event.reason, Event.at)
            .where(Event.stream_id == case_id, Event.event.in_(needs)).order_by(Event.seq.desc()).limit(1)
        ).one_or_none()
        if last is None:
            raise GuardFailed(f"{KINDS[kind].title} states what {' or '.join(needs)} decided: fire it first")
        data["event"] = {"name": last.event, "data": last.data, "reason": last.reason, "at": last.at.isoformat()}
    seq = row.version + 1
    document = _record(session, case_id=case_id, district=row.district, kind=kind, data=data, event=None,
                       event_seq=seq, actor_id=actor.id, now=now)
    appended = audit.new_event(
        session, stream_type="case", stream_id=case_id, seq=seq, event="issue_document", from_state=row.state,
        to_state=row.state, actor=actor.id, at=now, reason=None, prev_hash=row.head_hash,
        data={"document_id": document["id"], "kind": kind, "number": document["number"]})
    row.version, row.head_hash, row.updated_at = seq, appended.hash, now
    session.flush()
    return item(BureauDocument(**document))


def item(doc: BureauDocument) -> dict:
    return {"id": doc.id, "case_id": doc.case_id, "kind": doc.kind, "title": title_of(doc), "number": doc.number,
            "event": doc.event, "event_seq": doc.event_seq,
            "created_at": doc.created_at.astimezone(CHINA_TZ).isoformat(),
            "links": {"html": f"/api/v1/cases/{doc.case_id}/bureau-documents/{doc.id}",
                      "pdf": f"/api/v1/cases/{doc.case_id}/bureau-documents/{doc.id}?format=pdf"}}


def title_of(doc: BureauDocument) -> str:
    """The kind's title; a decision that imposes no penalty is a 不予行政处罚决定书."""
    if doc.kind == "penalty_decision":
        decision = doc.data.get("event", {}).get("data", {})
        if not _imposes_penalty(decision):
            return "不予行政处罚决定书"
    return KINDS[doc.kind].title


def _imposes_penalty(decision: dict) -> bool:
    measures = [m for m in decision.get("measures", []) if m != "order_to_stop"]
    return bool(float(decision.get("fine") or 0) > 0 or float(decision.get("confiscation") or 0) > 0 or measures)


def case_documents(session: Session, actor: Actor, case_id: str, *, city_reviews_districts: bool = True,
                   kind: str | None = None) -> list[BureauDocument]:
    check_visible(session, actor, case_id, city_reviews_districts=city_reviews_districts)
    query = select(BureauDocument).where(BureauDocument.case_id == case_id)
    if kind is not None:
        query = query.where(BureauDocument.kind == kind)
    return ordered(session.scalars(query))


_KIND_ORDER = {name: n for n, name in enumerate(KINDS)}


def ordered(docs) -> list[BureauDocument]:
    """In the order they were issued; the papers of one event in the catalogue's order (受理 before 答辩)."""
    return sorted(docs, key=lambda d: (d.event_seq, d.created_at, _KIND_ORDER[d.kind], d.id))


def one_document(session: Session, actor: Actor, case_id: str, document_id: str, *,
                 city_reviews_districts: bool = True) -> BureauDocument:
    check_visible(session, actor, case_id, city_reviews_districts=city_reviews_districts)
    doc = session.get(BureauDocument, document_id)
    if doc is None or doc.case_id != case_id:
        raise NotFound("no such document of this case")
    return doc
