"""Handoffs to partner agencies and the case's documents (SPEC §5, §6)."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from notifications.delivery import SIGNATURE_HEADER, parse_signature, signature_is_fresh, signature_is_valid
from service.cases.queries import case_documents
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.errors import Unauthorized
from service.core.models import Agency
from service.core.schemas import Strict, decode_json_body, documented
from service.handoffs import answers as service
from service.handoffs.models import Handoff
from service.handoffs.schemas import DocumentPage, HandoffOut, HandoffPage
from state_machines.errors import Forbidden
from state_machines.principals import Actor
from state_machines.vocabulary import Role

router = APIRouter(tags=["handoffs"])

Status = Literal["pending", "delivered", "answered", "closed", "failed", "expired"]


class AnswerIn(Strict):
    """Documents the answer body; it is validated by the service."""

    decision: str
    note: str | None = None
    reference: str | None = None
    until: str | None = None
    channel: Literal["partner", "paper"] | None = None
    fine: str | int | None = None
    """With `changed` (an administrative review, SPEC §10.9): the changed decision's fine (yuan)."""
    confiscation: str | int | None = None
    measures: list[str] | None = None


def _body(raw: bytes) -> dict:
    return service.validate_answer_body(decode_json_body(raw))


@router.get("/handoffs", **documented(HandoffPage))
def list_handoffs(actor: CurrentActor, session: ReadSession,
                  case_id: Annotated[str | None, Query(max_length=36)] = None,
                  agency: Annotated[str | None, Query(max_length=64)] = None,
                  status: Status | None = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict:
    return service.list_handoffs(session, actor, case_id=case_id, agency=agency, status=status, limit=limit,
                                 cursor=cursor)


@router.get("/handoffs/{handoff_id}", **documented(HandoffOut))
def get_handoff(handoff_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    h, case = service.get_visible(session, actor, handoff_id)
    return service.handoff_json(session, h, case)


_ANSWER_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema":
                                                                                 AnswerIn.model_json_schema()}}}}


@router.post("/handoffs/{handoff_id}/answer", openapi_extra=_ANSWER_DOC, **documented(HandoffOut))
async def answer(handoff_id: str, request: Request, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    body = _body(await request.body())
    channel = body.pop("channel", None) or ("paper" if actor.role is Role.supervisor else "partner")

    def run() -> dict:
        with runtime.db.write() as session:
            return service.answer(session, actor, handoff_id, body, runtime.rules, channel=channel)

    return await run_in_threadpool(run)


@router.post("/handoffs/{handoff_id}/retry", **documented(HandoffOut))
def retry(handoff_id: str, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        return service.retry(session, actor, handoff_id)


_CALLBACK_SIGNATURE = (f"a callback is signed {SIGNATURE_HEADER}: t=<unix seconds>,sha256=<hex HMAC-SHA256 of "
                       f"'<t>.<handoff id>.<raw body>'>")


def _signer(runtime, handoff_id: str) -> tuple[str | None, str | None]:
    """The agency a handoff is addressed to and its webhook secret; Nones for an unknown handoff."""
    with runtime.db.read() as session:
        h = session.get(Handoff, handoff_id)
        agency = session.get(Agency, h.agency) if h else None
    return (agency.code, (agency.channel or {}).get("secret")) if agency else (None, None)


_CALLBACK_DOC = {**_ANSWER_DOC, "parameters": [{
    "name": SIGNATURE_HEADER, "in": "header", "required": True, "description": _CALLBACK_SIGNATURE,
    "schema": {"type": "string", "pattern": "^t=[0-9]{1,12},sha256=[0-9a-f]{64}$"}}]}


@router.post("/handoffs/{handoff_id}/callback", openapi_extra=_CALLBACK_DOC, **documented(HandoffOut))
async def callback(handoff_id: str, request: Request, runtime: RuntimeDep) -> dict:
    """The partner's system answers here, signed with its shared secret like our deliveries (no token).

    The signature is checked before the body is read as JSON (SPEC §5): a malformed header, a time
    outside the window, an unknown handoff, an agency without a secret or a wrong HMAC is a 401
    and records nothing; the last three answer alike, so the answer tells nothing about which
    handoffs exist. A replay of a recorded callback answers the handoff and records nothing.
    """
    now = time.time()
    window = runtime.settings.callback_signature_tolerance_seconds
    headers = request.headers.getlist(SIGNATURE_HEADER)
    signature = parse_signature(headers[0]) if len(headers) == 1 else None
    if signature is None:
        raise Unauthorized(f"malformed or missing signature: {_CALLBACK_SIGNATURE}")
    if not signature_is_fresh(signature, now, window):
        raise Unauthorized(f"the signature's time is more than {window} seconds from now; sign each request afresh")
    raw = await request.body()
    agency, secret = await run_in_threadpool(_signer, runtime, handoff_id)
    if not secret or not signature_is_valid(secret, handoff_id, raw, signature):
        raise Unauthorized(f"the signature does not verify: {_CALLBACK_SIGNATURE}")
    body = _body(raw)
    if body.pop("channel", None) not in (None, "partner"):
        raise Forbidden("a callback answers as the agency")
    signed = service.SignedCallback(signature.hexdigest, signature.timestamp, window)
    partner = Actor(id=f"agency:{agency}", role=Role.partner, agency=agency)

    def run() -> dict:
        with runtime.db.write() as session:
            return service.answer(session, partner, handoff_id, body, runtime.rules, channel="callback",
                                  signed=signed)

    return await run_in_threadpool(run)


@router.get("/cases/{case_id}/documents", **documented(DocumentPage))
def documents(case_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    return case_documents(session, actor, case_id)
