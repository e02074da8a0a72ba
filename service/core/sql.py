"""Small SQL helpers that differ by dialect."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def upsert_insert(session: Session):
    """The dialect's INSERT with ON CONFLICT support (PostgreSQL and SQLite ≥ 3.35 both have it)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def insert_if_absent(session: Session, model, values: dict, conflict: list[str]) -> bool:
    """Insert unless a row with the same `conflict` columns exists; True when this call inserted it.

    Two sweeps racing on one clock both try; the unique constraint lets exactly one through.
    """
    table = model.__table__
    stmt = (
        upsert_insert(session)(model).values(**values).on_conflict_do_nothing(index_elements=conflict)
        .returning(*table.primary_key.columns)  # rowcount is not reliable here across drivers
    )
    return session.execute(stmt).first() is not None
