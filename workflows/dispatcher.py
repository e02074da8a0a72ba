"""The dispatcher loop of a process: when handoffs are due, run `dispatch_handoffs` in Prefect.

The outbox is the source of truth: the loop asks it (one indexed query) whether anything is due,
woken at commit (`OutboxSignal`, and `LISTEN ipcase_outbox` on PostgreSQL) or by the poll. While
Prefect's API is unreachable, nothing is claimed and the letters wait as `pending`; the loop
says so once (`OrchestratorHealth`: a log line per change, `/healthz`, `ipcase_orchestrator_up`)
and probes `/health` at 1, 2, 4 … seconds up to `orchestrator_backoff_max_seconds` instead of
starting a failing flow run every poll. A process killed with `kill -9` cannot end its flow run,
so every dispatcher, at start and then every minute, marks CRASHED the runs of
`dispatch_handoffs` still RUNNING long after any run may last (`crash_stale_runs`); their
handoffs' leases have run out by then and the next pass delivers them (same idempotency key).

Against Prefect's ephemeral mode (no PREFECT_API_URL: the embedded default) that first call would
start a Prefect server subprocess, seconds of both cores, in the first minute of every start,
for nothing when no letter is due. There the reconciliation waits for the first due handoff:
runs of a killed process can only matter to a process that delivers again.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from service.core.runtime import Runtime
from service.handoffs import outbox

from . import context

log = logging.getLogger("ipcase.dispatch")

RECONCILE_EVERY_SECONDS = 60.0
FIRST_BACKOFF_SECONDS = 1.0


def stale_after(runtime: Runtime) -> timedelta:
    """The age past which a RUNNING dispatcher run cannot belong to a live process."""
    settings = runtime.settings
    return timedelta(seconds=settings.dispatch_run_max_seconds + settings.delivery_lease_seconds
                     + settings.delivery_timeout_seconds)


def crash_stale_runs(older_than: timedelta, flow_name: str = "dispatch_handoffs") -> list[str]:
    """Mark CRASHED the runs of `flow_name` (and their RUNNING task runs) started before now - `older_than`."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    cutoff = datetime.now(UTC) - older_than
    running = [StateType.RUNNING]
    crashed = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=running)),
                                          start_time=FlowRunFilterStartTime(before_=cutoff)),
            limit=200)
        message = (f"ipcase: still RUNNING {older_than.total_seconds():.0f} s after its start, longer than any "
                   "dispatcher run lasts; its process was killed. Its handoffs are retaken from the outbox.")
        for run in runs:
            tasks = client.read_task_runs(task_run_filter=TaskRunFilter(
                flow_run_id=TaskRunFilterFlowRunId(any_=[run.id]),
                state=TaskRunFilterState(type=TaskRunFilterStateType(any_=running))))
            for task_run in tasks:
                client.set_task_run_state(task_run.id, Crashed(message=message), force=True)
            client.set_flow_run_state(run.id, Crashed(message=message), force=True)
            crashed.append(str(run.id))
    if crashed:
        log.warning("marked %d stale %s run(s) CRASHED: %s", len(crashed), flow_name, ", ".join(crashed))
    return crashed


def _listen_for_commits(runtime: Runtime, stop: threading.Event) -> None:
    """PostgreSQL: turn `NOTIFY ipcase_outbox` from any process into a wake-up of this one."""
    import psycopg

    url = runtime.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"LISTEN {runtime.outbox_signal.CHANNEL}")
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        runtime.outbox_signal.notify()
        except psycopg.Error:  # the database restarts: the poll covers the gap, listen again
            stop.wait(2.0)


def _remote_orchestrator() -> bool:
    """Whether Prefect's API is a server of its own (PREFECT_API_URL), not the ephemeral subprocess."""
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


class Dispatcher:
    def __init__(self, runtime: Runtime, poll_seconds: float) -> None:
        self.runtime = runtime
        self.poll_seconds = poll_seconds
        self.stop = threading.Event()
        self._backoff = 0.0
        self._next_reconcile = 0.0
        self._orchestrator_started: bool | None = None  # known at the first pass, off the caller's thread

    def start(self) -> threading.Event:
        context.use(self.runtime)
        threading.Thread(target=self._loop, name="ipcase-dispatch", daemon=True).start()
        if self.runtime.db.engine.dialect.name == "postgresql":
            threading.Thread(target=_listen_for_commits, args=(self.runtime, self.stop), name="ipcase-listen",
                             daemon=True).start()
        return self.stop

    def _back_off(self) -> None:
        cap = self.runtime.settings.orchestrator_backoff_max_seconds
        self._backoff = min(cap, self._backoff * 2 if self._backoff else FIRST_BACKOFF_SECONDS)

    def _loop(self) -> None:
        health = self.runtime.orchestrator
        while not self.stop.is_set():
            if self._backoff:
                if self.stop.wait(self._backoff):
                    return
                if not health.probe():
                    self._back_off()
                    continue
                self._backoff = 0.0
            seen = self.runtime.outbox_signal.generation
            try:
                self._pass()
            except Exception as exc:  # the outbox keeps the work; decide whose failure it was
                if health.probe():
                    log.exception("handoff dispatch failed (Prefect is up; retrying with backoff)")
                else:
                    log.debug("dispatch pass failed while Prefect is unreachable: %s", exc)
                self._back_off()
                continue
            self.runtime.outbox_signal.wait(self.poll_seconds, seen)

    def _pass(self) -> None:
        from .handoffs import dispatch_handoffs

        runtime, settings = self.runtime, self.runtime.settings
        with runtime.db.read() as session:
            due = outbox.has_due(session, datetime.now(UTC))
        if self._orchestrator_started is None:
            self._orchestrator_started = _remote_orchestrator()
        if due:
            self._orchestrator_started = True
        if self._orchestrator_started and time.monotonic() >= self._next_reconcile:
            crash_stale_runs(stale_after(runtime))
            runtime.orchestrator.report(True)
            every = min(RECONCILE_EVERY_SECONDS, max(5.0, stale_after(runtime).total_seconds() / 2))
            self._next_reconcile = time.monotonic() + every
        if due:
            dispatch_handoffs(linger_seconds=settings.dispatch_linger_seconds,
                              max_seconds=settings.dispatch_run_max_seconds)
            runtime.orchestrator.report(True)


def start_dispatcher(runtime: Runtime, poll_seconds: float) -> threading.Event:
    """Start this process's dispatcher; returns the event that stops it."""
    return Dispatcher(runtime, poll_seconds).start()
