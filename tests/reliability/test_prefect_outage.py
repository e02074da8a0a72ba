"""Deliveries against a real `prefect server start` (own PREFECT_HOME, free port): stop it and the
letters wait, the service says so once and backs off; start it again and they leave within
seconds. `kill -9` a worker in the middle of a delivery: its flow run ends CRASHED, and the next
worker delivers the letter exactly once more, under the same idempotency key."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import _free_port
from tests.helpers import ADMIN_TOKEN, bearer, penalty_case
from tests.partners import WebhookPartner

SECRET = "outage-test-secret-0123456789"
ROOT = Path(__file__).parents[2]


class PrefectServer:
    """`prefect server start` as a subprocess; stopping and starting it keeps its home and port."""

    def __init__(self, home: Path) -> None:
        self.home, self.port = home, _free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self, timeout: float = 150) -> float:
        """Start and wait until `/api/health` answers; returns the monotonic time it did."""
        env = {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
        env.pop("PREFECT_API_URL", None)
        log = open(self.home / "server.log", "ab")  # noqa: SIM115 (the child owns it)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(f"{self.api_url}/health", timeout=1).status_code == 200:
                    return time.monotonic()
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.skip(f"`prefect server start` did not answer within {timeout:.0f} s (see {self.home}/server.log)")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None

    def flow_runs(self, flow_name: str = "dispatch_handoffs") -> list[dict]:
        r = httpx.post(f"{self.api_url}/flow_runs/filter", json={"flows": {"name": {"any_": [flow_name]}}},
                       timeout=10)
        r.raise_for_status()
        return r.json()


@pytest.fixture(scope="module")
def prefect(tmp_path_factory) -> Iterator[PrefectServer]:
    server = PrefectServer(tmp_path_factory.mktemp("prefect-server"))
    server.start()
    yield server
    server.stop()


@contextmanager
def ipcase(command: str, database_url: str, prefect: PrefectServer, log: Path, **env: str):
    """`ipcase serve` or `ipcase worker` against the Prefect server, stderr kept in `log`."""
    port = _free_port()
    full_env = {**os.environ, "IPCASE_DATABASE_URL": database_url, "IPCASE_BOOTSTRAP_ADMIN_TOKEN": ADMIN_TOKEN,
                "PREFECT_API_URL": prefect.api_url, "PREFECT_HOME": str(log.parent / f"home-{log.stem}"),
                "PREFECT_LOGGING_LEVEL": "WARNING", "IPCASE_SWEEP_INTERVAL_SECONDS": "0", **env}
    args = ["serve", "--port", str(port)] if command == "serve" else ["worker"]
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "service.cli", *args], env=full_env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        if command == "serve":
            wait_for(lambda: _answers(f"{base}/healthz"), 90, "ipcase serve did not start")
        yield base, proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(condition, timeout: float, message: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(message)


def refer(http: httpx.Client, people: dict[str, str]) -> str:
    """A case referred to the police; returns the id of its criminal-referral handoff."""
    case = http.post("/api/v1/cases", json=penalty_case(), headers=bearer(people["officer"])).json()
    http.post(f"/api/v1/cases/{case['id']}/events", headers=bearer(people["supervisor"]), json={"event": "accept"})
    r = http.post(f"/api/v1/cases/{case['id']}/events", headers=bearer(people["supervisor"]),
                  json={"event": "refer_to_police", "data": {"grounds": "涉嫌犯罪"}})
    assert r.status_code == 200, r.text
    items = http.get("/api/v1/handoffs", params={"case_id": case["id"]},
                     headers=bearer(people["supervisor"])).json()["items"]
    return next(h["id"] for h in items if h["kind"] == "criminal_referral")


def setup(http: httpx.Client, police: WebhookPartner) -> dict[str, str]:
    r = http.patch("/api/v1/agencies/police-150602", headers=bearer(ADMIN_TOKEN),
                   json={"channel": {"type": "webhook", "url": police.url, "secret": SECRET}})
    assert r.status_code == 200, r.text
    people = {}
    for role in ("officer", "supervisor"):
        r = http.post("/api/v1/principals", headers=bearer(ADMIN_TOKEN),
                      json={"name": role, "role": role, "district": "150602"})
        people[role] = r.json()["token"]
    return people


def delivered_ids(police: WebhookPartner) -> list[str]:
    return [r.headers.get("Idempotency-Key") for r in police.received]


def test_prefect_outage_is_reported_once_and_delivery_resumes(prefect: PrefectServer, database_url: str, runtime,
                                                             tmp_path: Path) -> None:
    police = WebhookPartner(SECRET).start()
    log = tmp_path / "serve.log"
    try:
        with ipcase("serve", database_url, prefect, log, IPCASE_DISPATCH_LINGER_SECONDS="2") as (base, _), \
                httpx.Client(base_url=base, timeout=10) as http:
            people = setup(http, police)
            first = refer(http, people)
            wait_for(lambda: first in delivered_ids(police), 60, "not delivered while Prefect was up")
            assert http.get("/healthz").json()["orchestrator"] == "up"
            # the run that delivered it lingers 2 s for more letters; a run already open when Prefect
            # goes away may still deliver what it is handed, so stop Prefect once it has ended
            wait_for(lambda: not any(r["state_type"] in ("RUNNING", "PENDING", "SCHEDULED")
                                     for r in prefect.flow_runs()), 60, "the dispatcher's run did not end", every=0.5)

            prefect.stop()
            waiting = [refer(http, people), refer(http, people)]
            time.sleep(8)  # 16 poll intervals: the old dispatcher logged a traceback for each
            assert delivered_ids(police) == [first]
            for handoff_id in waiting:
                h = http.get(f"/api/v1/handoffs/{handoff_id}", headers=bearer(people["supervisor"])).json()
                assert h["status"] == "pending" and h["attempts"] == 0
            health = http.get("/healthz")
            assert health.status_code == 200 and health.json()["orchestrator"] == "down"
            assert re.search(r"^ipcase_orchestrator_up 0\.0$", http.get("/metrics").text, re.M)
            text = log.read_text(errors="replace")
            assert text.count("orchestrator down") == 1, text[-3000:]
            assert text.count("Traceback") <= 2, text[-3000:]  # was about one per pass (16 here)

            back = prefect.start()
            wait_for(lambda: set(waiting) <= set(delivered_ids(police)), 30, "not delivered after Prefect returned")
            resumed = time.monotonic() - back
            assert resumed < 15, resumed  # backoff cap 10 s + one flow run
            assert sorted(delivered_ids(police)) == sorted([first, *waiting])  # each letter once
            assert http.get("/healthz").json()["orchestrator"] == "up"
            assert re.search(r"^ipcase_orchestrator_up 1\.0$", http.get("/metrics").text, re.M)
            text = log.read_text(errors="replace")
            after_down = text[text.index("orchestrator down"):]
            assert text.count("orchestrator down") == 1 and after_down.count("orchestrator up") == 1, text[-3000:]
            print(f"delivery resumed {resumed:.1f} s after Prefect's API answered again")
    finally:
        police.stop()


def test_killed_worker_run_is_crashed_and_the_next_worker_delivers_once(prefect: PrefectServer, database_url: str,
                                                                       api, tmp_path: Path) -> None:
    if prefect.proc is None:  # a failed test before this one may have left it stopped
        prefect.start()
    police = WebhookPartner(SECRET).start()
    original = police.server.RequestHandlerClass.do_POST

    def slow_post(handler) -> None:  # the police take their time: the kill lands while a delivery is in flight
        if not police.received:
            police.received_first_at = time.monotonic()
            police.in_flight = True
            time.sleep(3)
        original(handler)

    police.in_flight = False
    police.server.RequestHandlerClass.do_POST = slow_post
    fast = {"IPCASE_DELIVERY_LEASE_SECONDS": "3", "IPCASE_DISPATCH_RUN_MAX_SECONDS": "2",
            "IPCASE_DELIVERY_TIMEOUT_SECONDS": "5", "IPCASE_DISPATCH_LINGER_SECONDS": "1"}
    before = {r["id"] for r in prefect.flow_runs()}
    try:
        api.client.patch("/api/v1/agencies/police-150602", headers=bearer(ADMIN_TOKEN),
                         json={"channel": {"type": "webhook", "url": police.url, "secret": SECRET}})
        people = {"officer": api.principal("officer", "150602"), "supervisor": api.principal("supervisor", "150602")}
        case = api.create(people["officer"], penalty_case())
        api.ok(people["supervisor"], case["id"], "accept")
        api.ok(people["supervisor"], case["id"], "refer_to_police", {"grounds": "涉嫌犯罪"})
        [handoff] = [h for h in api.get(people["supervisor"], "/handoffs", case_id=case["id"]).json()["items"]
                     if h["kind"] == "criminal_referral"]

        with ipcase("worker", database_url, prefect, tmp_path / "worker1.log", **fast) as (_, first_worker):
            wait_for(lambda: police.in_flight, 90, "the first worker never started the delivery")
            os.killpg(first_worker.pid, signal.SIGKILL)  # kill -9 mid-delivery
            first_worker.wait(10)
        [killed] = [r for r in prefect.flow_runs() if r["id"] not in before]
        assert killed["state_type"] == "RUNNING"  # nobody can end it but us
        time.sleep(3.5)  # the police answer the dead connection; nothing recorded the attempt
        assert delivered_ids(police) == [handoff["id"]]
        assert api.get(people["supervisor"], f"/handoffs/{handoff['id']}").json()["status"] == "pending"

        with ipcase("worker", database_url, prefect, tmp_path / "worker2.log", **fast):
            wait_for(lambda: len(police.received) >= 2, 90, "the next worker did not redeliver")
            state = wait_for(lambda: next(r["state_type"] for r in prefect.flow_runs() if r["id"] == killed["id"])
                             == "CRASHED", 60, "the killed worker's run was not marked CRASHED", every=1)
            assert state
            time.sleep(3)  # another lease: nothing more may leave
            assert delivered_ids(police) == [handoff["id"], handoff["id"]]  # the same letter, same key
            assert [r.signature_ok for r in police.received] == [True, True]
            h = api.get(people["supervisor"], f"/handoffs/{handoff['id']}").json()
            assert h["status"] == "delivered" and h["attempts"] == 1  # exactly one recorded, successful attempt
    finally:
        police.stop()
