"""Opening a case: its number, its parties in the registry, its first event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.cases import ports
from service.cases.models import Case, CaseNumberCounter, CaseParty, Party
from service.cases.view import case_json, load_parties, next_due, snapshot, to_cents
from service.core.schemas import CaseCreate, PartyIn
from service.core.sql import insert_if_absent, upsert_insert
from state_machines.case_machine import CaseSnapshot, Opening, Rules, initial_facts, major_case_due
from state_machines.errors import Forbidden, InvalidData
from state_machines.principals import DISTRICT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import CITY_DIVISION, Track, track_of


def _next_number(session: Session, district: str, year: int, prefix: str) -> tuple[int, str]:
    stmt = (
        upsert_insert(session)(CaseNumberCounter)
        .values(district=district, year=year, last=1)
        .on_conflict_do_update(index_elements=["district", "year"], set_={"last": CaseNumberCounter.last + 1})
        .returning(CaseNumberCounter.last)
    )
    seq = session.execute(stmt).scalar_one()
    return seq, f"{prefix}〔{year}〕{seq:04d}号"


def _registry_party(session: Session, given: PartyIn, now: datetime) -> Party:
    """Find the party by credit code or ID number (never by name), or register it.

    Registering is insert-if-absent, so two intakes of one new respondent at the same moment
    end with one registry entry, not a unique-constraint error.
    """
    key = ("credit_code", given.credit_code) if given.credit_code else ("id_number", given.id_number)
    if key[1] is None:
        party = Party(id=str(uuid.uuid4()), type=given.type, name=given.name, created_at=now)
        session.add(party)
        session.flush()
        return party
    column = getattr(Party, key[0])
    found = session.scalar(select(Party).where(column == key[1]))
    if found is None:
        insert_if_absent(session, Party, {"id": str(uuid.uuid4()), "type": given.type, "name": given.name,
                                          key[0]: key[1], "created_at": now}, [key[0]])
        found = session.scalar(select(Party).where(column == key[1]))
    return found


def _check_v2_fields(body: CaseCreate) -> None:
    """SPEC §10.4/§10.9: `patent_type` is required on `patent_dispute`, optional on `patent_counterfeit`
    (where `none` is allowed: a counterfeit mark may name no granted patent), absent elsewhere."""
    if body.kind == "patent_dispute":
        if body.patent_type in (None, "none"):
            raise InvalidData("patent_dispute needs patent_type: invention, utility_model or design",
                              fields=["patent_type"])
    elif body.kind != "patent_counterfeit" and body.patent_type is not None:
        raise InvalidData(f"patent_type is for patent cases, not {body.kind}", fields=["patent_type"])


def create_case(session: Session, actor: Actor, body: CaseCreate, rules: Rules,
                prefixes: dict[str, tuple[str, str]], now: datetime | None = None, *,
                machine_version: int = 1, opened_from: dict[str, str] | None = None, assigned: bool = False) -> dict:
    """Register a case under `machine_version` (the settings' `IPCASE_MACHINE_VERSION` for new cases).

    `opened_from` is `{"campaign_id", "inspection_id"}` for a case an inspection's finding opens (SPEC §12).
    `assigned` is 交办 (SPEC §12): the city registers the case into another district (the caller,
    service.oversight, checked that the actor is the city's); the case carries `assigned_by`."""
    now = now or datetime.now(UTC)
    if actor.role not in DISTRICT_ROLES and not assigned:
        raise Forbidden(f"role {actor.role} may not register cases")
    if body.district not in prefixes:
        raise InvalidData(f"unknown district {body.district}", fields=["district"])
    if body.district != actor.district and not assigned:
        raise Forbidden("cases are registered in your own district only")
    if track_of(body.kind) is Track.ruling and body.district not in rules.ruling_districts:
        raise InvalidData(
            f"district {body.district} does not hold patent-dispute rulings; they belong to the city "
            f"({CITY_DIVISION}) unless delegated (IPCASE_RULING_DISTRICTS)", fields=["kind", "district"])
    if machine_version != 1:
        _check_v2_fields(body)
    received_at = body.received_at or now
    if received_at > now + timedelta(minutes=5):
        raise InvalidData("received_at may not be in the future", fields=["received_at"])
    if received_at.year < 1990:
        raise InvalidData("received_at is before 1990", fields=["received_at"])
    parties = {}
    for role in ("respondent", "complainant"):
        given: PartyIn | None = getattr(body.parties, role)
        if given is not None:
            parties[role] = (given.name, given.foreign, _registry_party(session, given, now))
    amounts = body.amounts.model_dump(exclude_none=True) if body.amounts else {}
    extra_data = body.model_dump(mode="json", exclude_none=True, exclude={"parties"})
    if not body.public_safety:  # a version-1 create event stays as it was
        extra_data.pop("public_safety")
    if opened_from:
        extra_data.update(opened_from)
    if assigned:
        extra_data["assigned_by"] = actor.id
    row = register_case(
        session, actor, rules, prefixes, now=now, district=body.district, kind=body.kind, source=body.source,
        title=body.title, description=body.description, sector=body.sector, venue=body.venue, tags=body.tags,
        marks_count=body.marks_count, amounts={name: to_cents(v) for name, v in amounts.items()}, parties=parties,
        received_at=received_at, violation_ended_on=body.violation_ended_on, extra_data=extra_data,
        machine_version=machine_version, patent_type=body.patent_type, public_safety=body.public_safety,
        opened_from=opened_from,
    )
    if assigned:  # the district sees who assigned it (SPEC §12 交办)
        row.facts = {**row.facts, "assigned_by": actor.id}
    return case_json(session, row, actor, rules, now)


def register_case(session: Session, actor: Actor, rules: Rules, prefixes: dict[str, tuple[str, str]], *,
                  now: datetime, district: str, kind: str, source: str, title: str, description: str,
                  sector: str | None, venue: str | None, tags: list[str], marks_count: int | None,
                  amounts: dict[str, int | None], parties: dict[str, tuple[str, bool, Party]],
                  received_at: datetime, violation_ended_on=None, transferred_from: str | None = None,
                  extra_data: dict | None = None, machine_version: int = 1, patent_type: str | None = None,
                  public_safety: bool = False, discovered_at: datetime | None = None,
                  opened_from: dict[str, str] | None = None) -> Case:
    """Number, store and audit a new case (its `create` event), start its clocks, report it if major.

    Used by intake and by an accepted jurisdiction transfer; `parties` maps a role to
    (name as given, foreign, registry party). A version-2 case (SPEC §10) starts with its first
    officer (the registering officer), and the facts its limitation and court rules read.
    """
    track = track_of(kind)
    year = received_at.astimezone(CHINA_TZ).year
    seq, number = _next_number(session, district, year, prefixes[district][1])
    row = Case(
        id=str(uuid.uuid4()), number=number, district=district, year=year, seq=seq, kind=kind, track=str(track),
        state="received", version=1, machine_version=machine_version, head_hash="", source=source, title=title,
        description=description,
        sector=sector, venue=venue, tags=tags, marks_count=marks_count,
        assigned_officer=actor.id if actor.role == "officer" else None, received_at=received_at,
        violation_ended_on=violation_ended_on, transferred_from=transferred_from, created_at=now, updated_at=now,
        campaign_id=(opened_from or {}).get("campaign_id"), inspection_id=(opened_from or {}).get("inspection_id"),
        **{name: value for name, value in amounts.items() if value is not None},
    )
    links = [CaseParty(case_id=row.id, role=role, party_id=party.id, name=name, foreign=foreign)
             for role, (name, foreign, party) in parties.items()]
    row.facts = initial_facts(
        CaseSnapshot(track, kind, "received", district, received_at, machine_version=machine_version, source=source,
                     violation_ended_on=violation_ended_on, public_safety=public_safety, patent_type=patent_type,
                     discovered_at=discovered_at),
        rules, created_by=actor.id if actor.role == "officer" else None)
    row.next_bureau_due = next_due(row.facts, bureau_only=True, version=machine_version)
    row.next_due = next_due(row.facts, bureau_only=False, version=machine_version)
    data = dict(extra_data or {"kind": kind, "district": district, "source": source, "title": title,
                               "transferred_from": transferred_from})
    data["parties"] = {role: {"party_id": party.id, "name": name, "type": party.type,
                              "credit_code": party.credit_code, "foreign": foreign}
                       for role, (name, foreign, party) in parties.items()}
    data["received_at"] = received_at.isoformat()
    event = audit.new_event(session, stream_type="case", stream_id=row.id, seq=1, event="create", from_state=None,
                            to_state="received", actor=actor.id, at=now, data=data, reason=None,
                            prev_hash=audit.GENESIS)
    row.head_hash = event.hash
    session.add(row)
    session.add_all(links)
    session.flush()
    loaded = load_parties(session, row.id)
    snap = snapshot(row, *(loaded.get("respondent") or (None, None)))
    if major_case_due(snap.amounts, row.facts, rules):
        row.facts = {**row.facts, "major_case_reported": True}
        major = Opening("major_case", detail={"reason": "涉案金额达到重大案件标准"})
        ports.open_handoffs(session, row, loaded, [major], rules, actor.id, now)
        session.flush()
    return row
