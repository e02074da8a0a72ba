"""Running the flows: in-process for `ipcase serve`, as Prefect deployments for `ipcase worker`."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from service.runtime import Runtime

from . import context

log = logging.getLogger("ipcase.workflows")


def start_in_process(runtime: Runtime, interval_seconds: int, first_delay_seconds: float = 5.0) -> threading.Event:
    """Embedded default: a daemon thread runs `sweep_deadlines` every interval as a Prefect flow run.

    Prefect runs in its ephemeral mode here (no server). Returns the event that stops the loop.
    """
    stop = threading.Event()
    context.use(runtime)

    def loop() -> None:
        from .sweep import report_reminders, sweep_deadlines

        delay = first_delay_seconds
        while not stop.wait(delay):
            delay = interval_seconds
            try:
                result = sweep_deadlines()
                log.info("deadline sweep: %s", {k: v for k, v in result.items() if k != "alerts"})
                report_reminders()
            except Exception:  # the next pass retries; one bad pass must not stop the schedule
                log.exception("scheduled flows failed")

    threading.Thread(target=loop, name="ipcase-sweep", daemon=True).start()
    return stop


def start_dispatcher(runtime: Runtime, poll_seconds: float) -> threading.Event:
    """Poll the outbox (one indexed query) and run `dispatch_handoffs` only when something is due.

    Used by `ipcase serve` and `ipcase worker` alike; several dispatchers may run at once, the
    outbox leases keep them off each other's handoffs.
    """
    from datetime import UTC, datetime

    from service import outbox

    stop = threading.Event()
    context.use(runtime)

    def loop() -> None:
        from .handoffs import dispatch_handoffs

        while not stop.wait(poll_seconds):
            try:
                with runtime.db.read() as session:
                    due = outbox.has_due(session, datetime.now(UTC))
                if due:
                    dispatch_handoffs()
            except Exception:  # the outbox keeps the work; the next pass retries
                log.exception("handoff dispatch failed")

    threading.Thread(target=loop, name="ipcase-dispatch", daemon=True).start()
    return stop


def serve_deployments(interval_seconds: int) -> None:
    """Production: serve the flows to a Prefect server (PREFECT_API_URL); run one per replica."""
    from prefect import serve
    from prefect.schedules import Cron

    from .sweep import report_reminders, sweep_deadlines

    serve(sweep_deadlines.to_deployment(name="sweep-deadlines", interval=timedelta(seconds=interval_seconds)),
          report_reminders.to_deployment(name="report-reminders",
                                         schedule=Cron("0 9 * * *", timezone="Asia/Shanghai")))
