"""The case file's tests run on both stores (the database, a directory) with a 1 MiB limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.core.config import Settings
from tests.helpers import ADMIN_TOKEN

LIMIT = 1 << 20


@pytest.fixture(params=["database", "directory"])
def store_kind(request) -> str:
    return request.param


@pytest.fixture
def settings(database_url: str, tmp_path: Path, store_kind: str) -> Settings:
    return Settings(database_url=database_url, bootstrap_admin_token=ADMIN_TOKEN, attachment_max_bytes=LIMIT,
                    attachment_dir=str(tmp_path / "files") if store_kind == "directory" else None,
                    archive_key_path=str(tmp_path / "keys" / "archive.pem"))
