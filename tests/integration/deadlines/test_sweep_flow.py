"""`sweep_deadlines` as a real Prefect flow run (a temporary Prefect server, as in production)."""

from __future__ import annotations

import time_machine

from service.core.runtime import Runtime
from tests.helpers import Api, penalty_case
from tests.integration.deadlines.test_deadlines import at
from workflows import context


def test_sweep_flow_escalates_once(prefect_server, api: Api, runtime: Runtime) -> None:
    from prefect.client.orchestration import get_client  # noqa: F401  (the harness is live)

    from workflows.sweep import sweep_deadlines

    officer, city = api.principal("officer", "150602"), api.principal("city")
    api.principal("supervisor", "150602")
    with time_machine.travel(at("2025-09-26"), tick=False):
        case = api.create(officer, penalty_case(received_at="2025-09-26T09:00:00+08:00"))
    context.use(runtime)
    first = sweep_deadlines(now=at("2025-10-24"))
    second = sweep_deadlines(now=at("2025-10-24"))
    assert first["escalations"] == 1 and first["notifications"] == 3  # officer, supervisor, city
    assert second["notifications"] == 0 and second["escalations"] == 0
    assert [e["case_id"] for e in api.get(city, "/escalations").json()["items"]] == [case["id"]]


def test_serve_runs_the_sweep_in_process(prefect_server, api: Api, runtime: Runtime) -> None:
    """What `ipcase serve` starts: a background loop of flow runs; here its first pass is awaited."""
    import time

    from workflows.scheduling import start_in_process

    officer, city = api.principal("officer", "150602"), api.principal("city")
    case = api.create(officer, penalty_case(received_at="2025-09-26T09:00:00+08:00"))  # overdue today
    stop = start_in_process(runtime, interval_seconds=3600, first_delay_seconds=0.01)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            items = api.get(city, "/escalations").json()["items"]
            if items:
                break
            time.sleep(0.2)
        assert [e["case_id"] for e in items] == [case["id"]]
    finally:
        stop.set()
