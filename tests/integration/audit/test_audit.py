"""The audit chain: database triggers refuse edits, and verify finds a tampered or missing event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.audit.service import GENESIS, event_hash
from service.cases.models import Case
from service.core.models import Event
from service.core.runtime import Runtime
from tests.helpers import Api, penalty_case


def _case_with_history(api: Api) -> tuple[str, str]:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    for i in range(3):
        api.ok(officer, case["id"], "add_note", {"text": f"笔录 {i}"})
    return case["id"], api.principal("auditor")


def _without_triggers(runtime: Runtime, statement: str, **params) -> None:
    """An attacker with DDL rights: disable the triggers, edit, enable them again."""
    with runtime.db.engine.begin() as conn:
        if runtime.db.is_sqlite:
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(text("DROP TRIGGER events_no_delete"))
            conn.execute(text(statement), params)
        else:
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
            conn.execute(text(statement), params)
            for trigger in ("events_append_only", "events_no_truncate"):
                conn.execute(text(f"ALTER TABLE events ENABLE ALWAYS TRIGGER {trigger}"))


def test_the_database_refuses_update_and_delete_of_events(api: Api, runtime: Runtime) -> None:
    case_id, _ = _case_with_history(api)
    for statement in ("UPDATE events SET reason = 'x' WHERE stream_id = :id",
                      "DELETE FROM events WHERE stream_id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            with runtime.db.engine.begin() as conn:
                conn.execute(text(statement), {"id": case_id})


@pytest.mark.postgres_only
def test_postgres_refuses_truncate_even_in_replica_mode(api: Api, runtime: Runtime) -> None:
    _case_with_history(api)
    with pytest.raises(DBAPIError, match="append-only"):
        with runtime.db.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("TRUNCATE events"))
    with pytest.raises(DBAPIError, match="append-only"):
        with runtime.db.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("UPDATE events SET reason = 'x'"))


def test_verify_reports_a_tampered_event(api: Api, runtime: Runtime) -> None:
    case_id, auditor = _case_with_history(api)
    assert api.get(auditor, "/audit/verify").json() == {"ok": True, "events_checked": 4}
    _without_triggers(runtime, "UPDATE events SET data = :d WHERE stream_id = :id AND seq = 3",
                      d='{"text": "篡改"}', id=case_id)
    result = api.get(auditor, "/audit/verify").json()
    assert result["ok"] is False
    assert result["first_bad"]["stream_id"] == case_id and result["first_bad"]["seq"] == 3
    assert "hash" in result["first_bad"]["problem"]


def test_verify_reports_a_deleted_last_event(api: Api, runtime: Runtime) -> None:
    case_id, auditor = _case_with_history(api)
    _without_triggers(runtime, "DELETE FROM events WHERE stream_id = :id AND seq = 4", id=case_id)
    result = api.get(auditor, "/audit/verify").json()
    assert result["ok"] is False and result["first_bad"]["stream_id"] == case_id


def test_verify_reports_a_deleted_middle_event(api: Api, runtime: Runtime) -> None:
    case_id, auditor = _case_with_history(api)
    _without_triggers(runtime, "DELETE FROM events WHERE stream_id = :id AND seq = 2", id=case_id)
    result = api.get(auditor, "/audit/verify").json()
    assert result["ok"] is False and result["first_bad"]["seq"] == 2


def _forged_insert(runtime: Runtime, stream_id: str, seq: int, prev_hash: str) -> None:
    """Insert an event whose own hash is right: only the chain and the stream head can tell."""
    at = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    fields = {"stream_type": "case", "stream_id": stream_id, "seq": seq, "event": "add_note",
              "from_state": "received", "to_state": "received", "actor": "forger", "at": at,
              "data": {"text": "伪造"}, "reason": None, "prev_hash": prev_hash}
    with runtime.db.engine.begin() as conn:
        conn.execute(Event.__table__.insert(), {**fields, "hash": event_hash(**fields)})


def test_verify_reports_an_event_appended_behind_the_head(api: Api, runtime: Runtime) -> None:
    case_id, auditor = _case_with_history(api)
    with runtime.db.read() as session:
        head = session.get(Case, case_id).head_hash
    _forged_insert(runtime, case_id, 5, head)
    result = api.get(auditor, "/audit/verify").json()
    assert result["ok"] is False
    assert result["first_bad"]["stream_id"] == case_id and result["first_bad"]["seq"] == 5


def test_verify_reports_events_of_a_stream_nobody_created(api: Api, runtime: Runtime) -> None:
    _, auditor = _case_with_history(api)
    _forged_insert(runtime, "00000000-0000-4000-8000-000000000000", 1, GENESIS)
    result = api.get(auditor, "/audit/verify").json()
    assert result["ok"] is False and "no head row" in result["first_bad"]["problem"]


def test_audit_endpoints_are_for_auditor_city_and_admin(api: Api) -> None:
    case_id, auditor = _case_with_history(api)
    for role, district in (("officer", "150602"), ("supervisor", "150602"), ("partner", None)):
        token = api.principal(role, district, agency="police-150602" if role == "partner" else None)
        assert api.get(token, "/audit/verify").status_code == 403
        assert api.get(token, "/audit/events").status_code == 403
    for token in (auditor, api.principal("city"), api.admin):
        assert api.get(token, "/audit/verify").status_code == 200
        events = api.get(token, "/audit/events", case_id=case_id, limit=2).json()
        assert [e["seq"] for e in events["items"]] == [1, 2] and events["next_cursor"]
        rest = api.get(token, "/audit/events", case_id=case_id, cursor=events["next_cursor"]).json()
        assert [e["seq"] for e in rest["items"]] == [3, 4]
