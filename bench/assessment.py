"""督导考核 over a large synthetic data set on PostgreSQL (issue 20: 1,000,000 cases < 5 s).

Creates a fresh database, migrates it, generates N cases with `generate_series`, received over the
five years to 2025 (`--years 1`: all in 2025, the worst case, where the clock pass reads every
case's clocks), the earlier years' nearly all closed, spread over the nine districts, each with
three clocks in its facts (two of the bureau's, one of the party's) met on time, met late or still
running; escalations for 2 % of them; a review round of scored files; twelve monthly submissions a
district. ANALYZEs, then times the assessment of every district for 2025 through the service
function the route calls, and the bi-monthly bulletin's figures (median of 5 each).

    .venv/bin/python bench/assessment.py [--cases 1000000] [--years 5] [--server postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.common import drop_database, fresh_database  # noqa: E402
from service.assessment.service import assessment  # noqa: E402
from service.core.config import Settings  # noqa: E402
from service.core.runtime import Runtime  # noqa: E402
from service.reports import figures  # noqa: E402
from state_machines.principals import Actor  # noqa: E402
from state_machines.vocabulary import Role  # noqa: E402

DISTRICTS = "ARRAY['150602','150603','150621','150622','150623','150624','150625','150626','150627']"
CLOCK = """json_build_object('started', %(start)s, 'due', %(due)s, 'status', %(status)s, 'steps_used', 0,
                             'paused_on', NULL, 'pauses', '[]'::json, 'estimated_start', false,
                             'ended_on', %(ended)s)"""
GENERATE = f"""
INSERT INTO cases (id, number, district, year, seq, kind, track, state, version, head_hash, source, title,
                   description, sector, venue, tags, case_value, fine, received_at, decided_at, closed_at,
                   next_bureau_due, next_due, facts, created_at, updated_at, outcome)
SELECT md5(g::text)::uuid::text, 'BENCH〔' || g || '〕号', ({DISTRICTS})[1 + g %% 9], extract(year FROM d0)::int, g,
       (ARRAY['trademark_infringement','patent_counterfeit','trademark_violation',
              'geographical_indication'])[1 + g %% 4],
       'penalty', CASE WHEN closed THEN 'closed' WHEN g %% 10 < 6 THEN 'filed' ELSE 'received' END,
       1, repeat('0', 64), (ARRAY['complaint','report','inspection','online_platform','superior'])[1 + g %% 5],
       '合成案件', '基准测试数据', (ARRAY['food','drug','electronics','daily_goods','other'])[1 + g %% 5],
       (ARRAY['mall','market','fair','online_platform','other'])[1 + g %% 5], '[]', (g %% 1000) * 100,
       CASE WHEN g %% 4 = 0 THEN 500000 END, t, CASE WHEN g %% 4 = 0 THEN t + interval '20 days' END,
       CASE WHEN closed THEN t + interval '40 days' END,
       (t + interval '90 days')::date, (t + interval '15 days')::date,
       json_build_object('clocks', json_build_object(
           'filing_decision', {CLOCK % {"start": "d0::text", "due": "(d0 + 15)::text", "status": "'met'",
                                        "ended": "(d0 + (g %% 20))::text"}},
           'case_closing', {CLOCK % {"start": "(d0 + 3)::text", "due": "(d0 + 90)::text",
                                     "status": "CASE WHEN closed THEN 'met' ELSE 'running' END",
                                     "ended": "CASE WHEN closed THEN (d0 + 40)::text END"}},
           'statement', {CLOCK % {"start": "(d0 + 5)::text", "due": "(d0 + 10)::text", "status": "'met'",
                                  "ended": "(d0 + 8)::text"}}),
         'violation_ended_on', d0::text, 'public_safety', false, 'respondent_type', 'organisation'),
       t, t, CASE WHEN closed THEN 'penalty' END
FROM generate_series(1, %(n)s) AS g,
     LATERAL (SELECT timestamptz '2025-01-01 00:00+08' - %(before)s * interval '1 day'
                     + ((g::bigint * 7919 %% %(days)s) * interval '1 day') AS t) AS times,
     LATERAL (SELECT (t AT TIME ZONE 'Asia/Shanghai')::date AS d0) AS days,
     -- the earlier years' cases are nearly all closed; three in ten of the assessed year's
     LATERAL (SELECT (d0 < date '2025-01-01' AND g %% 20 <> 0) OR g %% 10 < 3 AS closed) AS ends
"""
EXTRAS = f"""
INSERT INTO escalations (id, case_id, district, clock, due, created_at)
SELECT md5('e' || id)::uuid::text, id, district, 'case_closing', next_bureau_due, received_at + interval '91 days'
FROM cases WHERE seq % 50 = 0 AND next_bureau_due <= date '2025-12-31';
INSERT INTO case_file_review_rounds (id, title, period_from, period_to, districts, checklist, rectify_due, state,
                                     created_by, created_at, updated_at, version, head_hash)
VALUES ('bench-round', '2025年度案卷评查', '2025-01-01', '2025-12-31', to_json({DISTRICTS}), '[]', '2025-12-15',
        'closed', 'bench', now(), now(), 0, NULL);
INSERT INTO case_file_reviews (round_id, case_id, district, deductions, score, reviewed_by, reviewed_at,
                                      rectification, rectified_at)
SELECT 'bench-round', id, district,
       json_build_array(json_build_object('item', 'evidence', 'points', 20 - seq % 21, 'comment', '证据不足')),
       80 + seq % 21, 'bench', now(),
       CASE WHEN seq % 3 > 0 THEN '已整改' END, CASE WHEN seq % 3 > 0 THEN timestamptz '2025-12-10 10:00+08' END
FROM cases WHERE state = 'closed' AND seq % 1000 < 9 AND seq <= 20000;
INSERT INTO report_submissions (id, district, month, snapshot, submitted_by, submitted_at, version, head_hash)
SELECT md5(d || m)::uuid::text, d, '2025-' || lpad(m::text, 2, '0'), '{{}}', 'bench',
       make_timestamptz(2025 + m / 12, m % 12 + 1, 10 + (m * d::int) % 15, 10, 0, 0, 'Asia/Shanghai'), 1, ''
FROM unnest({DISTRICTS}) AS d, generate_series(1, 12) AS m;
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--years", type=int, default=5, help="received over this many years ending with 2025")
    args = parser.parse_args()
    url = f"{args.server}/ipcase_bench_assessment"
    fresh_database(url)
    settings = Settings(database_url=url, bootstrap_admin_token="bench-admin")
    runtime = Runtime.from_settings(settings).start()
    try:
        started = time.perf_counter()
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(GENERATE, {"n": args.cases, "before": 365 * (args.years - 1), "days": 365 * args.years - 35})
            conn.execute(EXTRAS)
            conn.execute("ANALYZE")
            scope = conn.execute("SELECT count(*) FROM cases WHERE received_at < '2026-01-01 00:00+08' AND "
                                 "(closed_at IS NULL OR closed_at >= '2025-01-01 00:00+08')").fetchone()[0]
        print(f"generated {args.cases:,} cases over {args.years} years in {time.perf_counter() - started:.0f} s; "
              f"{scope:,} open at some time in 2025 (the clock pass reads their clocks)")
        city = Actor("bench", Role.city)
        times = []
        with runtime.db.read() as session:
            for _ in range(args.runs):
                began = time.perf_counter()
                report = assessment(session, city, settings, 2025)
                times.append(time.perf_counter() - began)
        top = report["districts"][0]
        print(f"assessment of {len(report['districts'])} districts, {args.cases:,} cases: "
              f"median {statistics.median(times) * 1000:.0f} ms (runs: {', '.join(f'{t:.2f}' for t in times)} s); "
              f"first {top['district_name']} {top['total']}")
        bulletin_times = []
        with runtime.db.read() as session:
            for _ in range(args.runs):  # the bi-monthly bulletin (通报), as issuing one freezes it
                began = time.perf_counter()
                figures.bulletin(session, figures.Period(date(2025, 9, 1), date(2025, 10, 31)))
                bulletin_times.append(time.perf_counter() - began)
        print(f"bulletin (2025-09/10, every district side by side), {args.cases:,} cases: "
              f"median {statistics.median(bulletin_times) * 1000:.0f} ms "
              f"(runs: {', '.join(f'{t:.2f}' for t in bulletin_times)} s)")
    finally:
        runtime.db.engine.dispose()
        drop_database(url)


if __name__ == "__main__":
    main()
