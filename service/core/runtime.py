"""What one running ipcase process holds: settings, the database, and the rules read from it."""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from dataclasses import dataclass, field

import httpx
from prometheus_client import Gauge
from sqlalchemy import event, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.core import migrate
from service.core.config import Settings, get_settings
from service.core.db import Database, make_engine
from service.core.principals import ensure_admin
from service.core.reference import district_prefixes, ensure_reference_data, load_rules
from state_machines.case_machine import Rules

log = logging.getLogger("ipcase.orchestrator")

ORCHESTRATOR_UP = Gauge("ipcase_orchestrator_up",
                        "1 while Prefect's API answers this process, 0 while it does not (letters wait in the outbox)")


class OrchestratorHealth:
    """What this process knows of Prefect's API: `up`, `down` or `unknown` (not contacted yet).

    The dispatcher reports each flow run and probe; a process with no dispatcher (an API replica
    with `IPCASE_DISPATCH=worker`) probes `$PREFECT_API_URL/health` itself when asked, at most once
    per `probe_every` seconds. Only a change of state is logged: one line when Prefect goes away,
    one when it is back, however many passes fail in between.
    """

    FRESH_SECONDS = 15.0

    def __init__(self, api_url: str | None = None, probe_every: float = 5.0) -> None:
        self.api_url = api_url if api_url is not None else os.environ.get("PREFECT_API_URL") or None
        self.probe_every = probe_every
        self.state = "unknown"
        self.detail = ""
        self.since = time.time()
        self._reported_at = 0.0
        self._lock = threading.Lock()
        ORCHESTRATOR_UP.set_function(lambda: 1.0 if self.current() == "up" else 0.0)

    @property
    def mode(self) -> str:
        return "server" if self.api_url else "ephemeral"

    def report(self, up: bool, detail: str = "") -> None:
        state = "up" if up else "down"
        with self._lock:
            self._reported_at = time.monotonic()
            changed, self.state = self.state != state, state
            if changed:
                self.since, self.detail = time.time(), detail
        if changed and up:
            log.warning("orchestrator up: Prefect API %s answers; pending handoffs are delivered again",
                        self.api_url or "(ephemeral)")
        elif changed:
            log.error("orchestrator down: Prefect API %s unreachable (%s); handoffs wait in the outbox, "
                      "retrying with backoff", self.api_url or "(ephemeral)", detail)

    def probe(self, timeout: float = 2.0, max_age: float = 0.0) -> bool:
        """One `GET /health` of the Prefect server (no retries), unless a report is younger than
        `max_age` seconds; in ephemeral mode, what was last reported."""
        if not self.api_url or (max_age and time.monotonic() - self._reported_at < max_age):
            return self.state != "down"
        try:
            ok = httpx.get(self.api_url.rstrip("/") + "/health", timeout=timeout).status_code == 200
            detail = "" if ok else "health answered an error"
        except httpx.HTTPError as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        self.report(ok, detail)
        return ok

    def current(self) -> str:
        """The state, probing first if nobody has reported lately and a Prefect server is configured."""
        with self._lock:
            stale = time.monotonic() - self._reported_at > max(self.FRESH_SECONDS, self.probe_every)
        if stale and self.api_url:
            self.probe(timeout=1.0)
        return self.state

    def as_dict(self) -> dict:
        return {"orchestrator": self.current(), "orchestrator_mode": self.mode,
                "orchestrator_since": self.since}


class OutboxSignal:
    """Wakes this process's dispatcher when a transaction that leaves a handoff pending commits.

    The outbox stays the source of truth (the dispatcher also polls); this only saves the wait
    for the next poll. On PostgreSQL the same transaction also sends `NOTIFY ipcase_outbox`, so
    dispatchers of other processes (`ipcase worker`) that `LISTEN` wake as well.
    """

    CHANNEL = "ipcase_outbox"

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0

    def notify(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    @property
    def generation(self) -> int:
        return self._generation

    def wait(self, timeout: float, seen: int | None = None) -> bool:
        """Wait until a wake-up after `seen` (a `generation` read before the check) or the timeout."""
        with self._cond:
            if seen is None:
                seen = self._generation
            return self._cond.wait_for(lambda: self._generation != seen, timeout)


OUTBOX_SIGNAL = OutboxSignal()
"""One per process: the sessions of every runtime of the process feed it."""


def _pending_handoff(row: object) -> bool:
    return getattr(row, "__tablename__", None) == "handoffs" and getattr(row, "status", None) == "pending"


@event.listens_for(Session, "after_flush")
def _note_pending_handoff(session: Session, _flush_context) -> None:
    if session.info.get("ipcase_outbox_wake"):
        return
    # by table name: core may not import the handoffs domain, whose outbox this signal serves
    if any(_pending_handoff(o) for o in session.new) or any(
            _pending_handoff(o) and inspect(o).attrs.status.history.has_changes()
            for o in session.dirty):  # a new handoff, or one put back to pending (retry)
        session.info["ipcase_outbox_wake"] = True
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"NOTIFY {OutboxSignal.CHANNEL}")


@event.listens_for(Session, "after_commit")
def _wake_dispatcher(session: Session) -> None:
    if session.info.pop("ipcase_outbox_wake", False):
        OUTBOX_SIGNAL.notify()


@event.listens_for(Session, "after_rollback")
def _forget_wake(session: Session) -> None:
    session.info.pop("ipcase_outbox_wake", None)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    rules: Rules = field(default_factory=Rules)
    prefixes: dict[str, tuple[str, str]] = field(default_factory=dict)
    printed_admin_token: str | None = None
    orchestrator: OrchestratorHealth = field(default_factory=OrchestratorHealth)
    outbox_signal: OutboxSignal = field(default_factory=lambda: OUTBOX_SIGNAL)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Runtime:
        settings = settings or get_settings()
        return cls(settings=settings, db=Database(make_engine(settings.database_url, settings.db_pool_size)))

    def start(self) -> Runtime:
        """Migrate, load the default data set, create the first admin, read the rules."""
        migrate.upgrade(self.db.engine)
        for attempt in range(3):  # several API workers may start on one database at once
            try:
                with self.db.write() as session:
                    ensure_reference_data(session)
                    self.printed_admin_token = ensure_admin(session, self.settings.bootstrap_admin_token)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        with self.db.read() as session:
            self.rules = load_rules(session, self.settings)
            self.prefixes = district_prefixes(session)
        return self


def settle_heap() -> None:
    """Keep the garbage collector off start-up's objects in a serving process (not in tests).

    Measured here: a process holds about 220,000 objects once FastAPI, SQLAlchemy and Prefect
    are loaded, and one full collection over them took 220 ms, a pause every few seconds
    under load that set the p99 of events; young collections ran several times per request.
    `gc.freeze()` moves what exists now out of the collector's sight (it lives as long as the
    process anyway), and a higher first threshold collects per batch of requests, not within
    each. A frozen heap is never collected, so tests, which build many apps, do not call this.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
