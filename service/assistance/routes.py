"""Assistance requests between districts and regions (SPEC §6)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from service.assistance import service as service
from service.assistance.schemas import AssistanceOut, AssistancePage
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.schemas import Strict, decode_json_body, documented
from state_machines import assistance_machine as am
from state_machines.types import Code, ShortText, Text

router = APIRouter(tags=["assistance"])


class AssistanceCreate(Strict):
    case_id: Annotated[str, Field(max_length=36)]
    kind: Literal["investigation", "joint_enforcement", "transfer"]
    to_district: Code | None = None
    to_agency: Code | None = None
    request: Text
    operation: ShortText | None = None


class AssistanceEventIn(Strict):
    """Documents the event body; it is validated by the service in SPEC §3's refusal order."""

    event: Literal[am.EVENTS]  # type: ignore[valid-type]
    data: dict = {}
    reason: str | None = None


@router.post("/assistance-requests", status_code=201, **documented(AssistanceOut, 201))
def create(body: AssistanceCreate, actor: CurrentActor, runtime: RuntimeDep) -> dict:

    with runtime.db.write() as session:
        return service.create(session, actor, body.model_dump(), runtime.rules)


@router.get("/assistance-requests", **documented(AssistancePage))
def list_requests(actor: CurrentActor, session: ReadSession,
                  case_id: Annotated[str | None, Query(max_length=36)] = None,
                  direction: Literal["sent", "received"] | None = None,
                  state: Literal[tuple(am.STATE_LABELS)] | None = None,  # type: ignore[valid-type]
                  limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict:
    return service.list_requests(session, actor, case_id=case_id, direction=direction, state=state, limit=limit,
                                 cursor=cursor)


@router.get("/assistance-requests/{request_id}", **documented(AssistanceOut))
def get_request(request_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    return service.request_json(session, actor, service.get_visible(session, actor, request_id))


@router.post("/assistance-requests/{request_id}/events", openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": AssistanceEventIn.model_json_schema()}}}},
    **documented(AssistanceOut))
async def fire(request_id: str, request: Request, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    body = decode_json_body(await request.body())

    def run() -> dict:
        with runtime.db.write() as session:
            return service.fire(session, actor, request_id, body, runtime.rules)

    return await run_in_threadpool(run)
