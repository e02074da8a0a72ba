"""Document numbers (SPEC §12, §10.9): per district, kind and year, from 1, never reused.

`东市监处罚〔2026〕12号`: the issuing bureau's abbreviation, the kind's word, the year in 六角括号,
the number without leading zeros (GB/T 9704: 序号不编虚位). The counter row is bumped by one
`INSERT … ON CONFLICT DO UPDATE … RETURNING` in the issuing transaction: on PostgreSQL the
row lock serialises concurrent issuers of one district, kind and year until commit; on SQLite
the database's one writer does. A rolled-back transaction takes its number back with it, so
numbers have no gaps from failed events; a committed number is never given again.
"""

from __future__ import annotations

from functools import cache, lru_cache

from sqlalchemy import String, Table, bindparam, cast, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from service.core.config import get_settings
from service.core.reference_data import DISTRICTS
from service.documents.models import DocumentCounter
from state_machines.documents import KINDS


@lru_cache
def prefixes() -> dict[str, str]:
    """District → abbreviation: the case prefix of the reference data without its 知 (东市监知 → 东市监),
    overridden by `IPCASE_DOCUMENT_PREFIXES`."""
    defaults = {code: prefix.removesuffix("知") for code, (_, prefix) in DISTRICTS.items()}
    return {**defaults, **get_settings().document_prefixes}


@lru_cache
def words() -> dict[str, str]:
    return {**{name: kind.word for name, kind in KINDS.items()}, **get_settings().document_words}


def number_head(district: str, kind: str, year: int) -> str:
    """What precedes the number: 东市监处罚〔2026〕."""
    return f"{prefixes().get(district, district)}{words()[kind]}〔{year}〕"


def document_number(district: str, kind: str, year: int, seq: int) -> str:
    return f"{number_head(district, kind, year)}{seq}号"


@cache
def _bump(dialect: str):
    """The counter's upsert, built once per dialect (building and hashing a statement per event
    cost several times its execution)."""
    table = DocumentCounter.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .values(district=bindparam("district"), kind=bindparam("kind"), year=bindparam("year"), last=1)
        .on_conflict_do_update(index_elements=["district", "kind", "year"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def allocate(session: Session, district: str, kind: str, year: int) -> int:
    """The next number of this district, kind and year, taken in the caller's transaction."""
    return session.execute(_bump(_dialect(session)), {"district": district, "kind": kind, "year": year}).scalar_one()


@cache
def _insert_numbered_pg(table: Table):
    """`WITH counter AS (upsert … RETURNING last) INSERT INTO <table> SELECT :values…, last, :head || last || '号'`."""
    counter = _bump("postgresql").cte("counter")
    columns = [c.key for c in table.c if c.key not in ("seq", "number")]
    number = bindparam("number_head", type_=String) + cast(counter.c.last, String) + literal("号")
    source = select(*(bindparam(f"v_{k}", type_=table.c[k].type) for k in columns), counter.c.last, number)
    return table.insert().from_select([*columns, "seq", "number"], source).returning(table.c.seq, table.c.number)


@cache
def _plain_insert(table: Table):
    return table.insert()


def insert_numbered(session: Session, table: Table, values: dict) -> tuple[int, str]:
    """Take the next number and insert the row holding it (`values`: every column but `seq` and `number`).

    On PostgreSQL one statement (the counter's upsert as a data-modifying CTE feeding the INSERT),
    one round trip on the event path; on SQLite, in process, two statements cost no more."""
    district, kind, year = values["district"], values["kind"], values["year"]
    head = number_head(district, kind, year)
    if _dialect(session) != "postgresql":
        seq = allocate(session, district, kind, year)
        number = f"{head}{seq}号"
        session.execute(_plain_insert(table), {**values, "seq": seq, "number": number})
        return seq, number
    params = {f"v_{k}": v for k, v in values.items()}
    params.update(district=district, kind=kind, year=year, number_head=head)
    seq, number = session.execute(_insert_numbered_pg(table), params).one()
    return seq, number
