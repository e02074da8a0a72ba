"""Handoff latency: from the event's HTTP answer to the partner's webhook receiving the letter.

Runs `ipcase serve` (embedded default: SQLite file, Prefect ephemeral mode, in-process
dispatcher) as a subprocess against a fresh database, a local webhook server as the police,
fires N `refer_to_police` events one after another and reports the median and p90.

    .venv/bin/python bench/handoff_latency.py [--n 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.common import fresh_database  # noqa: E402
from tests.helpers import penalty_case  # noqa: E402
from tests.partners import WebhookPartner  # noqa: E402

SECRET = "bench-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ipcase-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'ipcase.db'}"
    if url.startswith("postgresql"):  # a fresh database of that name
        fresh_database(url)
    port = free_port()
    env = {**os.environ, "IPCASE_DATABASE_URL": url, "IPCASE_BOOTSTRAP_ADMIN_TOKEN": "bench-admin-token",
           "PREFECT_HOME": str(workdir / "prefect"), "PREFECT_LOGGING_LEVEL": "WARNING",
           "IPCASE_SWEEP_INTERVAL_SECONDS": "0"}
    server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    police = WebhookPartner(SECRET).start()
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            for _ in range(200):
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            admin = {"Authorization": "Bearer bench-admin-token"}
            http.patch("/api/v1/agencies/police-150602", headers=admin,
                       json={"channel": {"type": "webhook", "url": police.url, "secret": SECRET}}).raise_for_status()

            def principal(role: str) -> dict[str, str]:
                token = http.post("/api/v1/principals", headers=admin,
                                  json={"name": role, "role": role, "district": "150602"}).json()["token"]
                return {"Authorization": f"Bearer {token}"}

            officer, supervisor = principal("officer"), principal("supervisor")
            latencies, warmup = [], 3
            for i in range(args.n + warmup):
                case = http.post("/api/v1/cases", headers=officer, json=penalty_case()).json()
                http.post(f"/api/v1/cases/{case['id']}/events", headers=supervisor, json={"event": "accept"})
                before = len(police.received)
                r = http.post(f"/api/v1/cases/{case['id']}/events", headers=supervisor,
                              json={"event": "refer_to_police", "data": {"grounds": "bench"}})
                r.raise_for_status()
                fired = time.perf_counter()
                while len(police.received) == before:
                    if time.perf_counter() - fired > 60:
                        raise SystemExit("no delivery within 60 s")
                    time.sleep(0.005)
                if i >= warmup:  # the first runs pay Prefect's ephemeral start-up
                    latencies.append(time.perf_counter() - fired)
        latencies.sort()
        print(f"handoffs: {len(latencies)}  median {statistics.median(latencies):.2f} s  "
              f"p90 {latencies[int(len(latencies) * 0.9) - 1]:.2f} s  max {latencies[-1]:.2f} s  ({url.split(':')[0]})")
    finally:
        server.terminate()  # ipcase stops its Prefect server on SIGTERM
        server.wait(20)
        police.stop()


if __name__ == "__main__":
    main()
