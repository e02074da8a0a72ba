"""Group commit for case events: one writer thread per process commits waiting events together.

Measured on this project's 2-core machine, one event per transaction spent most of its time
not in SQL but around it: a thread-pool hop per request, the GIL handed between a dozen
threads waiting on the database, and eight round trips (ping, BEGIN, lock, two UPDATEs,
INSERT, record, COMMIT), each costing client CPU in system calls. Here the requests of all
clients queue on one thread, which fires whatever has gathered in one transaction
(`cases.fire_events`: one lock statement, one record query, one INSERT of the events, one
UPDATE of the cases, one commit),
then answers each request on its event loop. Under load the batches grow by themselves; a
lone client gets a batch of one, with no waiting for company.

Nothing weaker than before is promised: every request is answered only after its transaction
committed; requests on one case apply in arrival order, each seeing the ones before; a
refusal changes nothing. If a batch fails as a whole (a deadlock with another process, a
broken constraint, a bug), it is rolled back and its requests are retried one transaction
each, so one bad request cannot take its neighbours down. A database that is gone fails the
batch's requests at once (503, retry is safe: nothing was committed).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections import deque

from prometheus_client import Histogram
from sqlalchemy.exc import DBAPIError, OperationalError

from service.cases.commands import Answer as CaseAnswer
from service.cases.commands import EventRequest, fire_events
from service.core.db import Database, make_engine
from state_machines.case_machine import Rules

log = logging.getLogger("ipcase.events")

BATCH_SIZE = Histogram("ipcase_event_batch_size", "Case events committed in one transaction",
                       buckets=(1, 2, 4, 8, 16, 32, 64))


Answer = CaseAnswer | BaseException
_Waiting = tuple[EventRequest, asyncio.Future, asyncio.AbstractEventLoop]


def _sqlstate(exc: DBAPIError) -> str:
    return getattr(exc.orig, "sqlstate", None) or ""


def _database_gone(exc: BaseException) -> bool:
    """A lost or unreachable database (retrying request by request would only wait longer), as
    opposed to a deadlock, a serialisation failure (SQLSTATE class 40) or a lock wait past
    `lock_timeout` (55P03), which concern some requests of the batch and not the others."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = _sqlstate(exc)
    return isinstance(exc, OperationalError) and not (state.startswith("40") or state == "55P03")


def _dropped_before_commit(exc: BaseException, committing: bool) -> bool:
    """A pooled connection the server had dropped (a restart), found before COMMIT was sent:
    nothing can have been committed, so the batch may run again on a fresh connection. (A
    connection idle in the pool for a while is pinged first; a busy one is not.)"""
    return not committing and isinstance(exc, DBAPIError) and exc.connection_invalidated


EVENT_LOCK_TIMEOUT_MS = 5000


def events_database(db: Database) -> Database:
    """The database the event writer uses: on PostgreSQL an engine of its own whose statements
    give up waiting for a row lock after 5 s, so one case held elsewhere (a long transaction, a
    session in psql) fails its own requests with 503 instead of stalling every event of the
    process behind it; the batch is then retried request by request. SQLite's writers already
    queue on one lock in the process, which the writer must share."""
    if db.is_sqlite:
        return db
    url = db.engine.url.render_as_string(hide_password=False)
    return Database(make_engine(url, pool_size=2, lock_timeout_ms=EVENT_LOCK_TIMEOUT_MS))


class EventWriter:
    """The process's one writer of case events; `fire` may be awaited from any event loop."""

    def __init__(self, db: Database, rules: Rules, max_batch: int = 64) -> None:
        self.db, self.rules, self.max_batch = db, rules, max_batch
        self._waiting: deque[_Waiting] = deque()
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    async def fire(self, request: EventRequest) -> dict:
        """The case after the event, once committed; raises the refusal or the database's error."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._wakeup:
            if self._thread is None or not self._thread.is_alive():  # first use: apps without a lifespan work too
                self._thread = threading.Thread(target=self._run, name="ipcase-event-writer", daemon=True)
                self._thread.start()
            self._waiting.append((request, future, loop))
            self._wakeup.notify()
        answer = await future
        return answer() if callable(answer) else answer  # rendered here, on the request's own loop

    def stop(self) -> None:
        """Answer what is waiting, then end the thread (the app's shutdown); `fire` starts a new one."""
        with self._wakeup:
            thread = self._thread
            self._stopping = thread is not None
            self._wakeup.notify()
        if thread is not None:
            thread.join(30)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._waiting and not self._stopping:
                    self._wakeup.wait()
                if not self._waiting:  # stopping, and nothing left to answer
                    self._thread, self._stopping = None, False
                    return
                batch = [self._waiting.popleft() for _ in range(min(self.max_batch, len(self._waiting)))]
            batch = [waiting for waiting in batch if not waiting[1].cancelled()]  # the client has gone
            if batch:
                self._answer(batch)

    def _answer(self, batch: list[_Waiting]) -> None:
        BATCH_SIZE.observe(len(batch))
        try:
            answers = self.commit([request for request, _, _ in batch])
        except BaseException as exc:  # never leave a request waiting forever
            log.exception("event writer failed")
            answers = [exc] * len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, Answer]]] = {}
        for (_, future, loop), answer in zip(batch, _own_exceptions(answers), strict=True):
            by_loop.setdefault(loop, []).append((future, answer))
        for loop, settled in by_loop.items():  # one wake-up per loop, not per request
            try:
                loop.call_soon_threadsafe(_settle, settled)
            except RuntimeError:  # that loop has closed: nobody is waiting any more
                pass

    def commit(self, requests: list[EventRequest], *, reconnected: bool = False) -> list[Answer]:
        """Fire the requests in one transaction; on failure, one transaction each."""
        committing = False
        try:
            with self.db.write() as session:
                answers = fire_events(session, requests, self.rules)
                session.flush()
                committing = True  # from here on, the outcome of a lost connection is unknown
            return answers
        except Exception as exc:
            if not reconnected and _dropped_before_commit(exc, committing):
                return self.commit(requests, reconnected=True)
            if len(requests) == 1 or _database_gone(exc):
                return [exc] * len(requests)
            log.warning("a batch of %d events failed (%s: %s); retrying them one by one",
                        len(requests), type(exc).__name__, exc)
            return [self.commit([request])[0] for request in requests]


def _own_exceptions(answers: list[Answer]) -> list[Answer]:
    """One exception object per request: a batch that failed as a whole answers all its requests
    with the same error, and an exception raised in several requests at once would collect
    their tracebacks into one (each request's log would show the others')."""
    seen: set[int] = set()
    own = []
    for answer in answers:
        if isinstance(answer, BaseException):
            if id(answer) in seen:
                try:
                    answer = copy.copy(answer)
                except Exception:  # an exception class that cannot be rebuilt from its args: share it
                    pass
            seen.add(id(answer))
        own.append(answer)
    return own


def _settle(settled: list[tuple[asyncio.Future, Answer]]) -> None:
    for future, answer in settled:
        if future.done():  # cancelled while its batch ran
            continue
        if isinstance(answer, BaseException):
            future.set_exception(answer)
        else:
            future.set_result(answer)

