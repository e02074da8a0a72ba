"""Helpers of the campaign tests: a fixed 'now', bodies, and calls that assert their status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.helpers import Api, bearer, credit_code

A, B, C = "150602", "150603", "150621"


def at(day: str, hour: int = 4) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, tzinfo=UTC)


def post(api: Api, token: str, path: str, body: dict, status: int = 201) -> dict:
    response = api.client.post(f"/api/v1{path}", json=body, headers=bearer(token))
    assert response.status_code == status, response.text
    return response.json()


def patch(api: Api, token: str, path: str, body: dict, status: int = 200) -> dict:
    response = api.client.patch(f"/api/v1{path}", json=body, headers=bearer(token))
    assert response.status_code == status, response.text
    return response.json()


def get(api: Api, token: str, path: str, expect: int = 200, **params: Any) -> dict:
    response = api.get(token, path, **params)
    assert response.status_code == expect, response.text
    return response.json()


def refused(response_json: dict, code: str, field: str | None = None) -> None:
    error = response_json["error"]
    assert error["code"] == code, error
    if field is not None:
        assert field in error["fields"], error


def finding_case(n: int = 1, **overrides: Any) -> dict:
    body = {"kind": "trademark_infringement",
            "parties": {"respondent": {"name": f"某展商{n}有限公司", "credit_code": credit_code(n)}}}
    body.update(overrides)
    return body


def inspection(day: str, **overrides: Any) -> dict:
    body = {"date": day, "place": "康巴什会展中心", "method": "on_site", "result": "compliant"}
    body.update(overrides)
    return body
