"""Event throughput and latency: `ipcase serve` over HTTP vs the same writes in raw SQL, side by side.

Both fire `add_note` events on random cases out of 200 on one PostgreSQL database: the raw
baseline does, per event, `SELECT … FOR UPDATE` of the case, SHA-256 over the canonical JSON,
`INSERT` of the event and `UPDATE` of the case's version and head hash in one transaction
(psycopg threads, a connection each); the API does everything SPEC §3/§8 asks on top.

    .venv/bin/python bench/event_throughput.py [--seconds 5] [--levels 1,8,32] [--workers 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).parents[1]))
from tests.helpers import penalty_case  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
DB = "ipcase_bench_events"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_level(clients: int, seconds: float, fire) -> tuple[float, float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        local = []
        state = {}
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


def raw_fire(case_ids: list[str]):
    def fire(rng: random.Random, state: dict) -> None:
        conn = state.get("conn") or psycopg.connect(f"{SERVER}/{DB}")
        state["conn"] = conn
        case_id = rng.choice(case_ids)
        with conn.transaction():
            version, head = conn.execute("SELECT version, head_hash FROM cases WHERE id = %s FOR UPDATE",
                                         (case_id,)).fetchone()
            at = datetime.now(UTC)
            fields = {"stream_type": "case", "stream_id": case_id, "seq": version + 1, "event": "add_note",
                      "from_state": "received", "to_state": "received", "actor": "raw",
                      "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "data": {"text": "x"}, "reason": None,
                      "prev_hash": head}
            digest = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                               ensure_ascii=False).encode()).hexdigest()
            conn.execute("INSERT INTO events (stream_type, stream_id, seq, event, from_state, to_state, actor, at, "
                         "data, reason, prev_hash, hash) VALUES ('case', %s, %s, 'add_note', 'received', 'received', "
                         "'raw', %s, %s, NULL, %s, %s)", (case_id, version + 1, at, '{"text":"x"}', head, digest))
            conn.execute("UPDATE cases SET version = %s, head_hash = %s WHERE id = %s", (version + 1, digest, case_id))
    return fire


def api_fire(base: str, token: str, case_ids: list[str]):
    def fire(rng: random.Random, state: dict) -> None:
        http = state.get("http") or httpx.Client(base_url=base, timeout=30)
        state["http"] = http
        r = http.post(f"/api/v1/cases/{rng.choice(case_ids)}/events", json={"event": "add_note",
                      "data": {"text": "x"}}, headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 200:
            raise SystemExit(f"HTTP {r.status_code}: {r.text}")
    return fire


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--levels", default="1,8,32")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        admin.execute(f'CREATE DATABASE "{DB}"')
    port = free_port()
    env = {**os.environ, "IPCASE_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}",
           "IPCASE_BOOTSTRAP_ADMIN_TOKEN": "bench-admin-token", "IPCASE_SWEEP_INTERVAL_SECONDS": "0",
           "PREFECT_HOME": tempfile.mkdtemp(), "IPCASE_DB_POOL_SIZE": "20"}
    server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers",
                               str(args.workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        admin_h = {"Authorization": "Bearer bench-admin-token"}
        token = httpx.post(f"{base}/api/v1/principals", headers=admin_h,
                           json={"name": "o", "role": "officer", "district": "150602"}).json()["token"]
        create = [httpx.post(f"{base}/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                             json=penalty_case()).json()["id"] for _ in range(400)]
        api_cases, raw_cases = create[:200], create[200:]
        print(f"{'clients':>7} | {'API ev/s':>9} {'p50 ms':>7} {'p99 ms':>7} | {'raw ev/s':>9} {'p50 ms':>7} "
              f"{'p99 ms':>7} | ratio")
        for clients in (int(x) for x in args.levels.split(",")):
            api = run_level(clients, args.seconds, api_fire(base, token, api_cases))
            raw = run_level(clients, args.seconds, raw_fire(raw_cases))
            print(f"{clients:>7} | {api[0]:>9.0f} {api[1]:>7.1f} {api[2]:>7.1f} | {raw[0]:>9.0f} {raw[1]:>7.1f} "
                  f"{raw[2]:>7.1f} | {api[0] / raw[0]:.2f}")
        history = httpx.Client(base_url=base)
        busiest = max(api_cases, key=lambda c: len(history.get(f"/api/v1/cases/{c}/history",
                      headers={"Authorization": f"Bearer {token}"}).json()["items"]))
        times = []
        for _ in range(20):
            started = time.perf_counter()
            items = history.get(f"/api/v1/cases/{busiest}/history", headers={"Authorization": f"Bearer {token}"},
                                params={"limit": 200}).json()["items"]
            times.append(time.perf_counter() - started)
        print(f"history of {len(items)} events: median {statistics.median(times) * 1000:.1f} ms")
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main()
