"""Event throughput and latency: `ipcase serve` over HTTP vs the same writes in raw SQL, side by side.

Both fire `add_note` events on random cases out of 200 of one database. The raw baseline does,
per event, what SPEC §3/§8 cannot do without: lock the case (`SELECT … FOR UPDATE`; on SQLite
`BEGIN IMMEDIATE`), SHA-256 over the canonical JSON, `INSERT` the event, `UPDATE` the case's
version and head hash, commit (Python threads, a connection each). The API does everything
else on top: authentication, visibility, the refusal order, the machine, clocks, the risk
query and the case as the answer.

The load generator is wrk (C, a Lua script, `apt-get install wrk`), so the client does not
take the CPU the server needs; `--client python` uses httpx threads instead, as the first
runs did. Every level runs each API configuration and then the raw baseline, so their
figures come from the same minutes of a shared machine.

    .venv/bin/python bench/event_throughput.py [--database postgresql|sqlite] [--seconds 10]
        [--levels 1,8,32] [--workers 1,2] [--client wrk|python]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.common import fresh_database  # noqa: E402
from tests.helpers import credit_code, penalty_case  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
DB = "ipcase_bench_events"
CASES = 200

WRK_SCRIPT = """
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
wrk.method = "POST"
wrk.body = '{"event":"add_note","data":{"text":"x"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
local n = 0
setup = function(thread) n = n + 1; thread:set("seed", n) end
init = function() math.randomseed(seed * 7919 + os.time()) end
request = function() return wrk.format(nil, "/api/v1/cases/" .. ids[math.random(#ids)] .. "/events") end
done = function(summary, latency, requests)
  io.stderr:write(string.format("RESULT %%d %%d %%d %%f %%f\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def canonical_hash(case_id: str, version: int, at: datetime, head: str) -> str:
    fields = {"stream_type": "case", "stream_id": case_id, "seq": version + 1, "event": "add_note",
              "from_state": "received", "to_state": "received", "actor": "raw",
              "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "data": {"text": "x"}, "reason": None, "prev_hash": head}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest()


def run_threads(clients: int, seconds: float, fire) -> tuple[float, float, float]:
    """Closed-loop clients in threads: events/s, p50 ms, p99 ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(seed: int) -> None:
        rng, state, local = random.Random(seed), {}, []
        while time.monotonic() < stop:
            started = time.perf_counter()
            fire(rng, state)
            local.append(time.perf_counter() - started)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return len(latencies) / seconds, statistics.median(latencies) * 1000, latencies[int(len(latencies) * .99)] * 1000


def raw_fire(database: str, url: str, case_ids: list[str]):
    def fire(rng: random.Random, state: dict) -> None:
        case_id = rng.choice(case_ids)
        at = datetime.now(UTC)
        if database == "sqlite":
            conn = state.get("conn") or sqlite3.connect(url, timeout=30, isolation_level=None,
                                                         check_same_thread=False)
            if "conn" not in state:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            state["conn"] = conn
            conn.execute("BEGIN IMMEDIATE")
            version, head = conn.execute("SELECT version, head_hash FROM cases WHERE id = ?", (case_id,)).fetchone()
            digest = canonical_hash(case_id, version, at, head)
            conn.execute("INSERT INTO events (stream_type, stream_id, seq, event, from_state, to_state, actor, at, "
                         "data, reason, prev_hash, hash) VALUES ('case', ?, ?, 'add_note', 'received', 'received', "
                         "'raw', ?, ?, NULL, ?, ?)",
                         (case_id, version + 1, at.replace(tzinfo=None).isoformat(" "), '{"text":"x"}', head, digest))
            conn.execute("UPDATE cases SET version = ?, head_hash = ? WHERE id = ?", (version + 1, digest, case_id))
            conn.execute("COMMIT")
            return
        conn = state.get("conn") or psycopg.connect(url)
        state["conn"] = conn
        with conn.transaction():
            version, head = conn.execute("SELECT version, head_hash FROM cases WHERE id = %s FOR UPDATE",
                                         (case_id,)).fetchone()
            digest = canonical_hash(case_id, version, at, head)
            conn.execute("INSERT INTO events (stream_type, stream_id, seq, event, from_state, to_state, actor, at, "
                         "data, reason, prev_hash, hash) VALUES ('case', %s, %s, 'add_note', 'received', 'received', "
                         "'raw', %s, %s, NULL, %s, %s)", (case_id, version + 1, at, '{"text":"x"}', head, digest))
            conn.execute("UPDATE cases SET version = %s, head_hash = %s WHERE id = %s", (version + 1, digest, case_id))
    return fire


def api_python(base: str, token: str, case_ids: list[str], clients: int, seconds: float):
    def fire(rng: random.Random, state: dict) -> None:
        http = state.get("http") or httpx.Client(base_url=base, timeout=30)
        state["http"] = http
        r = http.post(f"/api/v1/cases/{rng.choice(case_ids)}/events", json={"event": "add_note",
                      "data": {"text": "x"}}, headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 200:
            raise SystemExit(f"HTTP {r.status_code}: {r.text}")
    return run_threads(clients, seconds, fire)


def api_wrk(base: str, token: str, case_ids: list[str], clients: int, seconds: float, workdir: Path):
    ids = workdir / "ids.txt"
    ids.write_text("\n".join(case_ids) + "\n")
    script = workdir / "events.lua"
    script.write_text(WRK_SCRIPT % {"ids": ids, "token": token})
    out = subprocess.run(["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{round(seconds)}s", "--timeout", "10s",
                          "-s", str(script), base], capture_output=True, text=True, check=True)
    line = next(x for x in out.stderr.splitlines() if x.startswith("RESULT"))
    requests, bad_status, socket_errors, p50_us, p99_us = line.split()[1:]
    if int(bad_status) or int(socket_errors):
        raise SystemExit(f"wrk saw {bad_status} non-2xx answers and {socket_errors} socket errors")
    return int(requests) / seconds, float(p50_us) / 1000, float(p99_us) / 1000


class Server:
    """`ipcase serve` as a subprocess on a free port, with N uvicorn workers."""

    def __init__(self, database_url: str, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "IPCASE_DATABASE_URL": database_url, "IPCASE_BOOTSTRAP_ADMIN_TOKEN": "bench-admin-token",
               "IPCASE_SWEEP_INTERVAL_SECONDS": "0", "PREFECT_HOME": tempfile.mkdtemp(), "IPCASE_DB_POOL_SIZE": "20"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                if httpx.get(f"{self.base}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(20)


def make_cases(base: str, token: str, n: int, first: int) -> list[str]:
    """`n` cases, each with its own respondent as most cases have (the risk query reads a
    respondent's other cases, so one respondent behind every case would measure that instead)."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        return [http.post("/api/v1/cases", json=penalty_case(parties={"respondent": {
            "name": f"某商贸有限公司{first + i}", "credit_code": credit_code(first + i)}})).json()["id"]
            for i in range(n)]


def history_median(base: str, token: str) -> float:
    """GET /cases/{id}/history of a case with 200 events: median of 20 reads, ms."""
    case_id = make_cases(base, token, 1, 99_999)[0]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        for _ in range(199):
            http.post(f"/api/v1/cases/{case_id}/events", json={"event": "add_note", "data": {"text": "记录"}})
        times = []
        for _ in range(20):  # request sent → whole answer received; the client's JSON parsing is not the service's
            started = time.perf_counter()
            response = http.get(f"/api/v1/cases/{case_id}/history", params={"limit": 200})
            times.append(time.perf_counter() - started)
    items = response.json()["items"]
    assert len(items) == 200, len(items)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--levels", default="1,8,32")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    if args.database == "sqlite":
        raw_url = str(workdir / "bench.db")
        url = f"sqlite:///{raw_url}"
    else:
        raw_url = fresh_database(f"{SERVER}/{DB}")
        url = raw_url.replace("postgresql://", "postgresql+psycopg://")
    with ExitStack() as stack:
        servers = {}
        for workers in (int(w) for w in args.workers.split(",")):
            servers[workers] = server = Server(url, workers)
            stack.callback(server.close)
        base = next(iter(servers.values())).base
        token = httpx.post(f"{base}/api/v1/principals", headers={"Authorization": "Bearer bench-admin-token"},
                           json={"name": "o", "role": "officer", "district": "150602"}).json()["token"]
        api_cases, raw_cases = make_cases(base, token, CASES, 0), make_cases(base, token, CASES, CASES)
        print(f"database {args.database}, client {args.client}, {args.seconds:.0f} s per run")
        print("| clients | server | events/s | p50 ms | p99 ms | ratio to raw |")
        print("|---|---|---|---|---|---|")
        for clients in (int(x) for x in args.levels.split(",")):
            rows = []
            for workers, server in servers.items():
                if args.client == "wrk":
                    result = api_wrk(server.base, token, api_cases, clients, args.seconds, workdir)
                else:
                    result = api_python(server.base, token, api_cases, clients, args.seconds)
                rows.append((f"ipcase serve, {workers} worker{'s' * (workers > 1)}", result))
            raw = run_threads(clients, args.seconds, raw_fire(args.database, raw_url, raw_cases))
            rows.append(("raw SQL", raw))
            for name, (rate, p50, p99) in rows:
                print(f"| {clients} | {name} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {rate / raw[0]:.2f} |", flush=True)
        print(f"history of 200 events: median {history_median(base, token):.1f} ms")


if __name__ == "__main__":
    main()
