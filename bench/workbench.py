"""The workbench over a large data set on PostgreSQL (issue 23: with 1,000,000 cases, the work list
and the case page answer in p95 < 150 ms of server time, a search by party name or title < 300 ms).

Creates a fresh database, registers 20 real cases through the API (parties, events, clocks), then
copies one of them N times in SQL with new ids, numbers, districts, titles, party names, receipt
days and due days (`generate_series`), ANALYZEs, and times the board's pages in process (a
TestClient on the app: the server's time, no network), signed in as a district supervisor of
东胜区 (its district holds N/9 cases) and as the city.

    .venv/bin/python bench/workbench.py [--cases 1000000] [--runs 40] [--server postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.common import drop_database, fresh_database  # noqa: E402
from service.app import create_app  # noqa: E402
from service.core.config import Settings  # noqa: E402
from service.core.principals import open_board_session  # noqa: E402
from service.core.runtime import Runtime  # noqa: E402

ADMIN = "bench-admin-token-0123456789"
DISTRICTS = "ARRAY['150602','150603','150621','150622','150623','150624','150625','150626','150627']"
TITLES = ("ARRAY['销售假冒注册商标的白酒','网络销售侵犯专利权的电器','商场销售假冒羊绒衫','展会展出涉嫌侵权商品',"
          "'冒用地理标志的牛肉干']")
NAMES = ("ARRAY['鄂尔多斯市某商贸有限公司','东胜区某羊绒制品店','康巴什区某电子商行','某网络科技有限公司',"
         "'准格尔旗某食品厂']")
OVERRIDES = {
    "id": "md5('w' || g::text)::uuid::text",
    "number": "'工作台〔2026〕' || g || '号'",
    "seq": "g + 1000",
    "district": f"({DISTRICTS})[1 + g %% 9]",
    "title": f"({TITLES})[1 + g %% 5] || g",
    "received_at": "received_at - (g %% 700) * interval '1 day'",
    "created_at": "created_at - (g %% 700) * interval '1 day'",
    "updated_at": "updated_at - (g %% 700) * interval '1 day'",
    "next_bureau_due": "CASE WHEN g %% 7 = 0 THEN NULL ELSE current_date + (g %% 120 - 20) END",
}


def _post(client: TestClient, token: str, path: str, body: dict) -> dict:
    response = client.post(f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.text
    return response.json()


def _seed_real(client: TestClient) -> tuple[list[str], dict[str, str]]:
    people = {role: _post(client, ADMIN, "/principals", {"name": f"bench-{role}", "role": role,
                                                          **({"district": "150602"} if role != "city" else {})})
              for role in ("officer", "supervisor", "city")}
    co = _post(client, ADMIN, "/principals", {"name": "bench-co", "role": "officer", "district": "150602"})
    ids = []
    for n in range(20):
        case = _post(client, people["officer"]["token"], "/cases", {
            "kind": "trademark_infringement", "district": "150602", "source": "complaint",
            "title": f"销售假冒注册商标的白酒{n}", "description": "权利人投诉某商贸公司销售假冒其注册商标的白酒。",
            "parties": {"respondent": {"name": f"鄂尔多斯市某商贸有限公司{n}"}},
            "amounts": {"case_value": 1200050}})
        _post(client, people["supervisor"]["token"], f"/cases/{case['id']}/events",
              {"event": "accept", "data": {"co_officer": co["id"]}})
        for i in range(5):
            _post(client, people["officer"]["token"], f"/cases/{case['id']}/events",
                  {"event": "add_note", "data": {"text": f"调查笔录 {i}"}})
        ids.append(case["id"])
    return ids, {role: p["id"] for role, p in people.items()}


def _copy(url: str, template: str, n: int) -> None:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        columns = [c for (c,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' "
            "AND is_generated = 'NEVER' ORDER BY ordinal_position")]
        chosen = ", ".join(OVERRIDES.get(c, c) for c in columns)
        conn.execute(f"INSERT INTO cases ({', '.join(columns)}) SELECT {chosen} "  # noqa: S608 (our own text)
                     f"FROM cases, generate_series(1, %(n)s) AS g WHERE cases.id = %(id)s", {"n": n, "id": template})
        conn.execute(f"INSERT INTO case_parties (case_id, role, party_id, name, \"foreign\") "  # noqa: S608
                     f"SELECT md5('w' || g::text)::uuid::text, role, party_id, ({NAMES})[1 + g %% 5] || g, \"foreign\" "
                     f"FROM case_parties, generate_series(1, %(n)s) AS g WHERE case_id = %(id)s",
                     {"n": n, "id": template})
        conn.execute("ANALYZE")


def _time(client: TestClient, cookie: str, path: str, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(path, headers={"cookie": cookie})
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    times.sort()
    return statistics.median(times) * 1000, times[max(0, int(len(times) * 0.95) - 1)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the database (ipcase_bench_workbench) to EXPLAIN")
    args = parser.parse_args()
    url = f"{args.server}/ipcase_bench_workbench"
    fresh_database(url)
    runtime = Runtime.from_settings(Settings(database_url=url, bootstrap_admin_token=ADMIN, machine_version=2)).start()
    try:
        with TestClient(create_app(runtime)) as client:
            ids, people = _seed_real(client)
            started = time.perf_counter()
            _copy(url, ids[0], args.cases)
            print(f"copied {args.cases:,} cases in {time.perf_counter() - started:.0f} s")
            with runtime.db.write() as session:
                cookies = {role: f"ipcase_session={open_board_session(session, people[role], 3600)}"
                           for role in ("supervisor", "city")}
            pages = [("supervisor", "work list /board (东胜区, owed first)", "/board"),
                     ("supervisor", "work list, page 20", "/board/cases?page=20"),
                     ("supervisor", "work list, state filed, sorted by receipt",
                      "/board/cases?state=filed&sort=received"),
                     ("city", "city: all districts, overdue", "/board/cases?clock=overdue"),
                     ("supervisor", "case page", f"/board/cases/{ids[3]}"),
                     ("supervisor", "search: a party's whole name", "/board/cases?q=东胜区某羊绒制品店126"),
                     ("supervisor", "search: part of a name", "/board/cases?q=羊绒制品店126"),
                     ("supervisor", "search: a title", "/board/cases?q=销售假冒注册商标的白酒4320"),
                     ("city", "search: a case number, all districts", "/board/cases?q=工作台〔2026〕777号"),
                     ("city", "search: part of a number, all districts", "/board/cases?q=〔2026〕777号"),
                     ("city", "search: a word in 200,000 names (broad)", "/board/cases?q=某电子商行")]
            print(f"| page | reader | median ms | p95 ms | ({args.cases:,} copied cases, {args.runs} runs each)")
            for role, label, path in pages:
                median, p95 = _time(client, cookies[role], path, args.runs)
                print(f"| {label} | {role} | {median:.0f} | {p95:.0f} |")
    finally:
        runtime.db.engine.dispose()
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
