"""Request and response shapes of city oversight (SPEC §12): 交办, 提级管辖, 督办."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from service.cases.schemas import CaseOut
from service.core.schemas import CaseCreate, Out, Page, Strict
from state_machines.types import Day, ShortText, Text

ORDER_STATES = ("open", "replied", "closed")
ORDER_STATE_LABELS = {"open": "待回复", "replied": "已回复", "closed": "已结束"}
REPLY_STATUS_LABELS = {"running": "回复期限内", "overdue": "逾期未回复", "met": "已回复", "ended": "未回复即结束"}


class AssignmentIn(CaseCreate):
    """交办: a case as `POST /cases` takes it, registered by the city into `district` (any district of
    the city); `source` is `superior` (上级交办) and may be left out."""

    source: Literal["superior"] = "superior"
    instructions: Text | None = None
    """What the city asks of the district (recorded in the case's `create` event)."""


class TakeOverIn(Strict):
    """提级管辖: the city's team takes a district's case; `reason` is recorded on both cases."""

    case_id: ShortText
    reason: Text


class TakeOverOut(Out):
    original_case_id: str
    original_state: str
    """`transferred_out`: the district's case ended, its history stays readable."""
    case: CaseOut
    """The city's case (district 150600, `transferred_from` the original)."""


class OrderIn(Strict):
    """督办: what the city expects on a district's case, and by when the district replies."""

    case_id: ShortText
    expectation: Text
    due: Day | None = None
    """The reply deadline; by default `IPCASE_SUPERVISION_REPLY_WORKDAYS` (10) working days from today."""


class ReplyIn(Strict):
    progress: Text
    """The district's progress (办理进展), by its supervisor."""


class CloseIn(Strict):
    conclusion: Text | None = None


class SupervisionReplyOut(Out):
    progress: str
    actor: str
    at: datetime


class ClockOut(Out):
    """The order's reply clock: a bureau clock of the district (SPEC §10.9: `supervision_reply`)."""

    name: Literal["supervision_reply"]
    owner: Literal["bureau"]
    due: date
    status: Literal["running", "overdue", "met", "ended"]
    label: str


class OrderOut(Out):
    id: str
    case_id: str
    case_number: str
    case_title: str
    district: str
    district_name: str
    expectation: str
    due: date
    state: Literal["open", "replied", "closed"]
    state_label: str
    clock: ClockOut
    issued_by: str
    created_at: datetime
    closed_at: datetime | None
    replies: list[SupervisionReplyOut]
    allowed_actions: list[Literal["reply", "close"]]
    version: int


class OrderPage(Page[OrderOut]):
    pass
