"""The case file's performance targets (issue 19): a 20 MiB upload on PostgreSQL in < 2 s, and the
archive of a case with 200 events and 50 attachments (100 MiB) in < 10 s.

Creates a fresh PostgreSQL database (or SQLite with --sqlite), serves the real app with uvicorn
on a free port, and times over HTTP: uploads of distinct 20 MiB PDFs (median and max of N), their
download, then a case with 50 attachments of 2 MiB and 200 events exported as an archive
(median of 3), and the archive's offline check with scripts/verify_archive.py. Peak RSS of the
process (client and server together) is printed: the upload path holds no whole file in memory.

    .venv/bin/python bench/casefile.py [--uploads 5] [--dir /tmp/ipcase-files] [--sqlite]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).parents[1]))
from bench.common import drop_database, fresh_database  # noqa: E402
from service.app import create_app  # noqa: E402
from service.core.config import Settings  # noqa: E402
from service.core.runtime import Runtime  # noqa: E402

TOKEN = "bench-admin-token-0123456789"
MIB = 1 << 20


def pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 9)


def serve(runtime: Runtime) -> tuple[uvicorn.Server, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}/api/v1"


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/ipcase_bench_casefile")
    parser.add_argument("--sqlite", action="store_true", help="the embedded default instead of PostgreSQL")
    parser.add_argument("--dir", default=None, help="the directory store (IPCASE_ATTACHMENT_DIR)")
    parser.add_argument("--uploads", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ipcase-bench-casefile-"))
    url = f"sqlite:///{work / 'bench.db'}" if args.sqlite else args.database
    if not args.sqlite:
        fresh_database(url)
    settings = Settings(database_url=url, bootstrap_admin_token=TOKEN, archive_key_path=str(work / "archive.pem"),
                        attachment_dir=args.dir, machine_version=1)
    runtime = Runtime.from_settings(settings).start()
    server, base = serve(runtime)
    admin = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            def principal(role: str) -> dict:
                body = {"name": role, "role": role, "district": "150602"}
                token = client.post("/principals", json=body, headers=admin).json()["token"]
                return {"Authorization": f"Bearer {token}"}

            officer, supervisor = principal("officer"), principal("supervisor")
            case = {"kind": "trademark_infringement", "district": "150602", "source": "complaint", "title": "基准",
                    "description": "基准测试", "parties": {"respondent": {"name": "某公司",
                                                                        "credit_code": "914403001922038216"}}}

            def new_case() -> str:
                response = client.post("/cases", json=case, headers=officer)
                assert response.status_code == 201, response.text
                return response.json()["id"]

            store = "directory" if args.dir else "database"
            print(f"database: {'SQLite' if args.sqlite else 'PostgreSQL'}, store: {store}")
            case_id = new_case()
            times, before = [], rss_mib()
            source = work / "证据.pdf"
            for _ in range(args.uploads):  # curl streams the file from disk: this process's RSS is the server's
                with open(source, "wb") as out:  # in chunks: this process's memory stays the server's
                    out.write(b"%PDF-1.7\n" + os.urandom(MIB - 9))
                    for _ in range(19):
                        out.write(os.urandom(MIB))
                started = time.perf_counter()
                done = subprocess.run(["curl", "-sS", "-o", str(work / "answer.json"), "-w", "%{http_code}",
                                       "-H", f"Authorization: {officer['Authorization']}",
                                       "-F", f"file=@{source}", f"{base}/cases/{case_id}/attachments"],
                                      capture_output=True, text=True)
                times.append(time.perf_counter() - started)
                assert done.stdout == "201", done.stdout + done.stderr
            response = httpx.Response(201, content=(work / "answer.json").read_bytes())
            url_content = response.json()["url"].removeprefix("/api/v1")
            print(f"upload 20 MiB (the limit): median {statistics.median(times):.2f} s, max {max(times):.2f} s "
                  f"(n={args.uploads}, curl); the server's peak RSS {before:.0f} -> {rss_mib():.0f} MiB")
            started = time.perf_counter()
            with client.stream("GET", url_content, headers=officer) as response:
                size = sum(len(chunk) for chunk in response.iter_bytes())
            print(f"download 20 MiB (hash checked first): {time.perf_counter() - started:.2f} s ({size} bytes); "
                  f"peak RSS now {rss_mib():.0f} MiB")

            case_id = new_case()
            started = time.perf_counter()
            for i in range(50):
                response = client.post(f"/cases/{case_id}/attachments",
                                       files={"file": (f"现场照片{i:02d}.pdf", pdf(2 * MIB))}, headers=officer)
                assert response.status_code == 201, response.text
            for i in range(147):
                client.post(f"/cases/{case_id}/events", json={"event": "add_note", "data": {"text": f"记录{i}"}},
                            headers=officer).raise_for_status()
            client.post(f"/cases/{case_id}/events", json={"event": "accept"}, headers=supervisor).raise_for_status()
            closed = client.post(f"/cases/{case_id}/events", json={"event": "dismiss", "reason": "基准"},
                                 headers=supervisor)
            closed.raise_for_status()
            print(f"setup: 50 attachments of 2 MiB and {closed.json()['version']} events in "
                  f"{time.perf_counter() - started:.1f} s")
            times = []
            for _ in range(3):
                started = time.perf_counter()
                archive = work / "archive.zip"
                with client.stream("GET", f"/cases/{case_id}/archive", headers=officer) as response, \
                        open(archive, "wb") as out:
                    assert response.status_code == 200, response.read()
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                times.append(time.perf_counter() - started)
            print(f"archive (200 events, 50 attachments, {archive.stat().st_size / MIB:.0f} MiB): median "
                  f"{statistics.median(times):.2f} s, max {max(times):.2f} s (n=3)")
            key = work / "public.pem"
            key.write_bytes(client.get("/archive/public-key").content)
            started = time.perf_counter()
            checked = subprocess.run([sys.executable, str(Path(__file__).parents[1] / "scripts" / "verify_archive.py"),
                                      str(archive), str(key)], capture_output=True, text=True)
            print(f"offline check (scripts/verify_archive.py): {time.perf_counter() - started:.2f} s: "
                  f"{checked.stdout.strip()}")
    finally:
        server.should_exit = True
        time.sleep(0.5)
        runtime.db.engine.dispose()
        if not args.sqlite:
            drop_database(url)


if __name__ == "__main__":
    main()
