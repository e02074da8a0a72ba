"""What one running ipcase process holds: settings, the database, and the rules read from it."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from state_machines.case_machine import Rules

from . import migrate
from .config import Settings, get_settings
from .db import Database, make_engine
from .principals import ensure_admin
from .reference import district_prefixes, ensure_reference_data, load_rules


@dataclass
class Runtime:
    settings: Settings
    db: Database
    rules: Rules = field(default_factory=Rules)
    prefixes: dict[str, tuple[str, str]] = field(default_factory=dict)
    printed_admin_token: str | None = None

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
