"""What the machine-version-2 tests share: a district's people with their ids, and the walk to a state.

The suite runs with `IPCASE_MACHINE_VERSION=1` (tests/conftest.py); a module of version-2 tests
overrides the `settings` fixture with `v2_settings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from service.core.config import Settings
from tests.helpers import ADMIN_TOKEN, Api, bearer


def v2_settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, bootstrap_admin_token=ADMIN_TOKEN, machine_version=2, **overrides)


@dataclass
class Person:
    id: str
    token: str


def person(api: Api, role: str, district: str | None = None, **extra: Any) -> Person:
    body: dict[str, Any] = {"name": f"{role}-{district or ''}", "role": role, **extra}
    if district:
        body["district"] = district
    response = api.client.post("/api/v1/principals", json=body, headers=bearer(api.admin))
    assert response.status_code == 201, response.text
    return Person(**response.json())


@dataclass
class District:
    """The people of one district that a version-2 penalty case needs (SPEC §10.2)."""

    officer: Person
    co_officer: Person
    supervisor: Person
    reviewer: Person


def district_people(api: Api, district: str = "150602") -> District:
    return District(officer=person(api, "officer", district), co_officer=person(api, "officer", district),
                    supervisor=person(api, "supervisor", district),
                    reviewer=person(api, "reviewer", district, legal_qualified=True))


def at(day: str, hour_utc: int = 2) -> datetime:
    """10:00 China time of a day (02:00 UTC)."""
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour_utc, tzinfo=UTC)


def investigation(fine: int) -> dict:
    """The 调查终结报告 of SPEC §10.3 proposing `fine` yuan (no penalty when 0)."""
    return {"facts": "销售假冒注册商标的白酒", "evidence": "现场检查笔录、扣押清单",
            "legal_basis": "商标法第六十条第二款",
            "proposal": {"outcome": "penalty" if fine else "no_penalty", "fine": fine}}


def to_reviewed(api: Api, people: District, case_id: str, fine: int, **submit: Any) -> dict:
    """filed (or received) → investigated → in_review → reviewed, proposing `fine`."""
    case = api.get(people.supervisor.token, f"/cases/{case_id}").json()
    if case["state"] == "received":
        api.ok(people.supervisor.token, case_id, "accept", {"co_officer": people.co_officer.id})
    api.ok(people.officer.token, case_id, "conclude_investigation", investigation(fine))
    api.ok(people.supervisor.token, case_id, "submit_review", submit)
    return api.ok(people.reviewer.token, case_id, "pass_review", {"opinion": "事实清楚，证据确凿，适用法律正确"})
