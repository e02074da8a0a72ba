"""Handoff latency: from the event's HTTP answer to the partner's webhook receiving the letter.

`--mode serve` (default) runs `ipcase serve` alone (embedded default: Prefect ephemeral mode,
in-process dispatcher); `--mode worker` runs a `prefect server start` (own PREFECT_HOME, free
port), `ipcase serve` with `IPCASE_DISPATCH=worker` and one `ipcase worker` (production shape).
Each against a fresh database, a local webhook server as the police; fires N `refer_to_police`
events one after another (`--gap` seconds apart: 0 measures a busy service, a gap longer than
`IPCASE_DISPATCH_LINGER_SECONDS` the first letter after a quiet spell) and reports median/p90.
`--root` runs the `ipcase` of another checkout (e.g. a worktree at main) for a before/after.

    .venv/bin/python bench/handoff_latency.py [--mode serve|worker] [--n 20] [--gap 0]
        [--database-url URL] [--root DIR]
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
from bench.common import drop_database, fresh_database  # noqa: E402
from tests.helpers import penalty_case  # noqa: E402
from tests.partners import WebhookPartner  # noqa: E402

SECRET = "bench-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start within {timeout:.0f} s")


def start(args: list[str], env: dict[str, str], root: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", *args], env={**env, "PYTHONPATH": str(root)}, cwd=root,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("serve", "worker"), default="serve")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--root", type=Path, default=Path(__file__).parents[1])
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ipcase-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'ipcase.db'}"
    if url.startswith("postgresql"):  # a fresh database of that name
        fresh_database(url)
    port = free_port()
    env = {**os.environ, "IPCASE_DATABASE_URL": url, "IPCASE_BOOTSTRAP_ADMIN_TOKEN": "bench-admin-token",
           "PREFECT_HOME": str(workdir / "prefect"), "PREFECT_LOGGING_LEVEL": "WARNING",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "IPCASE_SWEEP_INTERVAL_SECONDS": "0",
           "IPCASE_MACHINE_VERSION": "1"}  # the walk below (accept, refer_to_police) is version 1's (SPEC §3)
    env.pop("PREFECT_API_URL", None)
    procs = []
    if args.mode == "worker":
        prefect_port = free_port()
        procs.append(start(["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)],
                           {**env, "PREFECT_UI_ENABLED": "false"}, args.root, workdir / "prefect-server.log"))
        env["PREFECT_API_URL"] = f"http://127.0.0.1:{prefect_port}/api"
        wait_until_up(f"{env['PREFECT_API_URL']}/health", "prefect server")
        env["IPCASE_DISPATCH"] = "worker"
    procs.append(start(["service.cli", "serve", "--port", str(port)], env, args.root, workdir / "serve.log"))
    if args.mode == "worker":
        wait_until_up(f"http://127.0.0.1:{port}/healthz", "ipcase serve")  # it migrates the database first
        procs.append(start(["service.cli", "worker"], {**env, "PREFECT_HOME": str(workdir / "worker")}, args.root,
                           workdir / "worker.log"))
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
                    time.sleep(args.gap)
        latencies.sort()
        print(f"handoffs: {len(latencies)}  median {statistics.median(latencies):.2f} s  "
              f"p90 {latencies[int(len(latencies) * 0.9) - 1]:.2f} s  max {latencies[-1]:.2f} s  "
              f"(mode {args.mode}, gap {args.gap} s, {url.split(':')[0]}, {args.root})")
    finally:
        for proc in reversed(procs):  # ipcase stops its ephemeral Prefect server on SIGTERM
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        police.stop()
        if url.startswith("postgresql") and not args.database_url:
            drop_database(url)


if __name__ == "__main__":
    main()
