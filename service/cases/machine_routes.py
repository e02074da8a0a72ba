"""The machine itself, inspectable (`GET /state-machine`), and the ops endpoints at the root
(`/healthz`, `/metrics`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from service.cases.schemas import HealthOut, StateMachineOut
from service.core.deps import CurrentActor, RuntimeDep
from service.core.schemas import ERRORS, ErrorEnvelope
from state_machines.export import as_json, as_mermaid, check_version
from state_machines.vocabulary import Track

router = APIRouter(tags=["meta"])
ops = APIRouter(tags=["ops"])


@router.get("/state-machine", response_model=None, responses={
    200: {"model": StateMachineOut, "description": "the machine's table (`format=json`), or its Mermaid text",
          "content": {"text/vnd.mermaid": {"schema": {"type": "string"}}}}, **ERRORS})
def state_machine(actor: CurrentActor, runtime: RuntimeDep, track: Track = Track.penalty,
                  format: Literal["json", "mermaid"] = "json", version: int | None = None) -> dict | PlainTextResponse:
    """Every machine version's table (SPEC §10.1); by default the one new cases get
    (`IPCASE_MACHINE_VERSION`, the latest unless configured). An unknown version is a 422."""
    version = check_version(runtime.settings.machine_version if version is None else version)
    if format == "mermaid":
        return PlainTextResponse(as_mermaid(track, version=version), media_type="text/vnd.mermaid; charset=utf-8")
    return as_json(track, version=version)


@ops.get("/healthz", response_model=None, responses={
    200: {"model": HealthOut, "description": "the database answers"},
    503: {"model": ErrorEnvelope, "description": "database_unavailable"}})
def healthz(runtime: RuntimeDep) -> JSONResponse:
    """200 while the database answers. `orchestrator` says whether Prefect's API does (`up`, `down`,
    `unknown`): a Prefect outage does not fail the check, since events are still accepted and
    letters wait in the outbox; alert on `ipcase_orchestrator_up == 0` instead."""
    with runtime.db.read() as session:
        session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok", **runtime.orchestrator.as_dict(), "dispatch": runtime.settings.dispatch})


@ops.get("/metrics", response_class=PlainTextResponse, responses={
    200: {"description": "Prometheus text exposition", "content": {"text/plain": {"schema": {"type": "string"}}}}})
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
