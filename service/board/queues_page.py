"""待办队列 on the board (issue 23, SPEC §12 Workbench): each queue a filtered work list.

A reviewer's 待法制审核 (cases `in_review` of its district, awaiting `pass_review`/`return_review`);
a supervisor's 待我审批 (cases whose next decisive step is the supervisor's: accept, submit to
review, notify, decide or rule, close) and its district's 督办事项; the city's and auditors'
超期督办, 管辖争议待指定 and 督办事项. `/board/queues` lists the reader's queues with their
counts; `/board/queues/{queue}` is the queue: the work list (search, filters, pages) for the case
queues, a table linking to the case pages for the others. The scope is always the work list's
(`queries.case_filter`): a queue never shows another district's cases to a district reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from service.assistance.service import disputed_transfers
from service.board.labels import DUTY_DONE
from service.board.routes import _chinese_refusal, _work_page
from service.board.signin import _page, _signed_in
from service.cases import queries
from service.core.models import District
from service.deadlines.service import open_escalations
from service.oversight import service as oversight
from state_machines.case_table_v2 import ROW_BY_EVENT_V2
from state_machines.errors import DomainError
from state_machines.principals import OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import Role, Track

router = APIRouter(include_in_schema=False)

REVIEW_STATES = ROW_BY_EVENT_V2["pass_review"].sources  # ("in_review",): the reviewer's next step
APPROVAL_EVENTS = ("accept", "submit_review", "notify_penalty", "decide", "close")
"""The supervisor's decisive steps; `rule` (a ruling case's decision, from `filed`) is added by track."""
APPROVAL_STATES = tuple(sorted({s for e in APPROVAL_EVENTS for s in ROW_BY_EVENT_V2[e].sources}))
RULING_STATES = ROW_BY_EVENT_V2["rule"].sources


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    roles: frozenset[Role]
    note: str


QUEUES: dict[str, Queue] = {q.name: q for q in (
    Queue("review", "待法制审核", frozenset({Role.reviewer}), "已提交法制审核、等待审核通过或退回的案件"),
    Queue("approvals", "待我审批", frozenset({Role.supervisor}),
          "下一步由负责人办理的案件：受理/立案、提交法制审核、事先告知、作出决定或裁决、结案"),
    Queue("escalations", "超期督办", OVERSIGHT_ROLES, "期限已过、已上报市局的在办案件"),
    Queue("disputes", "管辖争议待指定", OVERSIGHT_ROLES, "受移送单位提出管辖争议、等待市局指定管辖的移送"),
    Queue("orders", "督办事项", OVERSIGHT_ROLES | {Role.supervisor}, "尚未结束的督办事项"),
)}
CASE_QUEUES = {"review", "approvals"}


def _condition(name: str):
    """The cases of a case queue, as a condition for the work list."""
    if name == "review":
        return queries.in_states(REVIEW_STATES)
    return queries.in_states(APPROVAL_STATES, {Track.ruling: RULING_STATES})


def _rows(session, actor: Actor, name: str) -> list[dict]:
    """The rows of a queue that is not a case list, as the city's board shows them."""
    names = dict(session.execute(select(District.code, District.name)).all())
    if name == "escalations":
        return [{**e, "district_name": names.get(e["district"], e["district"])}
                for e in open_escalations(session, None if actor.role in OVERSIGHT_ROLES else actor.district)]
    if name == "disputes":
        return [{**d, "from_name": names.get(d["from_district"], d["from_district"]),
                 "to_name": names.get(d["to_district"], d["to_district"])} for d in disputed_transfers(session)]
    return oversight.open_orders(session, actor)


def _count(session, actor: Actor, runtime, name: str) -> int:
    if name in CASE_QUEUES:
        return queries.count_open(session, actor, runtime.rules, _condition(name))
    return len(_rows(session, actor, name))


def mine(actor: Actor) -> list[Queue]:
    return [q for q in QUEUES.values() if actor.role in q.roles]


@router.get("/board/queues")
def queues_page(request: Request) -> Response:
    """The reader's queues, each with how many items it holds now."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    runtime = request.app.state.runtime
    with runtime.db.read() as session:
        shown = [{"name": q.name, "label": q.label, "note": q.note, "count": _count(session, actor, runtime, q.name)}
                 for q in mine(actor)]
    return _page(request, "queues", who=who, queues=shown)


@router.get("/board/queues/{queue}")
def queue_page(queue: str, request: Request) -> Response:
    """One queue: an unknown name is a 404, a queue the reader's role does not have a 403."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    return queue_view(request, actor, who, queue)


def queue_view(request: Request, actor: Actor, who: str, queue: str, status: int = 200, **extra: object) -> Response:
    """The queue's page; `extra` carries a refused 督办 form back to its row (service/board/duties_page.py)."""
    found = QUEUES.get(queue)
    if found is None:
        return _page(request, "login", 404, who=who, error="没有这个队列")
    if actor.role not in found.roles:
        return _page(request, "login", 403, who=who, error="您没有这个队列")
    runtime = request.app.state.runtime
    now = datetime.now(UTC)
    today = now.astimezone(CHINA_TZ).date()
    horizon = runtime.rules.calendar.add_workdays(today, runtime.rules.due_soon_workdays)
    context = {"who": who, "queue": found, "today": today, "error": None,
               "notice": DUTY_DONE.get(request.query_params.get("ok", "")), **extra}
    with runtime.db.read() as session:
        if queue in CASE_QUEUES:
            try:
                work = _work_page(session, request, actor, runtime, now, horizon, f"/board/queues/{queue}",
                                  queue=_condition(queue))
            except DomainError as refusal:
                return _page(request, "queue", 422, **{**context, "error": _chinese_refusal(refusal)}, cases=[],
                             filters={})
            return _page(request, "queue", **context, **work)
        rows = _rows(session, actor, queue)
    return _page(request, "queue", status, **context, rows=rows, orders=rows, disputes=rows, escalations=rows)
