"""Cases: create, list, read, fire events, history (SPEC §6)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from state_machines.vocabulary import KINDS, STATES

from ... import cases as case_service
from ...schemas import CaseCreate, EventIn
from ..deps import CurrentActor, ReadSession, RuntimeDep
from ..middleware import EVENTS_FIRED

router = APIRouter(tags=["cases"])

CaseId = Annotated[str, "case id (UUID)"]


@router.post("/cases", status_code=201)
def create_case(body: CaseCreate, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        result = case_service.create_case(session, actor, body, runtime.rules, runtime.prefixes)
    EVENTS_FIRED.labels("create").inc()
    return result


@router.get("/cases")
def list_cases(
    actor: CurrentActor,
    session: ReadSession,
    runtime: RuntimeDep,
    district: Annotated[str | None, Query(max_length=6)] = None,
    state: Annotated[Literal[tuple(STATES)] | None, Query()] = None,  # type: ignore[valid-type]
    kind: Annotated[Literal[tuple(KINDS)] | None, Query()] = None,  # type: ignore[valid-type]
    overdue: bool | None = None,
    due_before: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict:
    return case_service.list_cases(session, actor, runtime.rules, district=district, state=state, kind=kind,
                                   overdue=overdue, due_before=due_before, limit=limit, cursor=cursor)


@router.get("/cases/{case_id}")
def get_case(case_id: CaseId, actor: CurrentActor, session: ReadSession, runtime: RuntimeDep,
             response: Response) -> dict:
    result = case_service.get_case(session, actor, case_id, runtime.rules)
    response.headers["ETag"] = f'"{result["version"]}"'
    return result


@router.post(
    "/cases/{case_id}/events",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": EventIn.model_json_schema()}}}},
    response_model=dict,
    responses={409: {"description": "invalid_transition, version_conflict or guard_failed"}},
)
async def fire_event(
    case_id: CaseId,
    request: Request,
    actor: CurrentActor,
    runtime: RuntimeDep,
    if_match: Annotated[str | None, Header(max_length=20)] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Fire an event; the body is checked inside, after visibility, in SPEC §3's refusal order.

    The case comes back as a ready `JSONResponse`: it is plain JSON already, and FastAPI's
    validation of a returned `dict` would walk it once more on the busiest route.
    """
    raw = await request.body()

    def run() -> dict:
        with runtime.db.write() as session:
            return case_service.fire_event(session, actor, case_id, raw, runtime.rules,
                                           if_match=if_match, idempotency_key=idempotency_key)

    result = await run_in_threadpool(run)
    EVENTS_FIRED.labels(json.loads(raw)["event"]).inc()
    return JSONResponse(result, headers={"ETag": f'"{result["version"]}"'})


@router.get("/cases/{case_id}/history")
def history(case_id: CaseId, actor: CurrentActor, session: ReadSession,
            limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
            cursor: Annotated[str | None, Query(max_length=100)] = None) -> dict:
    return case_service.history(session, actor, case_id, limit=limit, cursor=cursor)
