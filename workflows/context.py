"""The runtime the flows use: the API's own in `ipcase serve`, one built from settings in `ipcase worker`."""

from __future__ import annotations

import threading

from service.core.runtime import Runtime

_lock = threading.Lock()
_runtime: Runtime | None = None


def use(runtime: Runtime) -> None:
    global _runtime
    with _lock:
        _runtime = runtime


def current() -> Runtime:
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = Runtime.from_settings().start()
        return _runtime
