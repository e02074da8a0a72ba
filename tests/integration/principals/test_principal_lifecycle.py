"""Disabling, enabling and rotating a principal's token (finding 9 of the security review, SPEC §10.9).

A departing officer's access ends at once: through the API in this process immediately, from the
console (another process) within `principal_cache_seconds`; every change is in the audit trail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from service.core.runtime import Runtime
from service.principals.service import update_principal
from tests.helpers import Api, bearer

IPCASE = [sys.executable, "-m", "service.cli"]


def principal_id(api: Api, name: str) -> str:
    return next(p["id"] for p in api.get(api.admin, "/principals").json()["items"] if p["name"] == name)


def patch(api: Api, pid: str, body: dict, token: str | None = None):
    return api.client.patch(f"/api/v1/principals/{pid}", json=body, headers=bearer(token or api.admin))


def test_a_disabled_principal_is_refused_at_once_and_enabled_again(api: Api) -> None:
    officer = api.principal("officer", "150602")
    pid = principal_id(api, "officer-150602")
    assert api.get(officer, "/cases").status_code == 200  # its actor is now cached
    response = patch(api, pid, {"disabled": True})
    assert response.status_code == 200 and response.json()["disabled"] is True
    refused = api.get(officer, "/cases")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    listed = {p["id"]: p for p in api.get(api.admin, "/principals").json()["items"]}
    assert listed[pid]["disabled"] is True
    assert patch(api, pid, {"disabled": False}).status_code == 200
    assert api.get(officer, "/cases").status_code == 200


def test_a_rotated_token_replaces_the_old_one(api: Api) -> None:
    officer = api.principal("officer", "150602")
    pid = principal_id(api, "officer-150602")
    assert api.get(officer, "/cases").status_code == 200
    rotated = api.client.post(f"/api/v1/principals/{pid}/token", headers=bearer(api.admin))
    assert rotated.status_code == 200 and rotated.json()["id"] == pid
    new = rotated.json()["token"]
    assert new != officer and new.startswith("ipc_")
    assert api.get(officer, "/cases").status_code == 401
    assert api.get(new, "/cases").status_code == 200
    assert new not in api.get(api.admin, "/principals").text


def test_a_change_made_elsewhere_is_seen_within_the_cache_time(api: Api, runtime: Runtime) -> None:
    """Another process (the console, another worker) disables: no cache of this one is told."""
    officer = api.principal("officer", "150602")
    pid = principal_id(api, "officer-150602")
    assert api.get(officer, "/cases").status_code == 200
    with runtime.db.write() as session:  # not through this app: its cache is not emptied
        update_principal(session, pid, "cli", disabled=True)
    time.sleep(runtime.settings.principal_cache_seconds + 0.2)
    assert api.get(officer, "/cases").status_code == 401


def test_principal_changes_are_audited_without_the_token(api: Api) -> None:
    officer = api.principal("officer", "150602")
    pid = principal_id(api, "officer-150602")
    admin_id = principal_id(api, "bootstrap admin")
    assert patch(api, pid, {"name": "张三"}).status_code == 200
    assert patch(api, pid, {"disabled": True}).status_code == 200
    assert patch(api, pid, {"disabled": True}).status_code == 200  # no change: nothing recorded
    new = api.client.post(f"/api/v1/principals/{pid}/token", headers=bearer(api.admin)).json()["token"]
    items = [e for e in api.get(api.admin, "/audit/events", limit=500).json()["items"] if e["stream_id"] == pid]
    assert [(e["stream_type"], e["event"], e["from_state"], e["to_state"], e["actor"]) for e in items] == [
        ("principal", "rename", "active", "active", admin_id),
        ("principal", "disable", "active", "disabled", admin_id),
        ("principal", "rotate_token", "disabled", "disabled", admin_id),
    ]
    assert items[0]["data"] == {"from": "officer-150602", "to": "张三"}
    trail = api.get(api.admin, "/audit/events", limit=500).text
    assert officer not in trail and new not in trail
    assert api.get(api.admin, "/audit/verify").json()["ok"] is True


def test_only_an_admin_changes_principals_and_bad_input_is_4xx(api: Api) -> None:
    officer = api.principal("officer", "150602")
    pid = principal_id(api, "officer-150602")
    supervisor = api.principal("supervisor", "150602")
    assert patch(api, pid, {"disabled": True}, supervisor).status_code == 403
    assert api.client.post(f"/api/v1/principals/{pid}/token", headers=bearer(supervisor)).status_code == 403
    assert api.client.post(f"/api/v1/principals/{pid}/token").status_code == 401
    for body in ({}, {"disabled": "maybe"}, {"name": ""}, {"name": "x" * 1000}, {"role": "admin"},
                 {"legal": True}, [], {"disabled": None, "name": None}):
        response = patch(api, pid, body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["code"] == "validation_error"
    raw = api.client.patch(f"/api/v1/principals/{pid}", content=b"{not json", headers={
        **bearer(api.admin), "content-type": "application/json"})
    assert raw.status_code == 422
    for unknown in ("00000000-0000-0000-0000-000000000000", "x" * 37, "%E2%80%8B"):
        assert patch(api, unknown, {"disabled": True}).status_code in (404, 422)
        assert api.client.post(f"/api/v1/principals/{unknown}/token",
                               headers=bearer(api.admin)).status_code in (404, 422)
    assert patch(api, "00000000-0000-0000-0000-000000000000", {"disabled": True}).json()["error"]["code"] == \
        "not_found"
    assert api.get(officer, "/cases").status_code == 200


def test_the_last_enabled_admin_cannot_be_disabled(api: Api) -> None:
    admin_id = principal_id(api, "bootstrap admin")
    refused = patch(api, admin_id, {"disabled": True})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "guard_failed"
    second = api.principal("admin")
    assert patch(api, admin_id, {"disabled": True}, second).status_code == 200
    assert api.get(api.admin, "/principals").status_code == 401


def _cli(args: list[str], database_url: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "IPCASE_DATABASE_URL": database_url}
    environment.pop("IPCASE_BOOTSTRAP_ADMIN_TOKEN", None)
    return subprocess.run(IPCASE + args, env=environment, capture_output=True, text=True, timeout=120)


def test_cli_disables_enables_and_rotates_a_running_servers_principal(api: Api, database_url: str,
                                                                      runtime: Runtime) -> None:
    officer = api.principal("officer", "150602")
    pid = principal_id(api, "officer-150602")
    assert api.get(officer, "/cases").status_code == 200
    disabled = _cli(["principals", "disable", pid], database_url)
    assert disabled.returncode == 0, disabled.stderr
    assert json.loads(disabled.stdout)["disabled"] is True
    time.sleep(runtime.settings.principal_cache_seconds + 0.2)
    assert api.get(officer, "/cases").status_code == 401
    assert _cli(["principals", "enable", pid], database_url).returncode == 0
    rotated = _cli(["principals", "rotate-token", pid], database_url)
    assert rotated.returncode == 0, rotated.stderr
    new = json.loads(rotated.stdout)["token"]
    time.sleep(runtime.settings.principal_cache_seconds + 0.2)
    assert api.get(officer, "/cases").status_code == 401 and api.get(new, "/cases").status_code == 200
    unknown = _cli(["principals", "disable", "no-such-id"], database_url)
    assert unknown.returncode == 2 and "no principal" in unknown.stderr
    events = [e for e in api.get(api.admin, "/audit/events", limit=500).json()["items"] if e["stream_id"] == pid]
    assert [(e["event"], e["actor"]) for e in events] == [("disable", "cli"), ("enable", "cli"),
                                                          ("rotate_token", "cli")]


def test_a_restart_does_not_bring_back_a_rotated_bootstrap_token(api: Api, runtime: Runtime) -> None:
    admin_id = principal_id(api, "bootstrap admin")
    new = api.client.post(f"/api/v1/principals/{admin_id}/token", headers=bearer(api.admin)).json()["token"]
    restarted = Runtime.from_settings(runtime.settings).start()  # IPCASE_BOOTSTRAP_ADMIN_TOKEN still set
    restarted.db.engine.dispose()
    api.client.app.state.actor_cache.clear()
    assert api.get(api.admin, "/principals").status_code == 401
    assert [p["role"] for p in api.get(new, "/principals").json()["items"]] == ["admin"]
