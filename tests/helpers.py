"""A thin client for the API in tests: principals, cases and events by name."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.testclient import TestClient

from state_machines.identifiers import credit_code_check_character

ADMIN_TOKEN = "test-admin-token-0123456789"
CREDIT_CODE = "914403001922038216"
OTHER_CREDIT_CODE = "91110000600037341L"
ID_NUMBER = "11010519491231002X"

T = TypeVar("T")


def all_at_once(n: int, work: Callable[[int], T], timeout: float = 60) -> list[T]:
    """Run `work(0..n-1)` in n threads released together by a barrier; their results in order.

    An exception in any thread fails the caller (a bare thread would swallow it, and an assertion
    inside a worker would then never fail the test)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout)
            results[i] = work(i)
        except BaseException as exc:  # re-raised in the caller below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads), "a worker did not finish in time"
    return results


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def credit_code(n: int) -> str:
    """The n-th valid unified social credit code of a made-up Ordos company (a distinct respondent)."""
    first17 = f"91150602{n:09d}"
    return first17 + credit_code_check_character(first17)


def penalty_case(district: str = "150602", **overrides: Any) -> dict:
    body = {
        "kind": "trademark_infringement",
        "district": district,
        "source": "complaint",
        "title": "销售假冒注册商标的白酒",
        "description": "权利人投诉某商贸公司销售假冒其注册商标的白酒。",
        "parties": {
            "respondent": {"name": "某商贸有限公司", "credit_code": CREDIT_CODE},
            "complainant": {"name": "某酒业股份有限公司", "credit_code": OTHER_CREDIT_CODE},
        },
        "sector": "food",
        "venue": "market",
        "tags": ["春节"],
        "amounts": {"case_value": "12000.50"},
    }
    body.update(overrides)
    return body


def ruling_case(district: str = "150600", **overrides: Any) -> dict:
    body = penalty_case(district, kind="patent_dispute", title="专利侵权纠纷行政裁决请求",
                        description="请求人认为被请求人制造的产品落入其发明专利权保护范围。")
    body.update(overrides)
    return body


class Api:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.admin = ADMIN_TOKEN

    def principal(self, role: str, district: str | None = None, agency: str | None = None) -> str:
        body: dict[str, Any] = {"name": f"{role}-{district or agency or ''}", "role": role}
        if district:
            body["district"] = district
        if agency:
            body["agency"] = agency
        response = self.client.post("/api/v1/principals", json=body, headers=bearer(self.admin))
        assert response.status_code == 201, response.text
        return response.json()["token"]

    def create(self, token: str, body: dict) -> dict:
        response = self.client.post("/api/v1/cases", json=body, headers=bearer(token))
        assert response.status_code == 201, response.text
        return response.json()

    def fire(self, token: str, case_id: str, event: str, data: dict | None = None, reason: str | None = None,
             headers: dict[str, str] | None = None):
        body: dict[str, Any] = {"event": event}
        if data is not None:
            body["data"] = data
        if reason is not None:
            body["reason"] = reason
        return self.client.post(f"/api/v1/cases/{case_id}/events", json=body,
                                headers={**bearer(token), **(headers or {})})

    def ok(self, token: str, case_id: str, event: str, data: dict | None = None, reason: str | None = None) -> dict:
        response = self.fire(token, case_id, event, data, reason)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, token: str, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", params=params, headers=bearer(token))


def board_cookie(client: TestClient, token: str) -> str:
    """A `cookie` header with a board session for the principal holding `token` (any role, as if it
    had signed in), or with an unknown session id for an unknown token (issue 23: the cookie holds a
    session id, never the token)."""
    from service.board.signin import COOKIE
    from service.core.principals import find_by_token, open_board_session

    with client.app.state.runtime.db.write() as session:
        principal = find_by_token(session, token)
        sid = open_board_session(session, principal.id, 3600) if principal else f"unknown-{token}"[:100]
    return f"{COOKIE}={sid}"
