"""Document numbers (SPEC §12, §10.9): per district, kind and year, from 1, never given twice, even
when many transactions take one at the same moment."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from service.core.runtime import Runtime
from service.documents import numbering
from service.documents.models import BureauDocument, DocumentCounter
from tests.helpers import Api, all_at_once, penalty_case


def _take(runtime: Runtime, district: str = "150602", kind: str = "penalty_decision", year: int = 2026) -> int:
    with runtime.db.write() as session:
        return numbering.allocate(session, district, kind, year)


def test_numbers_run_from_one_per_district_kind_and_year(runtime: Runtime) -> None:
    assert [_take(runtime) for _ in range(3)] == [1, 2, 3]
    assert _take(runtime, kind="penalty_notice") == 1
    assert _take(runtime, district="150603") == 1
    assert _take(runtime, year=2027) == 1
    assert _take(runtime) == 4


def test_the_number_reads_as_the_bureau_writes_it() -> None:
    assert numbering.document_number("150602", "penalty_decision", 2026, 12) == "东市监处罚〔2026〕12号"
    assert numbering.document_number("150600", "penalty_notice", 2026, 3) == "鄂市监罚告〔2026〕3号"
    assert numbering.document_number("150623", "filing_approval", 2027, 1) == "鄂前市监立〔2027〕1号"
    # every district of the reference data has its own prefix
    assert len({numbering.prefixes()[code] for code in numbering.prefixes()}) == len(numbering.prefixes())


def test_a_rolled_back_transaction_gives_its_number_back_and_a_committed_one_is_never_reused(runtime: Runtime) -> None:
    assert _take(runtime) == 1
    with pytest.raises(RuntimeError):
        with runtime.db.write() as session:
            assert numbering.allocate(session, "150602", "penalty_decision", 2026) == 2
            raise RuntimeError("the event failed")
    assert _take(runtime) == 2
    with runtime.db.read() as session:
        assert session.scalar(select(DocumentCounter.last).where(DocumentCounter.district == "150602")) == 2


def test_two_concurrent_allocations_get_two_numbers(runtime: Runtime) -> None:
    """The first holds its transaction open after taking a number; the second, started meanwhile,
    waits for it (PostgreSQL: the counter row's lock; SQLite: the one writer) and gets the next."""
    taken: list[int] = []
    first_has_it, second_started = threading.Event(), threading.Event()

    def first() -> None:
        with runtime.db.write() as session:
            taken.append(numbering.allocate(session, "150602", "penalty_decision", 2026))
            first_has_it.set()
            second_started.wait(5)
            session.flush()

    def second() -> None:
        first_has_it.wait(5)
        second_started.set()
        taken.append(_take(runtime))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(taken) == [1, 2]


def test_32_threads_take_32_distinct_numbers(runtime: Runtime) -> None:
    taken = all_at_once(32, lambda _: [_take(runtime) for _ in range(3)])
    assert sorted(n for three in taken for n in three) == list(range(1, 97))


def test_32_threads_recording_documents_get_32_distinct_numbers(api: Api, runtime: Runtime) -> None:
    """The event path's form: the number taken and the document inserted together (on PostgreSQL in
    one statement)."""
    case_id = api.create(api.principal("officer", "150602"), penalty_case())["id"]

    def worker(_: int) -> None:
        with runtime.db.write() as session:
            numbering.insert_numbered(session, BureauDocument.__table__, {
                "id": str(uuid.uuid4()), "case_id": case_id, "kind": "penalty_decision", "district": "150602",
                "year": 2026, "event": None, "event_seq": 1, "actor": "test", "data": {"case": {}},
                "created_at": datetime.now(UTC)})

    all_at_once(32, worker)
    with runtime.db.read() as session:
        rows = session.execute(select(BureauDocument.seq, BureauDocument.number)).all()
    assert sorted(seq for seq, _ in rows) == list(range(1, 33))
    assert {number for _, number in rows} == {f"东市监处罚〔2026〕{n}号" for n in range(1, 33)}
