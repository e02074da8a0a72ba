"""The city's duties (issue 20) as board forms (issue 23), so a supervisor needs no curl: 督办 replies and
closing (the case page and the 督办事项 queue), 通报 rectification answers and acceptance (/board/bulletins).

Each form posts here, is checked for its CSRF token like every board form, and calls the very service
function the API route calls (`service.oversight.service.reply`/`close`, `service.bulletins.service.answer`/
`accept`), so the rules and the audit trail are the API's. Success: 303 back with a Chinese line; a
refusal: the page again, the refusal in Chinese beside the field, nothing recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from service.board.bulletins_page import bulletins_view
from service.board.labels import DUTY_REFUSALS
from service.board.queues_page import QUEUES, queue_view
from service.board.routes import _case_view, _csrf_ok, _field, _forged, _form, _page, _signed_in
from service.bulletins import service as bulletins
from service.bulletins.schemas import AnswerIn
from service.core.errors import STATUS
from service.oversight import service as oversight
from service.oversight.schemas import CloseIn, ReplyIn
from state_machines.errors import DomainError
from state_machines.principals import Actor

router = APIRouter(include_in_schema=False)


def _checked(model: type[BaseModel], body: dict) -> BaseModel | str:
    """The API's body model for the form, or the Chinese refusal of its one field."""
    try:
        return model.model_validate(body)
    except ValidationError:
        return DUTY_REFUSALS["validation_error"]


def _refusal(refusal: DomainError) -> tuple[int, str]:
    return STATUS.get(refusal.code, 400), DUTY_REFUSALS.get(refusal.code, "请求未被接受")


async def _order_action(request: Request, order_id: str, action: str,
                        call: Callable[[Actor, dict[str, list[str]]], object | str], field: str) -> Response:
    """Shared by reply and close: sign-in, CSRF, the service call, and back to the case or the queue."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    fields = await _form(request)
    if not _csrf_ok(request, fields):
        return _forged(request)
    order_id = order_id[:36]
    case_id = _field(fields, "case_id")[:36]
    back = f"/board/cases/{case_id}" if case_id else "/board/queues/orders"
    try:
        result = await run_in_threadpool(call, actor, fields)
        status, error = (422, result) if isinstance(result, str) else (0, "")
    except DomainError as refusal:
        status, error = _refusal(refusal)
    if not status:
        return RedirectResponse(f"{back}?ok={action}", status_code=303)
    duty = {"form": f"{order_id}:{action}", "error": error, "value": _field(fields, field)}
    if case_id:
        return _case_view(request, actor, who, case_id, status=status, duty=duty)
    if actor.role in QUEUES["orders"].roles:
        return queue_view(request, actor, who, "orders", status, duty=duty)
    return _page(request, "login", status, who=who, error=error)


@router.post("/board/supervision-orders/{order_id}/reply")
async def reply_to_order(order_id: str, request: Request) -> Response:
    """督办回复: the order's district supervisor reports progress (`oversight.reply`, as the API's
    `POST /oversight/supervision-orders/{id}/replies`)."""
    def call(actor: Actor, fields: dict[str, list[str]]) -> object:
        body = _checked(ReplyIn, {"progress": _field(fields, "progress")})
        if isinstance(body, str):
            return body
        with request.app.state.runtime.db.write() as session:
            return oversight.reply(session, actor, order_id[:36], body)
    return await _order_action(request, order_id, "reply", call, "progress")


@router.post("/board/supervision-orders/{order_id}/close")
async def close_order(order_id: str, request: Request) -> Response:
    """督办办结: the city closes the order, with an optional conclusion (`oversight.close`)."""
    def call(actor: Actor, fields: dict[str, list[str]]) -> object:
        conclusion = _field(fields, "conclusion").strip()
        body = _checked(CloseIn, {"conclusion": conclusion} if conclusion else {})
        if isinstance(body, str):
            return body
        with request.app.state.runtime.db.write() as session:
            return oversight.close(session, actor, order_id[:36], body)
    return await _order_action(request, order_id, "close", call, "conclusion")


async def _rectification_action(request: Request, bulletin_id: str, district: str, action: str) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    fields = await _form(request)
    if not _csrf_ok(request, fields):
        return _forged(request)
    bulletin_id, district = bulletin_id[:36], district[:6]
    text = _field(fields, "text")
    error = ""
    status = 0
    if action == "answer" and isinstance(body := _checked(AnswerIn, {"text": text}), str):
        status, error = 422, body
    else:
        try:
            with request.app.state.runtime.db.write() as session:
                if action == "answer":
                    bulletins.answer(session, actor, bulletin_id, district, body.text, datetime.now(UTC))
                else:
                    bulletins.accept(session, actor, bulletin_id, district, datetime.now(UTC))
        except DomainError as refusal:
            status, error = _refusal(refusal)
    if not status:
        return RedirectResponse(f"/board/bulletins?ok={action}", status_code=303)
    return bulletins_view(request, actor, who, status,
                          duty={"form": f"{bulletin_id}:{district}:{action}", "error": error, "value": text})


@router.post("/board/bulletins/{bulletin_id}/rectifications/{district}/answer")
async def answer_rectification(bulletin_id: str, district: str, request: Request) -> Response:
    """整改报告: the criticised district's supervisor reports its rectification (`bulletins.answer`)."""
    return await _rectification_action(request, bulletin_id, district, "answer")


@router.post("/board/bulletins/{bulletin_id}/rectifications/{district}/accept")
async def accept_rectification(bulletin_id: str, district: str, request: Request) -> Response:
    """整改验收: the city accepts the rectification as done (`bulletins.accept`)."""
    return await _rectification_action(request, bulletin_id, district, "accept")
