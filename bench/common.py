"""What the benchmarks share: a PostgreSQL database of their own, made fresh for each run."""

from __future__ import annotations

import psycopg


def _server_and_name(url: str) -> tuple[str, str]:
    server, name = url.replace("+psycopg", "").rsplit("/", 1)
    return server, name


def fresh_database(url: str) -> str:
    """Drop and create the database `url` names (SQLAlchemy or libpq form); returns the libpq URL."""
    server, name = _server_and_name(url)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop_database(url: str) -> None:
    server, name = _server_and_name(url)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
