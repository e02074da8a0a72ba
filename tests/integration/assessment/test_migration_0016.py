"""Migration 0016 goes down and up again, and on PostgreSQL fills `clock_summary` for existing cases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from service.core.migrate import alembic_config
from service.core.runtime import Runtime
from tests.helpers import Api, penalty_case


def test_down_and_up_again_keeps_the_cases_and_summarises_their_clocks(api: Api, runtime: Runtime,
                                                                       database_url: str) -> None:
    officer, supervisor = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    case_id = api.create(officer, penalty_case())["id"]
    api.ok(supervisor, case_id, "accept")
    runtime.db.engine.dispose()
    engine = create_engine(database_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0015")
    assert "assessment_adjustments" not in inspect(engine).get_table_names()
    assert "clock_summary" not in {c["name"] for c in inspect(engine).get_columns("cases")}
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert "assessment_adjustments" in inspect(engine).get_table_names()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            summary = conn.execute(text("SELECT clock_summary FROM cases WHERE id = :id"), {"id": case_id}).scalar()
        assert any(s.startswith("case_closing|running|") for s in summary)
    engine.dispose()
