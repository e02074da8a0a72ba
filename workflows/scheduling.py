"""Running the flows: in-process for `ipcase serve`, as Prefect deployments for `ipcase worker`."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from service.core.runtime import Runtime

from . import context

log = logging.getLogger("ipcase.workflows")


def start_in_process(runtime: Runtime, interval_seconds: int, first_delay_seconds: float = 5.0,
                     first_pass: threading.Event | None = None) -> threading.Event:
    """Embedded default: a daemon thread runs `sweep_deadlines` every interval as a Prefect flow run.

    Prefect runs in its ephemeral mode here (no server). Returns the event that stops the loop;
    `first_pass`, if given, is set when the first pass has ended (well or not).
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
            finally:
                if first_pass is not None:
                    first_pass.set()

    threading.Thread(target=loop, name="ipcase-sweep", daemon=True).start()
    return stop


def start_dispatcher(runtime: Runtime, poll_seconds: float, role: str = "api") -> threading.Event | None:
    """Start the handoff dispatcher if `IPCASE_DISPATCH` gives delivery to this kind of process.

    `role` is `api` for `ipcase serve`, `worker` for `ipcase worker`. Several dispatchers may run
    at once (replicas, or `both`): the outbox leases keep them off each other's handoffs.
    """
    from .dispatcher import start_dispatcher as start

    mode = runtime.settings.dispatch
    if mode not in (role, "both"):
        log.info("handoff dispatch is left to %s processes (IPCASE_DISPATCH=%s)",
                 "worker" if mode == "worker" else "api", mode)
        return None
    return start(runtime, poll_seconds)


def serve_deployments(interval_seconds: int) -> None:
    """Production: serve the flows to a Prefect server (PREFECT_API_URL); run one per replica."""
    from prefect import serve
    from prefect.schedules import Cron

    from .sweep import report_reminders, sweep_deadlines

    serve(sweep_deadlines.to_deployment(name="sweep-deadlines", interval=timedelta(seconds=interval_seconds)),
          report_reminders.to_deployment(name="report-reminders",
                                         schedule=Cron("0 9 * * *", timezone="Asia/Shanghai")))
