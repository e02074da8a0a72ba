"""Machine versions side by side (SPEC §10.1, §10.9): a version-1 case keeps its machine, the
migration to version 2 moves `received` cases only, audited, and the machines are served per version."""

from __future__ import annotations

import json

from service.core.runtime import Runtime
from tests.helpers import Api, bearer, penalty_case
from tests.integration.cases.v2_support import district_people
from tests.integration.core.test_cli_and_ops import _run


def _admin_id(api: Api) -> str:
    principals = api.client.get("/api/v1/principals", headers=bearer(api.admin)).json()["items"]
    return next(p["id"] for p in principals if p["role"] == "admin")


def test_version_1_cases_finish_under_version_1_and_received_ones_migrate(api: Api, runtime: Runtime,
                                                                          database_url: str) -> None:
    assert runtime.settings.machine_version == 1  # tests/conftest.py: the suite's default
    people = district_people(api)
    sup, off = people.supervisor.token, people.officer.token
    waiting = api.create(off, penalty_case())
    filed = api.create(off, penalty_case())
    assert waiting["machine_version"] == 1 and "officers" not in waiting
    api.ok(sup, filed["id"], "accept", {})

    runtime.settings.machine_version = 2  # the upgrade: new cases are version 2 from now on
    new = api.create(off, penalty_case())
    assert new["machine_version"] == 2
    # version 1's row filed → penalty_notice still applies to the version-1 case; version 2 refuses it
    assert api.ok(sup, filed["id"], "notify_penalty", {"proposed_fine": 5000})["state"] == "penalty_notice"
    api.ok(sup, new["id"], "accept", {"co_officer": people.co_officer.id})
    assert api.fire(sup, new["id"], "notify_penalty", {"proposed_fine": 5000}).status_code == 409

    admin = _admin_id(api)
    dry = _run(["cases", "migrate", "--to", "2", "--actor", admin, "--dry-run"], database_url)
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan == {"to": 2, "dry_run": True, "move": [waiting["id"]], "stay": [filed["id"]]}
    assert api.get(sup, f"/cases/{waiting['id']}").json()["machine_version"] == 1  # nothing changed

    refused = _run(["cases", "migrate", "--to", "2", "--actor", people.supervisor.id], database_url)
    assert refused.returncode == 2 and "admin" in refused.stderr
    assert _run(["cases", "migrate", "--to", "9", "--actor", admin], database_url).returncode == 2

    done = _run(["cases", "migrate", "--to", "2", "--actor", admin], database_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["move"] == [waiting["id"]]
    moved = api.get(sup, f"/cases/{waiting['id']}").json()
    assert moved["machine_version"] == 2 and moved["state"] == "received"
    assert moved["officers"] == [people.officer.id]
    assert [d["name"] for d in moved["deadlines"]] == ["filing_decision"]
    last = api.get(sup, f"/cases/{waiting['id']}/history").json()["items"][-1]
    assert last["event"] == "migrate" and last["actor"] == admin
    assert last["data"] == {"from_version": 1, "to_version": 2, "state": "received"}
    assert api.get(sup, f"/cases/{filed['id']}").json()["machine_version"] == 1
    # the moved case now follows version 2: accept names the second officer
    assert api.fire(sup, waiting["id"], "accept", {}).status_code == 422
    assert api.ok(sup, waiting["id"], "accept", {"co_officer": people.co_officer.id})["state"] == "filed"
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True
    again = _run(["cases", "migrate", "--to", "2", "--actor", admin, "--dry-run"], database_url)
    assert json.loads(again.stdout)["move"] == []


def test_state_machine_is_served_per_version(api: Api) -> None:
    token = api.principal("officer", "150602")
    v2 = api.get(token, "/state-machine", version=2, format="json")
    assert v2.status_code == 200 and v2.json()["version"] == 2
    assert {"investigated", "in_review", "reviewed", "heard"} <= {s["name"] for s in v2.json()["states"]}
    mermaid = api.get(token, "/state-machine", version=2, format="mermaid")
    assert mermaid.status_code == 200 and "version 2" in mermaid.text and "in_review" in mermaid.text
    v1 = api.get(token, "/state-machine", version=1).json()
    assert v1["version"] == 1 and "in_review" not in {s["name"] for s in v1["states"]}
    assert api.get(token, "/state-machine").json()["version"] == 1  # IPCASE_MACHINE_VERSION of this suite
    unknown = api.get(token, "/state-machine", version=9)
    assert unknown.status_code == 422 and unknown.json()["error"]["fields"] == ["version"]
