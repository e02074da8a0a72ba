"""Test fixtures: a fresh database per test on the backend `IPCASE_TEST_DB` names.

`IPCASE_TEST_DB=sqlite` (default) uses a file per test; `IPCASE_TEST_DB=postgresql` creates a
migrated template database once per run on `IPCASE_TEST_PG` (default the local server) and
clones it per test, dropping everything at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

# Prefect: a home of this run's own (its state database is SQLite, see shared/NOTES.md), and
# quiet logs, so a temporary server stopped at exit does not print after pytest's summary.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="ipcase-prefect-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The partner servers of tests/partners.py listen on 127.0.0.1, a loopback address the webhook
# policy refuses by default (SPEC §5); `ipcase serve` subprocesses inherit this too.
os.environ.setdefault("IPCASE_WEBHOOK_ALLOW_PRIVATE", "true")
# The suite before SPEC §10 was written for machine version 1: it keeps testing version 1; the
# version-2 tests ask for version 2 themselves (tests/integration/cases/v2_support.py).
os.environ.setdefault("IPCASE_MACHINE_VERSION", "1")

import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient

from service.app import create_app
from service.core.config import Settings
from service.core.runtime import Runtime

from .helpers import ADMIN_TOKEN, Api

BACKEND = os.environ.get("IPCASE_TEST_DB", "sqlite")
PG_SERVER = os.environ.get("IPCASE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
RUN_ID = uuid.uuid4().hex[:8]


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(PG_SERVER.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True)


@pytest.fixture(scope="session")
def template_url(tmp_path_factory) -> Iterator[str]:
    """A migrated database with the default data set and the bootstrap admin, cloned per test."""
    if BACKEND == "postgresql":
        name = f"ipcase_tmpl_{RUN_ID}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG_SERVER}/{name}"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.db'}"
    runtime = Runtime.from_settings(Settings(database_url=url, bootstrap_admin_token=ADMIN_TOKEN)).start()
    runtime.db.engine.dispose()
    yield url
    if BACKEND == "postgresql":
        with _pg_admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname LIKE %s",
                (f"ipcase_%_{RUN_ID}%",),
            )
            for (db,) in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                      (f"ipcase_%{RUN_ID}%",)).fetchall():
                conn.execute(f'DROP DATABASE IF EXISTS "{db}"')


@pytest.fixture
def database_url(template_url: str, tmp_path: Path) -> Iterator[str]:
    if BACKEND == "postgresql":
        name = f"ipcase_t{uuid.uuid4().hex[:10]}_{RUN_ID}"
        template = template_url.rsplit("/", 1)[1]
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield f"{PG_SERVER}/{name}"
        with _pg_admin() as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        source = Path(template_url.removeprefix("sqlite:///"))
        target = tmp_path / "ipcase.db"
        shutil.copy(source, target)
        yield f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, bootstrap_admin_token=ADMIN_TOKEN)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.from_settings(settings).start()
    yield rt
    rt.db.engine.dispose()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(runtime: Runtime) -> Iterator[str]:
    """The real app under uvicorn on a free local port, for tests that need real concurrency."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def pytest_collection_modifyitems(config, items) -> None:
    if BACKEND == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (IPCASE_TEST_DB=postgresql)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def prefect_server():
    """A temporary Prefect server for the tests that run real flows (started once, ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
