"""Monthly report over a large synthetic data set on PostgreSQL (SPEC §9: 1,000,000 cases < 2 s).

Creates a fresh database, migrates it, generates N cases with `generate_series` (spread over
24 months and the nine districts, with a create event each, an accept for 60 %, a decision with a
fine for 25 %, closed for 30 %), ANALYZEs, then times 附件1 for the whole city and for one
district, and 附件2 for one district, for one month (median of 5).

    .venv/bin/python bench/report_scale.py [--cases 1000000] [--server postgresql+psycopg://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.common import drop_database, fresh_database  # noqa: E402
from service.core.config import Settings  # noqa: E402
from service.core.runtime import Runtime  # noqa: E402
from service.reports.figures import Period, case_details, monthly  # noqa: E402

GENERATE = """
INSERT INTO cases (id, number, district, year, seq, kind, track, state, version, head_hash, source, title,
                   description, sector, venue, tags, case_value, fine, confiscation, received_at, decided_at,
                   closed_at, next_bureau_due, next_due, facts, created_at, updated_at, outcome)
SELECT md5(g::text)::uuid::text,
       'BENCH〔' || g || '〕号',
       (ARRAY['150602','150603','150621','150622','150623','150624','150625','150626','150627'])[1 + g %% 9],
       2025 + (g %% 24) / 12, g,
       (ARRAY['trademark_infringement','patent_counterfeit','trademark_violation',
              'geographical_indication'])[1 + g %% 4],
       'penalty',
       CASE WHEN g %% 10 < 3 THEN 'closed' WHEN g %% 10 < 6 THEN 'filed' ELSE 'received' END,
       1, repeat('0', 64),
       (ARRAY['complaint','report','inspection','online_platform','superior'])[1 + g %% 5],
       '合成案件', '基准测试数据',
       (ARRAY['food','drug','electronics','daily_goods','other'])[1 + g %% 5],
       (ARRAY['mall','market','fair','online_platform','other'])[1 + g %% 5],
       '[]', (g %% 1000) * 100, CASE WHEN g %% 4 = 0 THEN 500000 END, CASE WHEN g %% 8 = 0 THEN 10000 END,
       t, CASE WHEN g %% 4 = 0 THEN t + interval '20 days' END,
       CASE WHEN g %% 10 < 3 THEN t + interval '40 days' END,
       CASE WHEN g %% 10 >= 3 THEN (t + interval '30 days')::date END,
       CASE WHEN g %% 10 >= 3 THEN (t + interval '30 days')::date END,
       '{}', t, t, CASE WHEN g %% 10 < 3 THEN 'penalty' END
FROM generate_series(1, %(n)s) AS g,
     LATERAL (SELECT timestamptz '2025-01-01 00:00+08' + ((g %% 24) * interval '1 month')
                     + ((g::bigint * 7919 %% 28) * interval '1 day') AS t) AS times
"""
EVENTS = """
INSERT INTO events (stream_type, stream_id, seq, event, from_state, to_state, actor, at, data, reason, prev_hash, hash)
SELECT 'case', id, 1, 'create', NULL, 'received', 'bench', received_at, '{}', NULL, repeat('0', 64), repeat('1', 64)
FROM cases;
INSERT INTO events (stream_type, stream_id, seq, event, from_state, to_state, actor, at, data, reason, prev_hash, hash)
SELECT 'case', id, 2, 'accept', 'received', 'filed', 'bench', received_at + interval '2 days', '{}', NULL,
       repeat('1', 64), repeat('2', 64) FROM cases WHERE state <> 'received';
INSERT INTO events (stream_type, stream_id, seq, event, from_state, to_state, actor, at, data, reason, prev_hash, hash)
SELECT 'case', id, 3, 'decide', 'penalty_notice', 'decided', 'bench', decided_at, '{}', NULL, repeat('2', 64),
       repeat('3', 64) FROM cases WHERE decided_at IS NOT NULL AND state <> 'received';
INSERT INTO events (stream_type, stream_id, seq, event, from_state, to_state, actor, at, data, reason, prev_hash, hash)
SELECT 'case', id, 4, 'close', 'decided', 'closed', 'bench', closed_at, '{}', NULL, repeat('3', 64), repeat('4', 64)
FROM cases WHERE closed_at IS NOT NULL;
"""


def timed(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    name = "ipcase_bench_reports"
    url = f"{args.server}/{name}"
    fresh_database(url)
    runtime = Runtime.from_settings(Settings(database_url=url, bootstrap_admin_token="bench-admin")).start()
    started = time.perf_counter()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(GENERATE, {"n": args.cases})
        conn.execute(EVENTS)
        conn.execute("ANALYZE")
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    print(f"generated {args.cases:,} cases and {events:,} events in {time.perf_counter() - started:.0f} s")
    period = Period.month("2026-03")
    with runtime.db.read() as session:
        city = timed(lambda: monthly(session, period, None))
        district = timed(lambda: monthly(session, period, "150602"))
        details = timed(lambda: case_details(session, period, "150602"), runs=3)
        rows = len(case_details(session, period, "150602")["rows"])
    print(f"附件1 city, one month: median {city * 1000:.0f} ms")
    print(f"附件1 one district, one month: median {district * 1000:.0f} ms")
    print(f"附件2 one district, one month ({rows:,} rows): median {details * 1000:.0f} ms")
    runtime.db.engine.dispose()
    drop_database(url)


if __name__ == "__main__":
    main()
