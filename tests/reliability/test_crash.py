"""SIGKILL `ipcase serve` in the middle of a burst of events and of deliveries, start it again:
no acknowledged event is missing, no handoff is lost, a redelivery carries the same idempotency key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import _free_port
from tests.helpers import ADMIN_TOKEN, bearer, penalty_case
from tests.partners import WebhookPartner

SECRET = "crash-test-secret-0123456789"


@contextmanager
def serve(database_url: str, home: Path):
    port = _free_port()
    env = {**os.environ, "IPCASE_DATABASE_URL": database_url, "IPCASE_BOOTSTRAP_ADMIN_TOKEN": ADMIN_TOKEN,
           "PREFECT_HOME": str(home), "IPCASE_SWEEP_INTERVAL_SECONDS": "0", "IPCASE_DELIVERY_LEASE_SECONDS": "4",
           "IPCASE_DELIVERY_TIMEOUT_SECONDS": "3", "IPCASE_DELIVERY_BACKOFF": "0.5,0.5,0.5,0.5,0.5"}
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        yield base, proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the service and everything it started (its Prefect server too): a power cut."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def setup_people(http: httpx.Client) -> dict[str, str]:
    tokens = {}
    for role in ("officer", "supervisor"):
        r = http.post("/api/v1/principals", headers=bearer(ADMIN_TOKEN),
                      json={"name": role, "role": role, "district": "150602"})
        tokens[role] = r.json()["token"]
    return tokens


def whole_history(http: httpx.Client, token: str, case_id: str) -> list[dict]:
    """Every event of a case, following `next_cursor` (a burst can pass one page's 1,000)."""
    items: list[dict] = []
    params: dict[str, str] = {}
    while True:
        answer = http.get(f"/api/v1/cases/{case_id}/history", headers=bearer(token), params=params)
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        if not answer.json()["next_cursor"]:
            return items
        params = {"cursor": answer.json()["next_cursor"]}


def test_no_acknowledged_event_is_lost_when_the_process_is_killed(database_url: str, runtime, tmp_path) -> None:
    acknowledged: list[tuple[int, str]] = []
    with serve(database_url, tmp_path / "p1") as (base, proc):
        with httpx.Client(base_url=base, timeout=10) as http:
            people = setup_people(http)
            case = http.post("/api/v1/cases", json=penalty_case(), headers=bearer(people["officer"])).json()
        stop = threading.Event()

        def burst(n: int) -> None:
            with httpx.Client(base_url=base, timeout=10) as http:
                i = 0
                while not stop.is_set():
                    text = f"burst {n}-{i}"
                    try:
                        r = http.post(f"/api/v1/cases/{case['id']}/events", headers=bearer(people["officer"]),
                                      json={"event": "add_note", "data": {"text": text}})
                    except httpx.HTTPError:
                        return
                    if r.status_code == 200:
                        acknowledged.append((r.json()["version"], text))
                    i += 1

        threads = [threading.Thread(target=burst, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        kill(proc)
        stop.set()
        for t in threads:
            t.join()
    assert len(acknowledged) > 5
    with serve(database_url, tmp_path / "p2") as (base, _):
        with httpx.Client(base_url=base, timeout=10) as http:
            token = setup_people(http)["officer"]
            history = whole_history(http, token, case["id"])
            by_seq = {h["seq"]: h for h in history}
            for version, text in acknowledged:
                assert by_seq[version]["data"]["text"] == text
            assert [h["seq"] for h in history] == list(range(1, len(history) + 1))
            assert http.get("/api/v1/audit/verify", headers=bearer(ADMIN_TOKEN)).json()["ok"] is True


def test_handoffs_survive_a_kill_during_delivery(database_url: str, runtime, tmp_path) -> None:
    police = WebhookPartner(SECRET).start()
    slow = police.server.RequestHandlerClass.do_POST

    def slow_post(handler) -> None:  # the police's server takes its time: the kill lands mid-delivery
        time.sleep(1.0)
        slow(handler)

    police.server.RequestHandlerClass.do_POST = slow_post
    try:
        with serve(database_url, tmp_path / "p1") as (base, proc):
            with httpx.Client(base_url=base, timeout=10) as http:
                http.patch("/api/v1/agencies/police-150602", headers=bearer(ADMIN_TOKEN),
                           json={"channel": {"type": "webhook", "url": police.url, "secret": SECRET}})
                people = setup_people(http)
                referrals = []
                for _ in range(3):
                    case = http.post("/api/v1/cases", json=penalty_case(), headers=bearer(people["officer"])).json()
                    http.post(f"/api/v1/cases/{case['id']}/events", headers=bearer(people["supervisor"]),
                              json={"event": "accept"})
                    r = http.post(f"/api/v1/cases/{case['id']}/events", headers=bearer(people["supervisor"]),
                                  json={"event": "refer_to_police", "data": {"grounds": "涉嫌犯罪"}})
                    assert r.status_code == 200
                    referrals.append(case["id"])
            deadline = time.monotonic() + 60
            while not police.received and time.monotonic() < deadline:
                time.sleep(0.05)
            kill(proc)
        with serve(database_url, tmp_path / "p2") as (base, _):
            with httpx.Client(base_url=base, timeout=10) as http:
                supervisor = setup_people(http)["supervisor"]
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline:
                    items = http.get("/api/v1/handoffs", params={"status": "delivered"},
                                     headers=bearer(supervisor)).json()["items"]
                    delivered = {h["case_id"] for h in items if h["kind"] == "criminal_referral"}
                    if delivered == set(referrals):
                        break
                    time.sleep(0.5)
                assert delivered == set(referrals)
        keys_by_case = {}
        for received in police.received:
            keys_by_case.setdefault(received.body["case_number"], set()).add(received.headers["Idempotency-Key"])
        assert len(keys_by_case) == 3 and all(len(keys) == 1 for keys in keys_by_case.values())
        for received in police.received:
            assert received.headers["Idempotency-Key"] == received.body["handoff_id"]
    finally:
        police.stop()
