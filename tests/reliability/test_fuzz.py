"""Schemathesis against `/openapi.json` of a running `ipcase serve`, as every role: no 5xx, and
every answer matches the schema it documents (SPEC §9: every bad input gets a 4xx).

A fixed seed keeps the run the same from one CI run to the next, so a landing is never blocked
by a new random find; the README gives the longer random run to do by hand.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import ADMIN_TOKEN, bearer, penalty_case
from tests.reliability.test_crash import serve

SEED = "20261125"
ROLES = {
    "officer": {"role": "officer", "district": "150602"},
    "supervisor": {"role": "supervisor", "district": "150602"},
    "city": {"role": "city"},
    "auditor": {"role": "auditor"},
    "partner": {"role": "partner", "agency": "police-150602"},
    "admin": None,
}

SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SCHEMATHESIS is None, reason="schemathesis is not installed (pip install -e '.[test]')")
def test_no_server_errors_for_any_role(database_url: str, runtime, tmp_path) -> None:
    with serve(database_url, tmp_path / "prefect") as (base, _):
        with httpx.Client(base_url=base, timeout=10) as http:
            tokens = {"admin": ADMIN_TOKEN}
            for name, body in ROLES.items():
                if body is not None:
                    r = http.post("/api/v1/principals", headers=bearer(ADMIN_TOKEN), json={"name": name, **body})
                    assert r.status_code == 201, r.text
                    tokens[name] = r.json()["token"]
            case = http.post("/api/v1/cases", json=penalty_case(), headers=bearer(tokens["officer"])).json()
            http.post(f"/api/v1/cases/{case['id']}/events", json={"event": "accept"},
                      headers=bearer(tokens["supervisor"]))
        failures = []
        for name, token in tokens.items():
            run = subprocess.run(
                [SCHEMATHESIS, "run", f"{base}/openapi.json", "-H", f"Authorization: Bearer {token}",
                 "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", "8",
                 "--seed", SEED, "--generation-database", "none", "--no-color"],
                capture_output=True, text=True, timeout=600)
            if run.returncode != 0:
                failures.append(f"--- as {name} ---\n{run.stdout[-6000:]}")
        with httpx.Client(base_url=base, timeout=10) as http:
            assert http.get("/api/v1/audit/verify", headers=bearer(ADMIN_TOKEN)).json()["ok"] is True
    assert not failures, "\n".join(failures)
