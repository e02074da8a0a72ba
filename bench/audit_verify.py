"""Audit verify over a large hash-chained log on PostgreSQL (SPEC §9: 1,000,000 events < 30 s).

Creates a fresh database, migrates it, writes N cases with M events each whose hash chains are
real (computed with `service.audit.event_hash`, loaded with COPY), then times
`service.audit.verify` — the function behind `GET /audit/verify` and `ipcase audit verify` —
over the whole log (median of 3), and checks that it names a tampered event.

    .venv/bin/python bench/audit_verify.py [--events 1000000] [--per-case 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.common import drop_database, fresh_database  # noqa: E402
from service.audit.service import GENESIS, event_hash, verify  # noqa: E402
from service.core.config import Settings  # noqa: E402
from service.core.runtime import Runtime  # noqa: E402

EVENT_COLUMNS = "stream_type, stream_id, seq, event, from_state, to_state, actor, at, data, reason, prev_hash, hash"
CASE_COLUMNS = ("id, number, district, year, seq, kind, track, state, version, head_hash, source, title, "
                "description, tags, received_at, facts, created_at, updated_at")


def load(url: str, events: int, per_case: int) -> None:
    start = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        heads = []
        with cur.copy(f"COPY events ({EVENT_COLUMNS}) FROM STDIN") as copy:
            for n in range(events // per_case):
                case_id = str(uuid.UUID(int=n + 1))
                prev, at = GENESIS, start + timedelta(minutes=n)
                for seq in range(1, per_case + 1):
                    event, from_state = ("create", None) if seq == 1 else ("add_note", "received")
                    data = {"text": f"第{seq}条记录"}
                    moment = at + timedelta(hours=seq)
                    digest = event_hash(stream_type="case", stream_id=case_id, seq=seq, event=event,
                                        from_state=from_state, to_state="received", actor="bench", at=moment,
                                        data=data, reason=None, prev_hash=prev)
                    copy.write_row(("case", case_id, seq, event, from_state, "received", "bench", moment,
                                    Jsonb(data), None, prev, digest))
                    prev = digest
                heads.append((case_id, n, prev, at))
        with cur.copy(f"COPY cases ({CASE_COLUMNS}) FROM STDIN") as copy:
            for case_id, n, head, at in heads:
                copy.write_row((case_id, f"BENCH〔2025〕{n}号", "150602", 2025, n + 1, "trademark_infringement",
                                "penalty", "received", per_case, head, "complaint", "合成案件", "基准测试数据",
                                Jsonb([]), at, Jsonb({}), at, at))
        cur.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-case", type=int, default=10)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="leave the database for profiling")
    parser.add_argument("--name", default="ipcase_bench_audit")
    args = parser.parse_args()
    name = args.name
    url = f"{args.server}/{name}"
    fresh_database(url)
    runtime = Runtime.from_settings(Settings(database_url=url, bootstrap_admin_token="bench-admin")).start()
    started = time.perf_counter()
    load(url.replace("+psycopg", ""), args.events, args.per_case)
    print(f"wrote {args.events:,} chained events in {time.perf_counter() - started:.0f} s")
    times = []
    for _ in range(3):
        with runtime.db.read() as session:
            began = time.perf_counter()
            result = verify(session)
            times.append(time.perf_counter() - began)
        assert result.ok and result.events_checked >= args.events, result.as_dict()
    print(f"verify {result.events_checked:,} events: median {statistics.median(times):.1f} s "
          f"({', '.join(f'{t:.1f}' for t in times)})")
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("ALTER TABLE events DISABLE TRIGGER ALL")
        conn.execute("UPDATE events SET data = '{\"text\": \"改\"}' WHERE stream_id = %s AND seq = 5",
                     (str(uuid.UUID(int=args.events // args.per_case // 2)),))
    with runtime.db.read() as session:
        began = time.perf_counter()
        tampered = verify(session).as_dict()
    print(f"after editing one event in the middle: {tampered['first_bad']} in {time.perf_counter() - began:.1f} s")
    runtime.db.engine.dispose()
    if not args.keep:
        drop_database(url)


if __name__ == "__main__":
    main()
