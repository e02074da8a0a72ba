"""Migration 0011 keeps version-1 entries: approved → listed with the old `until` and `legacy`."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import create_engine, text

from service.core.migrate import alembic_config
from service.core.runtime import Runtime
from tests.helpers import Api, penalty_case


def test_version_1_entries_are_migrated_not_dropped(api: Api, runtime: Runtime, database_url: str) -> None:
    officer = api.principal("officer", "150602")
    party_id = api.create(officer, penalty_case())["parties"]["respondent"]["id"]
    runtime.db.engine.dispose()
    engine = create_engine(database_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    approved_at = datetime(2026, 5, 31, 20, 0, tzinfo=UTC)  # 2026-06-01 in China
    rows = [("e-approved", "approved", date(2099, 12, 31)), ("e-rejected", "rejected", date(2027, 1, 1)),
            ("e-proposed", "proposed", date(2027, 1, 1)), ("e-repaired", "repaired", date(2027, 1, 1))]
    with engine.begin() as conn:
        for entry_id, state, until in rows:
            conn.execute(text(
                "INSERT INTO dishonest_entries (id, party_id, case_id, district, basis, until, state, decision, "
                "version, head_hash, created_at, updated_at) VALUES (:id, :party, NULL, '150602', '重复侵权', "
                ":until, :state, NULL, 0, '', :at, :at)"),
                {"id": entry_id, "party": party_id, "until": until, "state": state, "at": approved_at})
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        got = {r.id: r for r in conn.execute(text(
            "SELECT id, state, until, listed_on, legacy FROM dishonest_entries"))}
    engine.dispose()
    assert len(got) == 4
    approved = got["e-approved"]
    assert approved.state == "listed" and bool(approved.legacy) is True
    assert str(approved.until) == "2099-12-31" and str(approved.listed_on) == "2026-06-01"
    assert got["e-rejected"].state == "refused" and got["e-proposed"].state == "proposed"
    assert got["e-repaired"].state == "repaired" and all(bool(r.legacy) for r in got.values())
