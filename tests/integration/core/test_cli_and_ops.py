"""The `ipcase` command and the ops endpoints, run as a newcomer would."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from service.core.runtime import Runtime
from tests.conftest import _free_port
from tests.helpers import Api, bearer, penalty_case

IPCASE = [sys.executable, "-m", "service.cli"]


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM as a service manager would (ipcase stops its Prefect server itself), then the group."""
    proc.terminate()
    try:
        proc.wait(20)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _run(args: list[str], database_url: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "IPCASE_DATABASE_URL": database_url, **env}
    environment.pop("IPCASE_BOOTSTRAP_ADMIN_TOKEN", None)
    return subprocess.run(IPCASE + args, env=environment, capture_output=True, text=True, timeout=120)


def test_db_upgrade_principals_create_and_audit_verify(database_url: str, runtime: Runtime) -> None:
    assert _run(["db", "upgrade"], database_url).returncode == 0
    created = _run(["principals", "create", "--role", "officer", "--name", "张三", "--district", "150602"],
                   database_url)
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)["token"]
    assert token.startswith("ipc_")
    bad = _run(["principals", "create", "--role", "officer", "--name", "x"], database_url)
    assert bad.returncode == 2 and "district" in bad.stderr
    verified = _run(["audit", "verify"], database_url)
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True


def test_audit_verify_exits_1_on_a_broken_chain(api: Api, database_url: str, runtime: Runtime) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    with runtime.db.engine.begin() as conn:  # a stream head that disagrees with its events
        conn.execute(text("UPDATE cases SET version = 5 WHERE id = :id"), {"id": case["id"]})
    result = _run(["audit", "verify"], database_url)
    assert result.returncode == 1
    assert json.loads(result.stdout)["first_bad"]["stream_id"] == case["id"]


def test_serve_on_an_empty_database_prints_an_admin_token_that_works(tmp_path: Path) -> None:
    """As `make run` shows it: the token comes last, framed, after uvicorn's start-up lines and the
    first sweep's Prefect lines (issue 16 §5), with how to get another."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    port = _free_port()
    env = {**os.environ, "IPCASE_DATABASE_URL": url, "PREFECT_LOGGING_LEVEL": "INFO"}  # Prefect as a newcomer sees it
    env.pop("IPCASE_BOOTSTRAP_ADMIN_TOKEN", None)
    env.pop("IPCASE_SWEEP_INTERVAL_SECONDS", None)  # the default: the sweep runs, and logs, soon after the start
    proc = subprocess.Popen(IPCASE + ["serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        lines: list[str] = []
        token = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not (token and lines[-1].startswith("=" * 78)):
            line = proc.stdout.readline()
            assert line, "".join(lines)[-3000:]
            lines.append(line.rstrip("\n"))
            if match := re.search(r"(ipc_[A-Za-z0-9_-]+)", line):
                token = match.group(1)
        assert token, "no admin token printed"
        output = "\n".join(lines)
        frame = output.rindex("=" * 78, 0, output.index(token))
        assert "Uvicorn running on" in output[:frame], output[-3000:]
        assert "Finished in state" in output[:frame], output[-3000:]  # the first sweep's flow runs came before
        assert "ipcase principals create --role admin" in output[output.index(token):]
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").status_code == 200
        r = httpx.post(f"{base}/api/v1/principals", json={"name": "o", "role": "officer", "district": "150602"},
                       headers=bearer(token))
        assert r.status_code == 201
    finally:
        stop(proc)


def test_metrics_count_requests_and_events(api: Api) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    api.ok(officer, case["id"], "add_note", {"text": "x"})
    body = api.client.get("/metrics").text
    assert re.search(r'ipcase_case_events_total\{event="add_note"\} [1-9]', body)
    assert 'route="/api/v1/cases/{case_id}/events"' in body
    assert "ipcase_http_request_seconds_bucket" in body
    health = api.client.get("/healthz").json()
    assert health["status"] == "ok" and health["orchestrator"] in ("up", "down", "unknown")
    assert re.search(r"^ipcase_orchestrator_up [01]\.0$", body, re.M)


@pytest.mark.parametrize("track", ["penalty", "ruling"])
def test_state_machine_endpoint(api: Api, track: str) -> None:
    officer = api.principal("officer", "150602")
    machine = api.get(officer, "/state-machine", track=track).json()
    events = {e["event"] for e in machine["events"]}
    assert ("decide" in events) == (track == "penalty") and ("rule" in events) == (track == "ruling")
    mermaid = api.get(officer, "/state-machine", track=track, format="mermaid")
    assert mermaid.status_code == 200 and mermaid.text.startswith("stateDiagram-v2")
    assert api.get(officer, "/state-machine", track="civil").status_code == 422


def test_agencies_hide_channel_secrets(api: Api) -> None:
    officer = api.principal("officer", "150602")
    agencies = api.get(officer, "/agencies").json()["items"]
    codes = {a["code"] for a in agencies}
    assert {"police-150602", "court-150600", "bureau-150100", "customs-150600"} <= codes
    patch = {"channel": {"type": "webhook", "url": "https://partner.example/hook", "secret": "s" * 32}}
    assert api.client.patch("/api/v1/agencies/police-150602", json=patch, headers=bearer(officer)).status_code == 403
    r = api.client.patch("/api/v1/agencies/police-150602", json=patch, headers=bearer(api.admin))
    assert r.status_code == 200 and "secret" not in r.json()["channel"] and r.json()["channel"]["secret_set"]
    listed = {a["code"]: a for a in api.get(officer, "/agencies").json()["items"]}
    assert "s" * 32 not in json.dumps(listed)
    bad = {"channel": {"type": "webhook", "url": "not a url", "secret": "short"}}
    assert api.client.patch("/api/v1/agencies/police-150602", json=bad, headers=bearer(api.admin)).status_code == 422
    assert api.client.patch("/api/v1/agencies/nope", json=patch, headers=bearer(api.admin)).status_code == 404


def test_serve_delivers_a_referral_to_the_police_webhook(tmp_path: Path) -> None:
    """The embedded default end to end: `ipcase serve` (SQLite, Prefect ephemeral) delivers a handoff."""
    from tests.partners import WebhookPartner

    secret = "serve-test-secret-0123456789"
    police = WebhookPartner(secret).start()
    port = _free_port()
    env = {**os.environ, "IPCASE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "IPCASE_BOOTSTRAP_ADMIN_TOKEN": "serve-admin-token", "PREFECT_HOME": str(tmp_path / "prefect"),
           "IPCASE_SWEEP_INTERVAL_SECONDS": "0"}
    proc = subprocess.Popen(IPCASE + ["serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            admin = bearer("serve-admin-token")
            channel = {"type": "webhook", "url": police.url, "secret": secret}
            assert http.patch("/api/v1/agencies/police-150602", headers=admin,
                              json={"channel": channel}).status_code == 200
            tokens = {role: http.post("/api/v1/principals", headers=admin,
                                      json={"name": role, "role": role, "district": "150602"}).json()["token"]
                      for role in ("officer", "supervisor")}
            case = http.post("/api/v1/cases", headers=bearer(tokens["officer"]), json=penalty_case()).json()
            for event in ({"event": "accept"}, {"event": "refer_to_police", "data": {"grounds": "涉嫌犯罪"}}):
                r = http.post(f"/api/v1/cases/{case['id']}/events", headers=bearer(tokens["supervisor"]), json=event)
                assert r.status_code == 200, r.text
            deadline = time.monotonic() + 90
            while not police.received and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(police.received) == 1 and police.received[0].signature_ok
            assert police.received[0].body["case_number"] == case["number"]
    finally:
        stop(proc)
        police.stop()


def test_reports_monthly_cli_writes_an_xlsx(api: Api, database_url: str, runtime: Runtime, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from openpyxl import load_workbook

    officer = api.principal("officer", "150602")
    api.create(officer, penalty_case())
    month = datetime.now(UTC).strftime("%Y-%m")
    target = tmp_path / "fujian1.xlsx"
    result = _run(["reports", "monthly", "--month", month, "--format", "xlsx", "-o", str(target)], database_url)
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(target).worksheets[0]
    assert [c.value for c in sheet[sheet.max_row]][:2] == ["合计", 1]
    bad = _run(["reports", "monthly", "--month", "2026-13"], database_url)
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr
