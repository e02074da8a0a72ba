"""The city's duties (issue 20) as board forms (issue 23), so a supervisor needs no curl: 督办 replies and
closing (the case page and the 督办事项 queue), 通报 rectification answers and acceptance (/board/bulletins),
and the district's 报送 (month's figures, the year's action plan with its contacts, summaries) on /board.

Each form posts here, is checked for its CSRF token like every board form, and calls the very service
function the API route calls (`service.oversight.service.reply`/`close`, `service.bulletins.service.answer`/
`accept`; for 报送 the API's route functions themselves, whose bodies hold the rules), so the rules and the
audit trail are the API's. Success: 303 back with a Chinese line; a
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
from service.board.case_page import _case_view
from service.board.forms import ascii_digits
from service.board.labels import DUTY_REFUSALS, REPORT_FIELDS
from service.board.queues_page import QUEUES, queue_view
from service.board.routes import board_view
from service.board.signin import _field, _page, _signed_form
from service.bulletins import service as bulletins
from service.bulletins.schemas import AnswerIn
from service.core.errors import STATUS
from service.oversight import service as oversight
from service.oversight.schemas import CloseIn, ReplyIn
from service.reports import calendar_routes, summaries
from service.reports import routes as report_routes
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
    signed = await _signed_form(request)
    if isinstance(signed, Response):
        return signed
    actor, who, fields = signed
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
    signed = await _signed_form(request)
    if isinstance(signed, Response):
        return signed
    actor, who, fields = signed
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


# --- 报送 (the district's reporting section of /board) ---------------------------------------------

def _number(text: str) -> int | str:
    text = text.strip()
    return int(text) if ascii_digits(text) else text


def _contact(fields: dict[str, list[str]], who: str) -> dict[str, str]:
    return {key: _field(fields, f"{who}_{key}").strip() for key in ("name", "post", "phone", "email")}


def _monthly(fields: dict[str, list[str]]) -> tuple[type[BaseModel], dict, Callable]:
    reason = _field(fields, "reason").strip()
    body = {"month": _field(fields, "month").strip(), **({"reason": reason} if reason else {})}
    return report_routes.SubmissionIn, body, report_routes.submit


def _plan(fields: dict[str, list[str]]) -> tuple[type[BaseModel], dict, Callable]:
    body = {"year": _number(_field(fields, "year")), "plan": _field(fields, "plan").strip(),
            "responsible": _contact(fields, "responsible"), "liaison": _contact(fields, "liaison")}
    return calendar_routes.ActionPlanIn, body, calendar_routes.submit_action_plan


def _summary(fields: dict[str, list[str]]) -> tuple[type[BaseModel], dict, Callable]:
    body = {"year": _number(_field(fields, "year")), "period": _field(fields, "period"),
            **{key: _field(fields, key).strip() for key in summaries.SECTIONS}}
    return calendar_routes.SummaryIn, body, calendar_routes.submit_summary


REPORT_FORMS = {"monthly": _monthly, "plan": _plan, "summary": _summary}


async def _report_action(request: Request, form: str) -> Response:
    """Sign-in, CSRF, the API's body model, then the API's own function; back to /board or the refusal."""
    signed = await _signed_form(request)
    if isinstance(signed, Response):
        return signed
    actor, who, fields = signed
    model, body, call = REPORT_FORMS[form](fields)
    errors: dict[str, str] = {}
    try:
        checked = model.model_validate(body)
    except ValidationError as exc:
        errors = {"_".join(str(p) for p in e["loc"][:2]): DUTY_REFUSALS["validation_error"].split("（")[0]
                  for e in exc.errors()}
        status, error = 422, "填写有误，请检查标出的项目"
    else:
        try:
            await run_in_threadpool(call, checked, actor, request.app.state.runtime)
            return RedirectResponse(f"/board?ok={form}", status_code=303)
        except DomainError as refusal:
            status, error = _refusal(refusal)
            errors = {str(f).replace(".", "_"): "此项有误" for f in refusal.extra.get("fields") or []}
    values = {name: _field(fields, name) for name in REPORT_FIELDS}
    return board_view(request, actor, who, status,
                      report_duty={"form": form, "error": error, "errors": errors, "values": values})


@router.post("/board/reports/monthly")
async def confirm_month(request: Request) -> Response:
    """月度报送: the district supervisor confirms a month's figures (the API's
    `POST /reports/monthly/submissions`, its very function: frozen snapshot, audited, corrections versioned)."""
    return await _report_action(request, "monthly")


@router.post("/board/reports/action-plan")
async def submit_action_plan(request: Request) -> Response:
    """年度行动方案及责任人、联络员 (`POST /reports/action-plans`' function; no file attachment here)."""
    return await _report_action(request, "plan")


@router.post("/board/reports/summary")
async def submit_summary(request: Request) -> Response:
    """阶段性/全年工作总结 (`POST /reports/summaries`' function: the sections and the frozen figures)."""
    return await _report_action(request, "summary")
