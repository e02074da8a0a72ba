"""Officers of two districts record inspections of one campaign at the same moment over a real server:
every inspection is kept, each once, and the campaign's audit stream stays one unbroken chain."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from state_machines.types import CHINA_TZ
from tests.helpers import Api, all_at_once, bearer

from .support import A, B, finding_case, get, inspection, post


def test_concurrent_inspections_keep_one_chain(api: Api, live_server: str) -> None:
    city = api.principal("city")
    officers = [api.principal("officer", A), api.principal("officer", B)]
    today = datetime.now(CHINA_TZ).date()
    campaign = post(api, city, "/campaigns", {
        "kind": "other", "name": "并发检查", "districts": [A, B],
        "period": {"start": (today - timedelta(days=30)).isoformat(), "end": (today + timedelta(days=30)).isoformat()}})
    day = (today - timedelta(days=1)).isoformat()
    bodies = [inspection(day, place=f"检查点{i}") if i % 2 else
              inspection(day, place=f"检查点{i}", result="problem_found", findings="发现问题",
                         case=finding_case(i)) for i in range(12)]

    def worker(i: int) -> int:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            return http.post(f"/api/v1/campaigns/{campaign['id']}/inspections", json=bodies[i],
                             headers=bearer(officers[i % 2])).status_code

    assert all_at_once(len(bodies), worker) == [201] * len(bodies)
    items = get(api, city, f"/campaigns/{campaign['id']}/inspections")["items"]
    assert sorted(i["place"] for i in items) == sorted(f"检查点{i}" for i in range(12))
    assert sum(1 for i in items if i["case_id"]) == 6
    events = get(api, city, "/audit/events", case_id=campaign["id"], limit=100)["items"]
    assert [e["seq"] for e in events] == list(range(1, 20))  # create, 12 inspections, 6 cases opened
    assert get(api, city, "/audit/verify")["ok"] is True
    assert get(api, city, "/campaigns")["items"][0]["version"] == 19
