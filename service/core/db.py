"""Engine and transactions for SQLite (embedded default) and PostgreSQL (production).

A write transaction must hold the case from read to commit. PostgreSQL gets that from
`SELECT … FOR UPDATE`; SQLite has no row locks, so write transactions start with
`BEGIN IMMEDIATE`, which takes the database's write lock up front and makes the
read-decide-append sequence atomic there too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and returned timezone-aware on both databases.

    SQLite keeps no offset, so values are normalised to naive UTC on the way in; the audit
    hash reads them back and must see exactly what was hashed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to UTCDateTime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, pool_size: int = 10, lock_timeout_ms: int | None = None) -> Engine:
    """`lock_timeout_ms` (PostgreSQL): a statement waiting longer than this for a row lock fails
    (SQLSTATE 55P03) instead of waiting for ever."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            immediate = conn.get_execution_options().get("sqlite_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    connect_args = {"options": f"-c lock_timeout={lock_timeout_ms}"} if lock_timeout_ms else {}
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, connect_args=connect_args)
    _guard_checkouts(engine, PING_AFTER_IDLE_SECONDS)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0

_LOST_AT: dict[tuple[str | None, int | None], float] = {}
"""Per server (host, port): when a connection to it was last found lost (time.monotonic()).

Shared by every engine of the process on that server (the API's and the event writer's): a
restart that one of them notices retires the other's older connections as well."""


def _guard_checkouts(engine: Engine, idle_seconds: float) -> None:
    """Pre-ping only connections that sat idle in the pool, and retire every connection opened
    before the server was last found lost.

    SQLAlchemy's `pool_pre_ping` pings at every checkout: a round trip and two autocommit
    switches per transaction (15 % of a simple read's CPU here, py-spy). Without it, a busy
    connection the server dropped fails its statement; that request gets 503 (retry is safe),
    and the loss is recorded for the server, so that the pools of this process replace all
    their older connections on checkout instead of failing one request each. (A failed ping
    records it too.) The replaced connections are closed by the pool, not left to the GC.
    """
    server = (engine.url.host, engine.url.port)

    def lost() -> None:
        _LOST_AT[server] = time.monotonic()

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection, record) -> None:
        record.info["opened_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "handle_error")
    def _failed(context) -> None:
        if context.is_disconnect:
            lost()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        if record.info.get("opened_at", 0.0) < _LOST_AT.get(server, 0.0):
            raise DisconnectionError("opened before the server was lost")  # the pool reconnects
        if time.monotonic() - record.info.get("idle_since", 0.0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            lost()
            raise DisconnectionError("the connection did not answer a ping") from exc


class Database:
    """Sessions for reads and for writes; `write()` holds the lock the writer needs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._reader = sessionmaker(engine, expire_on_commit=False)
        writer_engine = engine.execution_options(sqlite_write=True) if self.is_sqlite else engine
        self._writer = sessionmaker(writer_engine, expire_on_commit=False)
        self._sqlite_writers = threading.RLock() if self.is_sqlite else nullcontext()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any exception.

        On SQLite the writers of this process queue on a lock first: SQLite's own busy handler
        makes a waiting writer sleep in growing steps (up to 100 ms), which turned concurrent
        events into second-long tails; a lock hands the database over as soon as it is free.
        """
        with self._sqlite_writers, self._writer() as session, session.begin():
            yield session
