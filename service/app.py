"""The FastAPI application: routes under /api/v1, ops endpoints at the root."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.assessment import routes as assessment
from service.assessment import service as assessment_service
from service.assistance import routes as assistance
from service.audit import routes as audit
from service.board import assessment_page, bulletins_page, case_page, duties_page, queues_page, signin
from service.board import routes as board
from service.bulletins import routes as bulletins
from service.campaigns import routes as campaigns
from service.casefile import routes as casefile
from service.cases import machine_routes as meta
from service.cases import routes as cases
from service.cases.event_writer import EventWriter, events_database
from service.core import errors
from service.core.actor_cache import ActorCache
from service.core.deps import AuthFailures
from service.core.middleware import BodyLimitAndMetrics
from service.core.runtime import Runtime
from service.credit import routes as credit
from service.deadlines import routes as inbox
from service.documents import routes as documents
from service.handoffs import routes as handoffs
from service.oversight import routes as oversight
from service.principals import routes as admin
from service.reports import calendar_routes as report_calendar
from service.reports import routes as reports

API_PREFIX = "/api/v1"


def create_app(runtime: Runtime) -> FastAPI:
    events_db = events_database(runtime.db)
    events = EventWriter(events_db, runtime.rules)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(events.stop)  # answer the events still waiting before the process ends
        if events_db is not runtime.db:
            events_db.engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="ipcase",
        version="0.1.0",
        description="知识产权行政保护案件办理 — IP enforcement cases for a city bureau and its districts.",
        # FastAPI's OpenTelemetry hooks ask the global providers (and the environment) on every
        # request; the service's metrics are Prometheus (/metrics), so they stay off.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    app.state.events = events
    app.state.actor_cache = ActorCache()
    app.state.auth_failures = AuthFailures(runtime.settings.auth_failures_per_minute)
    errors.install(app)
    for module in (cases, handoffs, assistance, reports, credit, inbox, admin, audit, meta, campaigns, documents,
                   casefile, oversight, report_calendar, bulletins, assessment):
        app.include_router(module.router, prefix=API_PREFIX)
    assessment_service.rules(runtime.settings)  # a bad assessment rules file stops the start, saying why

    app.include_router(signin.router)  # the /board paths in the order they were matched before the split
    app.include_router(board.router)
    app.include_router(case_page.router)
    app.include_router(bulletins_page.router)
    app.include_router(duties_page.router)
    app.include_router(assessment_page.router)
    app.include_router(queues_page.router)

    app.include_router(meta.ops)

    app.add_middleware(BodyLimitAndMetrics, max_body_bytes=runtime.settings.max_body_bytes,
                       api_prefix=API_PREFIX, limits=casefile.body_limits(runtime))
    return app
