"""PostgreSQL restarts under load: `ipcase serve` answers 503 while it is down, reconnects by
itself (pool pre-ping) and serves again; no acknowledged event is lost, the chain verifies.

The restart is real, of a private PostgreSQL cluster the test creates with the machine's own
binaries (initdb, pg_ctl) on a free port, so the shared server other tests use is untouched.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import _free_port
from tests.helpers import ADMIN_TOKEN, bearer, penalty_case
from tests.reliability.test_crash import serve, whole_history

pytestmark = pytest.mark.postgres_only

PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


class PrivateCluster:
    """A throw-away PostgreSQL cluster; as root it runs as the `postgres` user, as PostgreSQL requires."""

    def __init__(self) -> None:
        self.bin = Path(PG_BINS[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="ipcase-pg-"))
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.prefix, str(self.bin / tool), *args], check=True, capture_output=True, timeout=120)

    def pg_ctl(self, action: str, *extra: str) -> None:
        self._run("pg_ctl", action, "-D", str(self.dir / "data"), "-w", "-l", str(self.dir / "log"),
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", *extra)

    def remove(self) -> None:
        try:
            self.pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster():
    if not PG_BINS or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("needs PostgreSQL's server binaries (initdb, pg_ctl) to start a private cluster")
    made = PrivateCluster()
    made.pg_ctl("start")
    try:
        yield made
    finally:
        made.remove()


def test_service_reconnects_after_a_postgresql_restart(cluster: PrivateCluster, tmp_path) -> None:
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE ipcase")
    database_url = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/ipcase"
    with serve(database_url, tmp_path / "prefect") as (base, _):
        with httpx.Client(base_url=base, timeout=10) as http:
            token = http.post("/api/v1/principals", headers=bearer(ADMIN_TOKEN),
                              json={"name": "o", "role": "officer", "district": "150602"}).json()["token"]
            cases = [http.post("/api/v1/cases", json=penalty_case(), headers=bearer(token)).json()["id"]
                     for _ in range(4)]
        acknowledged: list[tuple[str, int, str]] = []
        statuses: list[int] = []
        unexpected: list[str] = []
        stop = threading.Event()

        def load(n: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                i = 0
                while not stop.is_set():
                    case_id, text = cases[(n + i) % len(cases)], f"load {n}-{i}"
                    i += 1
                    try:
                        r = client.post(f"/api/v1/cases/{case_id}/events", headers=bearer(token),
                                        json={"event": "add_note", "data": {"text": text}})
                    except httpx.HTTPError as exc:  # the service itself must stay up
                        unexpected.append(repr(exc))
                        continue
                    statuses.append(r.status_code)
                    if r.status_code == 200:
                        acknowledged.append((case_id, r.json()["version"], text))
                    elif r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable":
                        time.sleep(0.05)
                    else:
                        unexpected.append(f"{r.status_code} {r.text}")

        def wait_for(count: int, seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and len(acknowledged) < count:
                time.sleep(0.05)

        threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        wait_for(20, 60)
        before = len(acknowledged)
        cluster.pg_ctl("restart", "-m", "fast")
        restarted = len(statuses)
        wait_for(before + 40, 60)
        stop.set()
        for t in threads:
            t.join()
        assert not unexpected, unexpected[:5]
        assert before >= 20, "events did not go through before the restart"
        assert len(acknowledged) >= before + 40, "the service did not serve again after the restart"
        assert 200 in statuses[restarted:], "no event succeeded after the restart"
        print(f"restart: {statuses.count(503)} answers 503, {len(acknowledged) - before} events after it")

        with httpx.Client(base_url=base, timeout=10) as http:
            for case_id in cases:
                history = whole_history(http, token, case_id)
                by_seq = {h["seq"]: h["data"].get("text") for h in history}
                assert [h["seq"] for h in history] == list(range(1, len(history) + 1))
                for acked_case, version, text in acknowledged:
                    if acked_case == case_id:
                        assert by_seq[version] == text
            assert http.get("/api/v1/audit/verify", headers=bearer(ADMIN_TOKEN)).json()["ok"] is True
