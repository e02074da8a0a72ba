"""Server CPU per event: what one `add_note` costs the `ipcase serve` process, across checkouts.

Throughput on a shared 2-core machine moves with whatever else runs; the CPU seconds the server
process spends per answered event move much less, so this compares commits (or settings) even
while other work runs. Each round starts one server per configuration in turn (one uvicorn
process, PostgreSQL), loads it with wrk for `--seconds`, and divides the process's user+system
CPU by the events answered; the table gives each configuration's median over the rounds.

    .venv/bin/python bench/cpu_per_event.py [--root DIR ...] [--env NAME=VALUE ...] [--rounds 3]
        [--seconds 8] [--clients 8]

`--root` is a checkout to serve (default: this one; e.g. a `git worktree add /tmp/old <commit>`),
`--env` a setting added to every configuration; `--variant` adds this checkout again with one
more setting (`--variant IPCASE_DISPATCH=worker`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
from bench.common import fresh_database  # noqa: E402
from bench.event_throughput import SERVER, api_wrk, free_port, make_cases  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (clock ticks from /proc), children that ended included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def measure(root: Path, env: dict[str, str], seconds: float, clients: int) -> tuple[float, float]:
    """One fresh database and server: (CPU ms per event, events/s)."""
    url = fresh_database(f"{SERVER}/ipcase_bench_cpu").replace("postgresql://", "postgresql+psycopg://")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_env = {**os.environ, "PYTHONPATH": str(root), "IPCASE_DATABASE_URL": url,
                  "IPCASE_BOOTSTRAP_ADMIN_TOKEN": "bench-admin-token", "IPCASE_SWEEP_INTERVAL_SECONDS": "0",
                  "PREFECT_HOME": tempfile.mkdtemp(), **env}
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], cwd=root,
                               env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = httpx.post(f"{base}/api/v1/principals", headers={"Authorization": "Bearer bench-admin-token"},
                           json={"name": "o", "role": "officer", "district": "150602"}).json()["token"]
        cases = make_cases(base, token, 200, 0)
        api_wrk(base, token, cases, clients, 2, Path(tempfile.mkdtemp()))  # warm-up
        before = cpu_seconds(process.pid)
        rate, _, _ = api_wrk(base, token, cases, clients, seconds, Path(tempfile.mkdtemp()))
        spent = cpu_seconds(process.pid) - before
        return spent * 1000 / (rate * seconds), rate
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", action="append", type=Path, default=[])
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--variant", action="append", default=[])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    common = dict(e.split("=", 1) for e in args.env)
    configs = [(str(root), root, common) for root in (args.root or [HERE])]
    configs += [(f"{HERE} {v}", HERE, {**common, **dict([v.split("=", 1)])}) for v in args.variant]
    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in configs}
    for _ in range(args.rounds):
        for name, root, env in configs:
            results[name].append(measure(root, env, args.seconds, args.clients))
    print(f"{args.clients} clients, {args.seconds:.0f} s per run, {args.rounds} rounds, "
          "one uvicorn process, PostgreSQL")
    print("| checkout | CPU ms per event (median) | runs | events/s (median) |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        print(f"| {name} | {statistics.median(c for c, _ in runs):.2f} | "
              f"{', '.join(f'{c:.2f}' for c, _ in runs)} | {statistics.median(r for _, r in runs):,.0f} |")


if __name__ == "__main__":
    main()
