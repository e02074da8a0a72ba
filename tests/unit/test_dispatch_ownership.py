"""IPCASE_DISPATCH (issue 16 §3): which processes deliver handoffs. `ipcase serve` starts its
dispatcher with role `api`, `ipcase worker` with role `worker`; compose sets `worker` everywhere."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import workflows.dispatcher
from service.core.config import Settings
from workflows.scheduling import start_dispatcher


@pytest.mark.parametrize(("mode", "delivering"), [("api", {"api"}), ("worker", {"worker"}),
                                                  ("both", {"api", "worker"})])
def test_only_the_processes_dispatch_names_deliver(monkeypatch, mode: str, delivering: set[str]) -> None:
    started: list[float] = []
    monkeypatch.setattr(workflows.dispatcher, "start_dispatcher", lambda runtime, poll: started.append(poll) or "ev")
    runtime = SimpleNamespace(settings=Settings(dispatch=mode))
    for role in ("api", "worker"):
        started.clear()
        result = start_dispatcher(runtime, 0.5, role=role)
        assert (result == "ev" and started == [0.5]) is (role in delivering), (mode, role)
        assert (result is None and started == []) is (role not in delivering), (mode, role)


def test_an_unknown_dispatch_mode_is_refused_at_start() -> None:
    with pytest.raises(ValueError):
        Settings(dispatch="everyone")
