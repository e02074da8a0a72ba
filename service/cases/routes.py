"""Cases: create, list, read, fire events, history (SPEC §6)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from service.cases import queries, registration
from service.cases.commands import EventRequest
from service.cases.event_writer import EventWriter
from service.cases.schemas import CaseOut, CasePage, EventPage
from service.core.deps import CurrentActor, ReadSession, RuntimeDep, current_actor
from service.core.middleware import EVENTS_FIRED
from service.core.schemas import ERRORS, CaseCreate, ErrorEnvelope, EventIn, Sector, Venue, documented
from state_machines.errors import InvalidData
from state_machines.types import Day
from state_machines.vocabulary import KINDS, STATES_V2

router = APIRouter(tags=["cases"])

CaseId = Annotated[str, "case id (UUID)"]


@router.post("/cases", status_code=201, **documented(CaseOut, 201, "the case, created"))
def create_case(body: CaseCreate, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        result = registration.create_case(session, actor, body, runtime.rules, runtime.prefixes,
                                          machine_version=runtime.settings.machine_version)
    EVENTS_FIRED.labels("create").inc()
    return result


@router.get("/cases", **documented(CasePage))
def list_cases(
    actor: CurrentActor,
    session: ReadSession,
    runtime: RuntimeDep,
    district: Annotated[str | None, Query(max_length=6)] = None,
    state: Annotated[Literal[tuple(STATES_V2)] | None, Query()] = None,  # type: ignore[valid-type]
    kind: Annotated[Literal[tuple(KINDS)] | None, Query()] = None,  # type: ignore[valid-type]
    overdue: bool | None = None,
    due_before: Day | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    campaign: Annotated[str | None, Query(max_length=36, description="campaign id (SPEC §12)")] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=200, description="one of the case's tags")] = None,
    venue: Venue | None = None,
    sector: Sector | None = None,
    *,
    request: Request,
) -> dict:
    """Known filters narrow the list; any other query parameter is a 422 naming it (a misspelt
    filter silently ignored would answer every case)."""
    unknown = sorted(set(request.query_params) - LIST_FILTERS)
    if unknown:
        raise InvalidData(f"unknown filter {', '.join(unknown)}; known: {', '.join(sorted(LIST_FILTERS))}",
                          fields=unknown)
    return queries.list_cases(session, actor, runtime.rules, district=district, state=state, kind=kind,
                              overdue=overdue, due_before=due_before, limit=limit, cursor=cursor,
                              campaign=campaign, tag=tag, venue=venue, sector=sector)


LIST_FILTERS = frozenset({"district", "state", "kind", "overdue", "due_before", "limit", "cursor", "campaign", "tag",
                          "venue", "sector"})


@router.get("/cases/{case_id}", **documented(CaseOut))
def get_case(case_id: CaseId, actor: CurrentActor, session: ReadSession, runtime: RuntimeDep,
             response: Response) -> dict:
    result = queries.get_case(session, actor, case_id, runtime.rules)
    response.headers["ETag"] = f'"{result["version"]}"'
    return result


_EVENT_DOC = {
    "parameters": [
        {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "If-Match", "in": "header", "required": False, "description": "the case version, 3 or \"3\"",
         "schema": {"type": "string", "maxLength": 20}},
        {"name": "Idempotency-Key", "in": "header", "required": False,
         "description": "scoped to you and the case, kept 24 h", "schema": {"type": "string", "maxLength": 200}},
    ],
    "requestBody": {"required": True, "content": {"application/json": {"schema": EventIn.model_json_schema()}}},
}


@router.post(
    "/cases/{case_id}/events",
    openapi_extra=_EVENT_DOC,
    response_model=None,  # documented by `responses` only: the answer is not validated at run time
    responses={
        200: {"model": CaseOut, "description": "the case after the event"},
        **ERRORS,
        413: {"model": ErrorEnvelope, "description": "payload_too_large"},
        503: {"model": ErrorEnvelope, "description": "database_unavailable: nothing was committed; retry"},
    },
)
async def fire_event(request: Request) -> Response:
    """Fire an event; the body and headers are checked inside, in SPEC §3's refusal order.

    The busiest route reads its path, headers and body from the request itself (documented in
    `_EVENT_DOC`): FastAPI's parameter and dependency machinery cost a third of this route's
    CPU. The process's `EventWriter` commits the event together with the events of other
    requests waiting at the same moment. The case comes back as a ready `JSONResponse`: it is
    plain JSON already, and validating a returned `dict` would walk it once more.
    """
    actor = await current_actor(request, request.app.state.runtime)
    raw = await request.body()
    headers = request.headers
    writer: EventWriter = request.app.state.events
    result = await writer.fire(EventRequest(actor, request.path_params["case_id"], raw,
                                            headers.get("if-match"), headers.get("idempotency-key")))
    EVENTS_FIRED.labels(json.loads(raw)["event"]).inc()
    return JSONResponse(result, headers={"ETag": f'"{result["version"]}"'})


@router.get("/cases/{case_id}/history", **documented(EventPage))
def history(case_id: CaseId, actor: CurrentActor, session: ReadSession, runtime: RuntimeDep,
            limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
            cursor: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    """Up to 1,000 events as a ready `JSONResponse`: they are plain JSON already, and validating
    the returned `dict` would walk every event once more."""
    return JSONResponse(queries.history(session, actor, case_id, limit=limit, cursor=cursor,
                                        city_reviews_districts=runtime.rules.city_reviews_districts))
