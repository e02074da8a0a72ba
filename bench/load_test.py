"""A 60-second load test with wrk at 32 connections: a district's working mix, no errors allowed.

Mix per request (wrk + Lua): 40 % `add_note` events, 20 % case reads, 15 % the work list
(`GET /cases?limit=20`), 15 % histories, 10 % the overdue list; cases out of 200 of one
district. Any answer other than 2xx, and any socket error, fails the run.

    .venv/bin/python bench/load_test.py [--database postgresql|sqlite] [--seconds 60] [--clients 32] [--workers 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.common import fresh_database  # noqa: E402
from bench.event_throughput import CASES, DB, SERVER, Server, make_cases  # noqa: E402

MIX = """
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
local auth = "Bearer %(token)s"
local note = '{"event":"add_note","data":{"text":"巡查记录"}}'
local post = {["Authorization"] = auth, ["Content-Type"] = "application/json"}
local n = 0
setup = function(thread) n = n + 1; thread:set("seed", n) end
init = function() math.randomseed(seed * 104729 + os.time()) end
request = function()
  local case = "/api/v1/cases/" .. ids[math.random(#ids)]
  local r = math.random(100)
  if r <= 40 then
    return wrk.format("POST", case .. "/events", post, note)
  elseif r <= 60 then return wrk.format("GET", case, {["Authorization"] = auth})
  elseif r <= 75 then return wrk.format("GET", "/api/v1/cases?limit=20", {["Authorization"] = auth})
  elseif r <= 90 then return wrk.format("GET", case .. "/history?limit=50", {["Authorization"] = auth})
  else return wrk.format("GET", "/api/v1/cases?overdue=true&limit=20", {["Authorization"] = auth}) end
end
done = function(summary, latency, requests)
  io.stderr:write(string.format("RESULT %%d %%d %%d %%f %%f %%f\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    if args.database == "sqlite":
        url = f"sqlite:///{workdir / 'load.db'}"
    else:
        url = fresh_database(f"{SERVER}/{DB}").replace("postgresql://", "postgresql+psycopg://")
    server = Server(url, args.workers)
    try:
        token = httpx.post(f"{server.base}/api/v1/principals", headers={"Authorization": "Bearer bench-admin-token"},
                           json={"name": "o", "role": "officer", "district": "150602"}).json()["token"]
        ids = workdir / "ids.txt"
        ids.write_text("\n".join(make_cases(server.base, token, CASES, 0)) + "\n")
        script = workdir / "mix.lua"
        script.write_text(MIX % {"ids": ids, "token": token})
        out = subprocess.run(["wrk", "-t2", f"-c{args.clients}", f"-d{args.seconds}s", "--timeout", "10s",
                              "-s", str(script), server.base], capture_output=True, text=True, check=True)
    finally:
        server.close()
    line = next(x for x in out.stderr.splitlines() if x.startswith("RESULT"))
    requests, bad_status, socket_errors, p50, p99, worst = (float(v) for v in line.split()[1:])
    print(f"{args.database}, {args.workers} worker(s), {args.clients} connections, {args.seconds} s: "
          f"{requests:,.0f} requests ({requests / args.seconds:,.0f}/s), p50 {p50 / 1000:.1f} ms, "
          f"p99 {p99 / 1000:.1f} ms, max {worst / 1000:.0f} ms; non-2xx {bad_status:.0f}, socket errors "
          f"{socket_errors:.0f}")
    if bad_status or socket_errors:
        raise SystemExit("the load test saw errors")


if __name__ == "__main__":
    main()
