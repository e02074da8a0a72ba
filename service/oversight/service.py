"""City oversight of the districts' cases (SPEC §12): 交办, 提级管辖, 督办.

The city here is the city bureau: principals of role `city` and the supervisors of 150600.
- 交办 (assign): the city registers a case into a district, source `superior`; the case carries
  `assigned_by` and, having no first officer, its `accept` names two `officers` (§10.9).
- 提级管辖 (take over): the city's team takes a district's case. The district's case ends
  `transferred_out` by the system event `take_over` (machine version 2; version-1 cases finish
  where they began, §10.9), and a new case opens in 150600 as a transfer opens one, linked both
  ways (`transferred_to` / `transferred_from`), so either history leads to the other.
- 督办 (supervision order): what the city expects and a reply deadline, the district's bureau
  clock `supervision_reply`; the district's supervisor replies, once or more; the deadline sweep
  escalates an order unanswered after its due date, once; the city closes it. Each order is an
  audited stream (`supervision`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assistance.service import copy_case
from service.audit import service as audit
from service.cases import ports, queries, registration
from service.cases.commands import advance
from service.cases.models import Case
from service.cases.view import case_json, load_parties
from service.core.inbox import district_names, tell_supervisors
from service.core.pagination import by_time_and_id, page
from service.oversight.models import SupervisionOrder, SupervisionReply
from service.oversight.schemas import (
    ORDER_STATE_LABELS,
    REPLY_STATUS_LABELS,
    AssignmentIn,
    CloseIn,
    OrderIn,
    ReplyIn,
    TakeOverIn,
)
from state_machines.case_machine import Rules, today_in_china
from state_machines.case_table_v2 import next_state_v2
from state_machines.errors import Forbidden, GuardFailed, InvalidData, InvalidTransition, NotFound
from state_machines.principals import DISTRICT_ROLES, Actor, is_city
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import CITY_DIVISION, FINAL_STATES, Role, Track

STREAM = "supervision"  # stream_type is at most 16 characters
CLOCK = "supervision_reply"
CLOCK_LABEL = "督办回复期限"
OPEN_STATES = ("open", "replied")


def _city_only(actor: Actor, what: str) -> None:
    if not is_city(actor):
        raise Forbidden(f"only the city bureau {what}")


# ---- 交办 ----------------------------------------------------------------------------------------

def assign_case(session: Session, actor: Actor, body: AssignmentIn, rules: Rules,
                prefixes: dict[str, tuple[str, str]], *, machine_version: int, now: datetime | None = None) -> dict:
    """交办: register the case into `body.district` for the city; the answer is the case (`assigned_by`)."""
    now = now or datetime.now(UTC)
    _city_only(actor, "assigns cases (交办)")
    case = registration.create_case(session, actor, body, rules, prefixes, now, machine_version=machine_version,
                                    assigned=True)
    tell_supervisors(session, case["district"], "city_assigned", now, case_id=case["id"], number=case["number"],
                     title=case["title"], instructions=body.instructions)
    return case


# ---- 提级管辖 -------------------------------------------------------------------------------------

def take_over(session: Session, actor: Actor, body: TakeOverIn, rules: Rules, now: datetime | None = None) -> dict:
    """提级管辖: the district's case ends `transferred_out`, the city's team continues it as a new case.

    In one transaction, in the order of SPEC §3: 403 not the city, 404 no case, 409 the city's own
    case or a version-1 case (`guard_failed`), 409 a state it cannot be taken from
    (`invalid_transition`: with the police, a court, a transfer, or decided)."""
    now = now or datetime.now(UTC)
    _city_only(actor, "takes over cases (提级管辖)")
    case = session.scalar(select(Case).where(Case.id == body.case_id).with_for_update())
    if case is None:
        raise NotFound("no such case")
    if case.district == CITY_DIVISION:
        raise GuardFailed("this is already a case of the city's team")
    if case.machine_version == 1:
        raise GuardFailed("a version-1 case finishes where it began (SPEC §10.9): it cannot be taken over")
    if next_state_v2(Track(case.track), case.state, "take_over", case.facts or {}) is None:
        raise InvalidTransition(f"a case in {case.state} cannot be taken over", allowed_events=[])
    parties = load_parties(session, case.id)
    new_case = copy_case(session, case, parties, CITY_DIVISION, actor, rules, now, extra_data={
        "kind": case.kind, "district": CITY_DIVISION, "source": "transfer", "title": case.title,
        "transferred_from": case.id, "taken_over": True, "reason": body.reason})
    case.transferred_to = new_case.id
    system = Actor(actor.id, Role.supervisor, case.district)
    # its open supervision orders close as the case ends (`close_orders_of_ended_case`)
    advance(session, case, parties, system, actor.id, "take_over", {}, body.reason, rules, now,
            recorded={"taken_over": True, "new_case_id": new_case.id})
    tell_supervisors(session, case.district, "taken_over", now, case_id=case.id, number=case.number,
                     title=case.title, reason=body.reason, new_number=new_case.number)
    session.flush()
    return {"original_case_id": case.id, "original_state": case.state,
            "case": case_json(session, new_case, actor, rules, now)}


# ---- 督办 ----------------------------------------------------------------------------------------

def _visible(actor: Actor, order: SupervisionOrder) -> bool:
    if is_city(actor) or actor.role is Role.auditor:
        return True
    return actor.role in DISTRICT_ROLES and actor.district == order.district


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(CHINA_TZ).isoformat() if at else None


def clock_status(order: SupervisionOrder, today: date) -> str:
    """`met` once replied (late or not), `ended` closed unanswered, else `running` or `overdue`."""
    if order.first_reply_at is not None:
        return "met"
    if order.state == "closed":
        return "ended"
    return "overdue" if today > order.due else "running"


def orders_json(session: Session, actor: Actor, orders: list[SupervisionOrder], *,
                now: datetime | None = None) -> list[dict]:
    """The orders as the API shows them: their cases and replies read in one query each, not per order."""
    if not orders:
        return []
    ids = [o.id for o in orders]
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_({o.case_id for o in orders})))}
    replies: dict[str, list[SupervisionReply]] = {i: [] for i in ids}
    for r in session.scalars(select(SupervisionReply).where(SupervisionReply.order_id.in_(ids))
                             .order_by(SupervisionReply.id)):
        replies[r.order_id].append(r)
    names = district_names(session)
    today = today_in_china(now or datetime.now(UTC))
    return [_order_json(actor, o, cases[o.case_id], replies[o.id], names, today) for o in orders]


def order_json(session: Session, actor: Actor, order: SupervisionOrder, *, now: datetime | None = None) -> dict:
    return orders_json(session, actor, [order], now=now)[0]


def _order_json(actor: Actor, order: SupervisionOrder, case: Case, replies: list[SupervisionReply],
                names: dict[str, str], today: date) -> dict:
    status = clock_status(order, today)
    actions = []
    if order.state != "closed":
        if actor.role is Role.supervisor and actor.district == order.district:
            actions.append("reply")
        if is_city(actor):
            actions.append("close")
    return {
        "id": order.id, "case_id": order.case_id, "case_number": case.number, "case_title": case.title,
        "district": order.district, "district_name": names.get(order.district, order.district),
        "expectation": order.expectation, "due": order.due.isoformat(), "state": order.state,
        "state_label": ORDER_STATE_LABELS[order.state],
        "clock": {"name": CLOCK, "owner": "bureau", "due": order.due.isoformat(), "status": status,
                  "label": f"{CLOCK_LABEL}（{REPLY_STATUS_LABELS[status]}）"},
        "issued_by": order.issued_by, "created_at": _iso(order.created_at), "closed_at": _iso(order.closed_at),
        "replies": [{"progress": r.progress, "actor": r.actor, "at": _iso(r.at)} for r in replies],
        "allowed_actions": actions, "version": order.version,
    }


def issue_order(session: Session, actor: Actor, body: OrderIn, rules: Rules, default_workdays: int,
                now: datetime | None = None) -> dict:
    """督办: 403 not the city, 404 no case, 409 the city's own case or an ended one, 422 a past `due`.

    The case row is locked as `take_over` locks it: an order racing a take-over (or any event that
    ends the case) waits for it and then sees the case ended, instead of opening on a case that
    closes its orders as it ends."""
    now = now or datetime.now(UTC)
    _city_only(actor, "issues supervision orders (督办)")
    case = session.scalar(select(Case).where(Case.id == body.case_id).with_for_update())
    if case is None:
        raise NotFound("no such case")
    if case.district == CITY_DIVISION:
        raise GuardFailed("督办 is the city's order to a district: this is a case of the city's own team")
    if case.state in FINAL_STATES:
        raise GuardFailed(f"the case has ended ({case.state})")
    today = today_in_china(now)
    due = body.due or rules.calendar.add_workdays(today, default_workdays)
    if due < today:
        raise InvalidData(f"due may not be before today ({today})", fields=["due"])
    order = SupervisionOrder(id=str(uuid.uuid4()), case_id=case.id, district=case.district,
                             expectation=body.expectation, due=due, state="open", issued_by=actor.id,
                             version=0, head_hash="", created_at=now, updated_at=now)
    session.add(order)
    audit.append_to_stream(session, order, STREAM, "issue", "open", actor.id, now,
                           {"case_id": case.id, "district": case.district, "expectation": body.expectation,
                            "due": due.isoformat()})
    tell_supervisors(session, case.district, "supervision_ordered", now, case_id=case.id, number=case.number,
                     title=case.title, expectation=body.expectation, due=due.isoformat())
    session.flush()
    return order_json(session, actor, order, now=now)


def close_orders_of_ended_case(session: Session, case, state: str, now: datetime) -> None:
    """A case that ends (any path to a final state) ends the district's duty to answer for it: its
    open orders close, each by an audited `close` of the system, `{"case_ended": state}`."""
    for order in session.scalars(select(SupervisionOrder).where(SupervisionOrder.case_id == case.id,
                                                                SupervisionOrder.state.in_(OPEN_STATES))
                                 .order_by(SupervisionOrder.created_at, SupervisionOrder.id).with_for_update()):
        order.closed_at = now
        audit.append_to_stream(session, order, STREAM, "close", "closed", "system", now, {"case_ended": state})


ports.provide_case_ended(close_orders_of_ended_case)


def _order(session: Session, actor: Actor, order_id: str, *, lock: bool = False) -> SupervisionOrder:
    """The order, or 404 (unknown, or another district's: its existence is not revealed)."""
    query = select(SupervisionOrder).where(SupervisionOrder.id == order_id)
    order = session.scalar(query.with_for_update() if lock else query)
    if order is None or not _visible(actor, order):
        raise NotFound("no such supervision order")
    return order


def get_order(session: Session, actor: Actor, order_id: str) -> dict:
    return order_json(session, actor, _order(session, actor, order_id))


def reply(session: Session, actor: Actor, order_id: str, body: ReplyIn, now: datetime | None = None) -> dict:
    """The district's supervisor reports progress; the first reply meets the clock (late or not)."""
    now = now or datetime.now(UTC)
    order = _order(session, actor, order_id, lock=True)
    if not (actor.role is Role.supervisor and actor.district == order.district):
        raise Forbidden("a supervision order is answered by its district's supervisor")
    if order.state == "closed":
        raise InvalidTransition("the order is closed", allowed_events=[])
    session.add(SupervisionReply(order_id=order.id, progress=body.progress, actor=actor.id, at=now))
    late = order.first_reply_at is None and today_in_china(now) > order.due
    order.first_reply_at = order.first_reply_at or now
    audit.append_to_stream(session, order, STREAM, "reply", "replied", actor.id, now,
                           {"progress": body.progress, **({"late": True} if late else {})})
    session.flush()
    return order_json(session, actor, order, now=now)


def close(session: Session, actor: Actor, order_id: str, body: CloseIn | None = None,
          now: datetime | None = None) -> dict:
    """The city closes an order, with or without a `conclusion` (no body at all is fine)."""
    now = now or datetime.now(UTC)
    order = _order(session, actor, order_id, lock=True)
    _city_only(actor, "closes supervision orders")
    if order.state == "closed":
        raise InvalidTransition("the order is closed already", allowed_events=[])
    order.closed_at = now
    audit.append_to_stream(session, order, STREAM, "close", "closed", actor.id, now,
                           {"conclusion": body.conclusion} if body and body.conclusion else {})
    session.flush()
    return order_json(session, actor, order, now=now)


def list_orders(session: Session, actor: Actor, *, state: str | None = None, district: str | None = None,
                case_id: str | None = None, limit: int = 50, cursor: str | None = None) -> dict:
    """The city and auditors: every order; a district's officers and supervisors: their district's
    (asking for another district's is 403, as `/escalations`); other roles 403."""
    if actor.role in DISTRICT_ROLES and not is_city(actor):
        if district not in (None, actor.district):
            raise Forbidden("you read your own district's supervision orders only")
        district = actor.district
    elif not (is_city(actor) or actor.role is Role.auditor):
        raise Forbidden(f"role {actor.role} does not read supervision orders")
    query = select(SupervisionOrder)
    if district:
        query = query.where(SupervisionOrder.district == district)
    if state:
        query = query.where(SupervisionOrder.state == state)
    if case_id:
        query = query.where(SupervisionOrder.case_id == case_id)
    query = by_time_and_id(query, SupervisionOrder.created_at, SupervisionOrder.id, cursor, limit, newest_first=True)
    rows, next_cursor = page(session.scalars(query), limit, lambda o: (o.created_at.isoformat(), o.id))
    return {"items": orders_json(session, actor, rows), "next_cursor": next_cursor}


def orders_for_case(session: Session, actor: Actor, case_id: str) -> list[dict]:
    """The supervision orders on a case the actor may read, oldest first (for the case page).

    404 (NotFound) when the actor may not read the case; a district reading another's case as a
    share sees no orders of that district."""
    queries.check_visible(session, actor, case_id)
    orders = session.scalars(select(SupervisionOrder).where(SupervisionOrder.case_id == case_id)
                             .order_by(SupervisionOrder.created_at, SupervisionOrder.id))
    return orders_json(session, actor, [o for o in orders if _visible(actor, o)])


def open_orders(session: Session, actor: Actor, limit: int = 200) -> list[dict]:
    """Orders not closed that the actor may read, the earliest due first (the board's 督办事项)."""
    query = select(SupervisionOrder).where(SupervisionOrder.state.in_(OPEN_STATES))
    if not (is_city(actor) or actor.role is Role.auditor):
        if actor.role not in DISTRICT_ROLES:
            return []
        query = query.where(SupervisionOrder.district == actor.district)
    return orders_json(session, actor,
                       list(session.scalars(query.order_by(SupervisionOrder.due, SupervisionOrder.id).limit(limit))))
