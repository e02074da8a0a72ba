"""Assistance between districts and regions (SPEC §6): 协查, 联合执法 and 移送管辖.

A request to a district of the city lives here: its own machine, answer clock, audited stream
and letter; accepting it shares the case with the asked district (read and `add_note`) until
it completes. A request to another region's bureau travels as an `assistance` handoff; the
bureau's answer comes back through the handoff and is recorded as its reply. A `transfer`
request is opened only by the case event `transfer_jurisdiction`; accepting it gives the asked
district a new case and ends the original `transferred_out`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.letters import render_letter
from service.assistance.models import AssistanceReply, AssistanceRequest
from service.audit import service as audit
from service.cases import ports
from service.cases.models import Case, CaseParty, Document, Party
from service.cases.view import load_parties, party_json
from service.core.models import Principal
from service.core.pagination import by_time_and_id, page
from service.handoffs import answers
from service.handoffs.outbox import letter_context, open_handoffs
from state_machines import assistance_machine as am
from state_machines.case_machine import Opening, Rules, today_in_china
from state_machines.clocks_v2 import CLOCKS_V2
from state_machines.errors import Forbidden, GuardFailed, InvalidData, InvalidTransition, NotFound
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import Role

SHARING_STATES = ("accepted", "replied")
EXTENSION_WORKDAYS = 30
"""SPEC §10.8: an extension's `until` lies at most this many working days past the current due date."""


def _append(session: Session, r: AssistanceRequest, event: str, to_state: str, actor: str, now: datetime,
            data: dict | None = None, reason: str | None = None) -> None:
    audit.append_to_stream(session, r, "assistance", event, to_state, actor, now, data, reason)


def shares_case(session: Session, actor: Actor, case: Case) -> bool:
    """The asked district reads a case while its request is accepted or replied, and a transfer's
    target district reads the original it came from."""
    if actor.role not in DISTRICT_ROLES:
        return False
    shared = session.scalar(select(AssistanceRequest.id).where(
        AssistanceRequest.case_id == case.id, AssistanceRequest.to_district == actor.district,
        AssistanceRequest.state.in_(SHARING_STATES)).limit(1))
    if shared:
        return True
    if case.transferred_to:
        target = session.get(Case, case.transferred_to)
        return target is not None and target.district == actor.district
    return False


def _new_request(session: Session, case: Case, kind: str, actor_id: str, request: str, now: datetime, rules: Rules,
                 *, to_district: str | None = None, to_agency: str | None = None,
                 operation: str | None = None) -> AssistanceRequest:
    r = AssistanceRequest(
        id=str(uuid.uuid4()), case_id=case.id, kind=kind, from_district=case.district, to_district=to_district,
        to_agency=to_agency, state="requested", version=0, head_hash="", request=request, operation=operation,
        due=rules.calendar.add_workdays(today_in_china(now), rules.assistance_workdays), extended=False,
        created_by=actor_id, created_at=now, updated_at=now)
    session.add(r)
    _append(session, r, "request", "requested", actor_id, now,
            {"case_id": case.id, "kind": kind, "to_district": to_district, "to_agency": to_agency,
             "request": request, "operation": operation})
    return r


def _letter(session: Session, case: Case, r: AssistanceRequest, now: datetime) -> None:
    """The 协查函 / 联合执法邀请函 / 移送函 kept with the case's documents."""
    from service.core.models import Agency, District

    title = {"investigation": "协查函", "joint_enforcement": "联合执法邀请函", "transfer": "案件移送函"}[r.kind]
    addressee = session.get(District, r.to_district)
    agency = session.get(Agency, f"bureau-{r.to_district}") if addressee else None
    context = letter_context(session, case, load_parties(session, case.id), agency, r.id, title,
                             {"request": r.request}, now)
    session.add(Document(id=str(uuid.uuid4()), case_id=case.id, kind=f"assistance_{r.kind}", title=title,
                         html=render_letter("assistance", **context), created_at=now))


def create(session: Session, actor: Actor, body: dict, rules: Rules, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    case = session.scalar(select(Case).where(Case.id == body["case_id"]))
    if case is None or actor.role not in DISTRICT_ROLES or actor.district != case.district:
        raise NotFound("no such case")
    if body["kind"] == "transfer":
        raise InvalidData("a transfer is requested with the case event transfer_jurisdiction", fields=["kind"])
    to_district, to_agency = body.get("to_district"), body.get("to_agency")
    if (to_district is None) == (to_agency is None):
        raise InvalidData("give either to_district or to_agency", fields=["to_district", "to_agency"])
    if to_district is not None and (to_district not in rules.districts or to_district == case.district):
        raise InvalidData(f"{to_district} is not another district of the city", fields=["to_district"])
    if to_agency is not None and (rules.agencies.get(to_agency) != "bureau" or to_agency.endswith(case.district)):
        raise InvalidData(f"{to_agency} is not another region's or district's bureau", fields=["to_agency"])
    r = _new_request(session, case, body["kind"], actor.id, body["request"], now, rules, to_district=to_district,
                     to_agency=to_agency, operation=body.get("operation"))
    if to_agency is not None:
        [handoff] = open_handoffs(session, case, load_parties(session, case.id),
                                  [Opening("assistance", to_agency, {"request": body["request"]})], rules,
                                  actor.id, now)
        r.handoff_id = handoff.id
    else:
        _letter(session, case, r, now)
    session.flush()
    return request_json(session, actor, r, case)


def open_transfer(session: Session, case: Case, to_district: str, actor_id: str, now: datetime, rules: Rules) -> None:
    """Called in the transaction of `transfer_jurisdiction`: the transfer request to the target district."""
    r = _new_request(session, case, "transfer", actor_id, f"移送管辖：{case.title}", now, rules,
                     to_district=to_district)
    _letter(session, case, r, now)


def open_designation(session: Session, case: Case, actor_id: str, now: datetime, rules: Rules,
                     reason: str | None) -> None:
    """Called in the transaction of `request_designation` (SPEC §10.9): a case that came by transfer
    and whose district finds it lacks jurisdiction asks the city to designate, through the same
    decision as a disputed transfer: a transfer request, already `disputed`, that the city designates."""
    r = _new_request(session, case, "transfer", actor_id, f"报请指定管辖：{reason or case.title}", now, rules,
                     to_district=case.district)
    _append(session, r, "dispute", "disputed", actor_id, now, {"requested_by_case": True}, reason)
    _await_designation(session, case, r, rules, now)


def _side(actor: Actor, r: AssistanceRequest, version: int = 1) -> am.Side | None:
    if actor.role is Role.city and version != 1 and r.kind == "transfer":
        return am.Side.city  # version 2: the city designates a disputed transfer (SPEC §10.5)
    if actor.role not in DISTRICT_ROLES:
        return None
    if actor.district == r.to_district:
        return am.Side.asked
    if actor.district == r.from_district:
        return am.Side.asking
    return None


def _visible(actor: Actor, r: AssistanceRequest) -> bool:
    return actor.role in OVERSIGHT_ROLES or _side(actor, r) is not None


def get_visible(session: Session, actor: Actor, request_id: str, *, lock: bool = False) -> AssistanceRequest:
    query = select(AssistanceRequest).where(AssistanceRequest.id == request_id)
    r = session.scalar(query.with_for_update() if lock else query)
    if r is None or not _visible(actor, r):
        raise NotFound("no such assistance request")
    return r


def request_json(session: Session, actor: Actor, r: AssistanceRequest, case: Case | None = None) -> dict:
    case = case or session.get(Case, r.case_id)
    replies = session.scalars(select(AssistanceReply).where(AssistanceReply.request_id == r.id)
                              .order_by(AssistanceReply.id))
    parties = load_parties(session, case.id)
    version = _version(r, case)
    side = _side(actor, r, version)
    return {
        "id": r.id, "case_id": r.case_id, "kind": r.kind, "from_district": r.from_district,
        "to_district": r.to_district, "to_agency": r.to_agency, "state": r.state,
        "state_label": am.STATE_LABELS_V2[r.state], "request": r.request, "operation": r.operation,
        "due": r.due.isoformat() if r.due else None, "extended": r.extended, "handoff_id": r.handoff_id,
        "new_case_id": r.new_case_id, "version": r.version,
        "allowed_events": am.allowed_events(r.state, side, kind=r.kind, supervisor=actor.role is Role.supervisor,
                                            version=version)
        if r.to_district else ([e for e in ("complete",) if r.state == "replied" and side is am.Side.asking]),
        "case_summary": {"number": case.number, "kind": case.kind, "title": case.title,
                         "parties": {role: {k: v for k, v in party_json(cp, p).items() if k != "id_number"}
                                     for role, (cp, p) in parties.items()}},
        "replies": [{"findings": x.findings, "date": x.operation_date.isoformat() if x.operation_date else None,
                     "place": x.place, "actor": x.actor, "at": x.at.astimezone(CHINA_TZ).isoformat()}
                    for x in replies],
        "created_at": r.created_at.astimezone(CHINA_TZ).isoformat(),
    }


def list_requests(session: Session, actor: Actor, *, case_id: str | None, direction: str | None, state: str | None,
                  limit: int, cursor: str | None) -> dict:
    query = select(AssistanceRequest)
    if actor.role in DISTRICT_ROLES:
        if direction == "sent":
            query = query.where(AssistanceRequest.from_district == actor.district)
        elif direction == "received":
            query = query.where(AssistanceRequest.to_district == actor.district)
        else:
            query = query.where((AssistanceRequest.from_district == actor.district)
                                | (AssistanceRequest.to_district == actor.district))
    elif actor.role not in OVERSIGHT_ROLES:
        raise Forbidden(f"role {actor.role} does not read assistance requests")
    if case_id:
        query = query.where(AssistanceRequest.case_id == case_id)
    if state:
        query = query.where(AssistanceRequest.state == state)
    query = by_time_and_id(query, AssistanceRequest.created_at, AssistanceRequest.id, cursor, limit)
    rows, next_cursor = page(session.scalars(query), limit, lambda r: (r.created_at.isoformat(), r.id))
    return {"items": [request_json(session, actor, r) for r in rows], "next_cursor": next_cursor}


def _version(r: AssistanceRequest, case: Case) -> int:
    """A transfer is accepted or disputed and then designated (SPEC §10.5) whatever its case's machine:
    §10.9 makes designation reach version-1 cases from the upgrade on (a district may no longer
    send a transfer back). The other requests have one machine."""
    return 2 if r.kind == "transfer" else 1


def fire(session: Session, actor: Actor, request_id: str, body: object, rules: Rules,
         now: datetime | None = None) -> dict:
    """An event on a request, in SPEC §3's refusal order: 404, 422 body, 403 side, 409 state, 422 data, 409 guard."""
    from service.cases.commands import advance

    now = now or datetime.now(UTC)
    r = get_visible(session, actor, request_id, lock=True)
    if not isinstance(body, dict) or set(body) - {"event", "data", "reason"}:
        raise InvalidData("the body is {event, data?, reason?}", fields=["body"])
    event, data, reason = body.get("event"), body.get("data", {}), body.get("reason")
    version = _version(r, session.get(Case, r.case_id))
    event_data = am.EVENT_DATA if version == 1 else am.EVENT_DATA_V2
    rows = am.ROWS if version == 1 else am.ROWS_V2
    if event not in event_data or not isinstance(data, dict) or not isinstance(reason, str | None):
        raise InvalidData(f"unknown event {event!r} or malformed data", fields=["event"])
    unknown = sorted(set(data) - set(event_data[event].model_fields))
    if unknown:
        raise InvalidData(f"unknown field(s) for {event}: {', '.join(unknown)}", fields=unknown)
    side = _side(actor, r, version)
    row = next(x for x in rows if x.event == event)
    if side is not row.side or (r.kind == "transfer" and side is not am.Side.city
                                and actor.role is not Role.supervisor):
        raise Forbidden(f"{event} is for the {row.side} district" + (" (a transfer: its supervisor)"
                                                                     if r.kind == "transfer" else ""))
    allowed = am.allowed_events(r.state, side, kind=r.kind, supervisor=actor.role is Role.supervisor,
                                version=version)
    dest = am.next_state(r.state, event, version=version)
    if dest is None or event not in allowed:
        raise InvalidTransition(f"{event} is not allowed from {r.state}", allowed_events=allowed)
    try:
        parsed = event_data[event].model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'data'}: {e['msg']}" for e in exc.errors())
        raise InvalidData(f"bad data for {event}: {problems}",
                          fields=sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}) or ["data"]) from None
    if event in (am.REASON_REQUIRED if version == 1 else am.REASON_REQUIRED_V2) and not (reason and reason.strip()):
        raise InvalidData(f"{event} requires a `reason`", fields=["reason"])
    today = today_in_china(now)
    if event == "extend":
        if r.extended:
            raise GuardFailed("the answer clock was extended once already")
        if r.due is not None and today > r.due:
            raise GuardFailed("the answer clock has run out; it can be extended only before")
        due = r.due or today  # a request without an answer clock extends from today
        if parsed.until <= due:
            raise InvalidData(f"until must be later than the current due date {due}", fields=["until"])
        latest = rules.calendar.add_workdays(due, EXTENSION_WORKDAYS)
        if parsed.until > latest:  # SPEC §10.8
            raise InvalidData(f"until may be at most {EXTENSION_WORKDAYS} working days past the current due date "
                              f"{due}: {latest} at the latest", fields=["until"])
        r.due, r.extended = parsed.until, True
    elif event == "designate" and parsed.district not in rules.districts:
        raise InvalidData(f"{parsed.district} is not a district of the city", fields=["district"])
    elif event == "reply":
        session.add(AssistanceReply(request_id=r.id, findings=parsed.findings, operation_date=parsed.date,
                                    place=parsed.place, actor=actor.id, at=now))
    case = session.scalar(select(Case).where(Case.id == r.case_id).with_for_update())
    if r.kind == "transfer" and event == "accept":
        _settle_transfer(session, actor, r, case, rules, now, advance)
    elif r.kind == "transfer" and event == "designate":
        _designate(session, actor, r, case, parsed.district, rules, now, advance)
    elif r.kind == "transfer" and event == "dispute":
        if case.machine_version != 1:  # the sending case's `designation` clock (a clock of version 2, §10.9)
            advance(session, case, load_parties(session, case.id), Actor(actor.id, Role.supervisor, case.district),
                    actor.id, "transfer_disputed", {}, None, rules, now, recorded={"request_id": r.id})
        _await_designation(session, case, r, rules, now)
    _append(session, r, event, dest or r.state, actor.id, now, parsed.model_dump(mode="json", exclude_none=True),
            reason)
    session.flush()
    return request_json(session, actor, r, case)


def _settle_transfer(session: Session, actor: Actor, r: AssistanceRequest, case: Case,
                     rules: Rules, now: datetime, advance) -> None:
    """Acceptance: a new case in the asked district and the original `transferred_out`."""
    parties = load_parties(session, case.id)
    system = Actor(actor.id, Role.supervisor, case.district)
    new_case = copy_case(session, case, parties, r.to_district, actor, rules, now)
    r.new_case_id = new_case.id
    case.transferred_to = new_case.id
    advance(session, case, parties, system, actor.id, "transfer_accepted", {}, None, rules, now,
            recorded={"request_id": r.id, "new_case_id": new_case.id})


def _designate(session: Session, actor: Actor, r: AssistanceRequest, case: Case, district: str, rules: Rules,
               now: datetime, advance) -> None:
    """指定管辖 (SPEC §10.5, §10.9): the sending district gets its case back where it was; any other
    district (the disputing one included) gets the new case as an accepted transfer gives it, and
    the original ends `transferred_out` (system events on the case, actor: the city)."""
    parties = load_parties(session, case.id)
    system = Actor(actor.id, Role.supervisor, case.district)
    event = am.designation_event(district, r.from_district)
    recorded: dict = {"request_id": r.id, "designated": district}
    if event == "transfer_designated":
        new_case = copy_case(session, case, parties, district, actor, rules, now)
        r.new_case_id = new_case.id
        case.transferred_to = new_case.id
        recorded["new_case_id"] = new_case.id
    # version 1 has no designation events: its own end of a transfer says the same (§10.9)
    case_event = event if case.machine_version != 1 else am.DESIGNATION_EVENTS_V1[event]
    advance(session, case, parties, system, actor.id, case_event, {}, None, rules, now, recorded=recorded)
    if event == "transfer_designated_back":
        from service.core.inbox import tell_supervisors

        tell_supervisors(session, case.district, "transfer_designated_back", now, case_id=case.id,
                         number=case.number, title=case.title, request=r.request)


def _await_designation(session: Session, case: Case, r: AssistanceRequest, rules: Rules, now: datetime) -> None:
    """A disputed transfer waits for the city (SPEC §10.5): it is listed among the city's escalations
    until the `designation` clock's due date (10 working days where the case has no such clock,
    version 1), and the city's people are told."""
    from service.deadlines.service import escalate

    raw = (case.facts or {}).get("clocks", {}).get("designation")
    due = (date.fromisoformat(raw["due"]) if raw and raw.get("due")
           else CLOCKS_V2["designation"].period.add(rules.calendar, today_in_china(now)))
    escalate(session, case.id, case.district, "designation", due, now)
    _notify_city(session, case, now, request=r.request)


def _notify_city(session: Session, case: Case, now: datetime, **context: object) -> None:
    """A disputed transfer waits for the city (SPEC §10.5): its people are told."""
    from notifications.messages import render
    from service.core.inbox import inbox

    channel = inbox(session, now)
    for pid in session.scalars(select(Principal.id).where(Principal.role == Role.city.value)):
        channel.send(render("transfer_disputed", pid, case_id=case.id, number=case.number, title=case.title,
                            **context))


def copy_case(session: Session, case: Case, parties: dict[str, tuple[CaseParty, Party]], district: str,
              actor: Actor, rules: Rules, now: datetime, *, extra_data: dict | None = None) -> Case:
    """The case continued in `district` (a transfer accepted or designated, the city's 提级管辖): a new
    case, source `transfer`, linked by `transferred_from`; `extra_data` adds to its creation event."""
    from service.cases.registration import register_case

    prefixes = {code: ("", prefix) for code, prefix in rules.case_prefixes.items()}
    registry = {role: (cp.name, cp.foreign, party) for role, (cp, party) in parties.items()}
    return register_case(session, actor, rules, prefixes, now=now, district=district, kind=case.kind, source="transfer",
                         title=case.title, description=case.description, sector=case.sector, venue=case.venue,
                         tags=list(case.tags or []), marks_count=case.marks_count,
                         amounts={name: getattr(case, name) for name in ("case_value", "illegal_turnover",
                                                                          "illegal_gains", "direct_loss",
                                                                          "unsold_stock_value")},
                         parties=registry, received_at=now, transferred_from=case.id, extra_data=extra_data,
                         # the new case continues under the original's machine (SPEC §10.1), its
                         # limitation counted to the original's discovery (§10.9)
                         machine_version=case.machine_version, violation_ended_on=case.violation_ended_on,
                         patent_type=(case.facts or {}).get("patent_type"),
                         public_safety=bool((case.facts or {}).get("public_safety")),
                         discovered_at=case.received_at)


def record_external_reply(session: Session, handoff_id: str, note: str | None, actor_id: str, now: datetime) -> None:
    """Another region's bureau answered the `assistance` handoff: that is the request's reply."""
    r = session.scalar(select(AssistanceRequest).where(AssistanceRequest.handoff_id == handoff_id).with_for_update())
    if r is None or r.state not in ("requested", "accepted"):
        return
    session.add(AssistanceReply(request_id=r.id, findings=note or "（无文字答复）", actor=actor_id, at=now))
    _append(session, r, "reply", "replied", actor_id, now, {"findings": note or "", "handoff_id": handoff_id})


def disputed_transfers(session: Session) -> list[dict]:
    """Transfers whose receiving district disputed jurisdiction, oldest first: the city's to designate
    (SPEC §10.5), with the sending case and the `designation` clock's due date where it runs."""
    rows = session.execute(
        select(AssistanceRequest, Case).join(Case, Case.id == AssistanceRequest.case_id)
        .where(AssistanceRequest.kind == "transfer", AssistanceRequest.state == "disputed")
        .order_by(AssistanceRequest.created_at, AssistanceRequest.id).limit(200)).all()
    return [{"request_id": r.id, "case_id": case.id, "number": case.number, "title": case.title,
             "from_district": r.from_district, "to_district": r.to_district, "request": r.request,
             "due": ((case.facts or {}).get("clocks", {}).get("designation") or {}).get("due")}
            for r, case in rows]


def due_today(r: AssistanceRequest, today: date) -> bool:
    return r.due is not None and today > r.due


def _open_transfer(session: Session, case: Case, opening, actor_id: str, now: datetime, rules: Rules,
                   reason: str | None) -> None:
    open_transfer(session, case, opening.detail["to_district"], actor_id, now, rules)


def _open_designation(session: Session, case: Case, opening, actor_id: str, now: datetime, rules: Rules,
                      reason: str | None) -> None:
    open_designation(session, case, actor_id, now, rules, reason)


# what a case event opens here, and who reads a case as a share (cases may not import this module)
ports.provide_opener("transfer", _open_transfer)
ports.provide_opener("designation", _open_designation)
ports.provide_sharer(shares_case)
# and what an answered `assistance` handoff records here (handoffs may not import this module either)
answers.provide_external_reply(record_external_reply)
