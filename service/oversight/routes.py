"""City oversight (SPEC §12): 交办 `POST /oversight/assignments`, 提级管辖 `POST /oversight/take-overs`,
督办 `/oversight/supervision-orders` (issue, list, read, reply, close)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query

from service.cases.schemas import CaseOut
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.middleware import EVENTS_FIRED
from service.core.schemas import documented
from service.oversight import service as oversight
from service.oversight.schemas import (
    AssignmentIn,
    CloseIn,
    OrderIn,
    OrderOut,
    OrderPage,
    ReplyIn,
    TakeOverIn,
    TakeOverOut,
)

router = APIRouter(tags=["oversight"])


@router.post("/oversight/assignments", status_code=201,
             **documented(CaseOut, 201, "the case, registered in the district (source superior, assigned_by)"))
def assign(body: AssignmentIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """交办: the city bureau (role `city`, or a supervisor of 150600) registers a case into any district
    of the city, source `superior`; the case shows `assigned_by`, and its `accept` names two `officers`
    (it has no first officer, SPEC §10.9). A district's people: 403; an unknown district: 422."""
    with runtime.db.write() as session:
        result = oversight.assign_case(session, actor, body, runtime.rules, runtime.prefixes,
                                       machine_version=runtime.settings.machine_version)
    EVENTS_FIRED.labels("create").inc()
    return result


@router.post("/oversight/take-overs", status_code=201,
             **documented(TakeOverOut, 201, "the city's new case; the district's ended transferred_out"))
def take_over(body: TakeOverIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """提级管辖: the city's team takes a district's case (machine version 2) before a decision: the
    district's case ends `transferred_out` (system event `take_over`, the reason recorded), a new case
    opens in 150600 with `transferred_from`; the original gets `transferred_to`. Open supervision
    orders on the original close. 403 not the city; 404 no case; 409 `guard_failed` the city's own or
    a version-1 case; 409 `invalid_transition` a case with the police, a court, a transfer, or decided."""
    with runtime.db.write() as session:
        return oversight.take_over(session, actor, body, runtime.rules)


@router.post("/oversight/supervision-orders", status_code=201, **documented(OrderOut, 201, "the order, open"))
def issue_order(body: OrderIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """督办: the city orders the case's district to act (`expectation`) and reply by `due` (default
    `IPCASE_SUPERVISION_REPLY_WORKDAYS`, 10 working days). The reply deadline is the district's bureau
    clock `supervision_reply`: unanswered after `due`, the deadline sweep lists it once in
    `GET /escalations` (clock `supervision_reply:<order id>`). 403 not the city; 404 no case; 409 the
    city's own case or an ended one; 422 a `due` before today or outside 1990–2100."""
    with runtime.db.write() as session:
        return oversight.issue_order(session, actor, body, runtime.rules,
                                     runtime.settings.supervision_reply_workdays)


@router.get("/oversight/supervision-orders", **documented(OrderPage))
def list_orders(actor: CurrentActor, session: ReadSession,
                state: Literal["open", "replied", "closed"] | None = None,
                district: Annotated[str | None, Query(max_length=6)] = None,
                case_id: Annotated[str | None, Query(max_length=36)] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50,
                cursor: Annotated[str | None, Query(max_length=500)] = None) -> dict:
    """The city and auditors read every order, a district's people their own district's (another
    district's: 403), newest first."""
    return oversight.list_orders(session, actor, state=state, district=district, case_id=case_id, limit=limit,
                                 cursor=cursor)


@router.get("/oversight/supervision-orders/{order_id}", **documented(OrderOut))
def get_order(order_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    """An order with its replies and reply clock; another district's order is 404, as a case is."""
    return oversight.get_order(session, actor, order_id)


@router.post("/oversight/supervision-orders/{order_id}/replies", **documented(OrderOut))
def reply(order_id: str, body: ReplyIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """The district's supervisor reports progress (once or more); the first reply meets the clock.
    404 unknown or another district's; 403 not the district's supervisor; 409 closed."""
    with runtime.db.write() as session:
        return oversight.reply(session, actor, order_id, body)


@router.post("/oversight/supervision-orders/{order_id}/close", **documented(OrderOut))
def close(order_id: str, actor: CurrentActor, runtime: RuntimeDep,
          body: Annotated[CloseIn | None, Body()] = None) -> dict:
    """The city closes the order (with an optional `conclusion`; the body itself may be left out).
    403 not the city; 409 closed already."""
    with runtime.db.write() as session:
        return oversight.close(session, actor, order_id, body)
