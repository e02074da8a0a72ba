"""`service.asgi:app` for running several uvicorn workers (each builds its own runtime)."""

from service.app import create_app
from service.core.runtime import Runtime, settle_heap

app = create_app(Runtime.from_settings().start())
settle_heap()
