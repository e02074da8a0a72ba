"""Group commit: events fired together in one transaction behave as if fired one by one, in order."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from service.audit.service import verify
from service.cases.commands import EventRequest, fire_events
from service.cases.event_writer import EventWriter
from service.core.principals import actor_of, find_by_token
from service.core.runtime import Runtime
from state_machines.errors import DomainError, InvalidTransition, VersionConflict
from state_machines.principals import Actor
from tests.helpers import Api, credit_code, penalty_case


def _actor(runtime: Runtime, token: str) -> Actor:
    with runtime.db.read() as session:
        return actor_of(find_by_token(session, token))


def _note(actor: Actor, case_id: str, text_: str, **headers: str) -> EventRequest:
    body = json.dumps({"event": "add_note", "data": {"text": text_}}).encode()
    return EventRequest(actor, case_id, body, headers.get("if_match"), headers.get("idempotency_key"))


def _rendered(answers: list) -> list:
    """The answers as requests get them: an answer not stored with a key is rendered after the commit."""
    return [answer() if callable(answer) else answer for answer in answers]


def _batch(runtime: Runtime, requests: list[EventRequest]) -> list[dict | DomainError]:
    with runtime.db.write() as session:
        answers = fire_events(session, requests, runtime.rules)
    return _rendered(answers)


def _history(api: Api, token: str, case_id: str) -> list[dict]:
    return api.get(token, f"/cases/{case_id}/history").json()["items"]


def test_events_on_one_case_in_one_batch_apply_in_order(api: Api, runtime: Runtime) -> None:
    token = api.principal("officer", "150602")
    officer = _actor(runtime, token)
    case = api.create(token, penalty_case())
    answers = _batch(runtime, [_note(officer, case["id"], "一"), _note(officer, case["id"], "二"),
                               _note(officer, case["id"], "三", if_match="2")])
    assert [a["version"] for a in answers[:2]] == [2, 3]
    assert isinstance(answers[2], VersionConflict)  # it saw the second event, not the stored version
    history = _history(api, token, case["id"])
    assert [(e["seq"], e["data"].get("text")) for e in history] == [(1, None), (2, "一"), (3, "二")]
    assert history[2]["prev_hash"] == history[1]["hash"]
    with runtime.db.read() as session:
        assert verify(session).ok


def test_a_refusal_in_a_batch_changes_nothing_and_spares_its_neighbours(api: Api, runtime: Runtime) -> None:
    token = api.principal("officer", "150602")
    officer = _actor(runtime, token)
    first, second = (api.create(token, penalty_case(parties={"respondent": {
        "name": f"某公司{i}", "credit_code": credit_code(500 + i)}})) for i in range(2))
    supervisor = _actor(runtime, api.principal("supervisor", "150602"))
    decide = EventRequest(supervisor, first["id"], b'{"event": "decide", "data": {}}')
    answers = _batch(runtime, [_note(officer, first["id"], "前"), decide, _note(officer, second["id"], "后"),
                               EventRequest(officer, "no-such-case", b'{"event": "add_note"}')])
    assert answers[0]["version"] == 2 and answers[2]["version"] == 2
    assert isinstance(answers[1], InvalidTransition)
    assert answers[3].code == "not_found"
    assert len(_history(api, token, first["id"])) == 2
    assert api.get(token, f"/cases/{first['id']}").json()["state"] == "received"


def test_a_repeated_idempotency_key_inside_one_batch_fires_once(api: Api, runtime: Runtime) -> None:
    token = api.principal("officer", "150602")
    officer = _actor(runtime, token)
    case = api.create(token, penalty_case())
    same = _note(officer, case["id"], "一次", idempotency_key="k-1")
    other_body = _note(officer, case["id"], "另一个", idempotency_key="k-1")
    answers = _batch(runtime, [same, same, other_body])
    assert answers[0] == answers[1] and answers[0]["version"] == 2
    assert answers[2].code == "validation_error"
    assert len(_history(api, token, case["id"])) == 2
    # and across batches, as before
    assert _batch(runtime, [same])[0] == answers[0]


def test_a_record_reflects_events_earlier_in_the_same_batch(api: Api, runtime: Runtime) -> None:
    """The respondent's record is read once per batch and kept current as the batch's events apply."""
    respondent = {"name": "某商贸有限公司", "credit_code": credit_code(900)}
    here_token, there_token = api.principal("officer", "150602"), api.principal("supervisor", "150603")
    here = api.create(here_token, penalty_case(parties={"respondent": respondent}))
    there = api.create(there_token, penalty_case("150603", parties={"respondent": respondent}))
    assert api.get(here_token, f"/cases/{here['id']}").json()["risk"]["open_cases_elsewhere"] == 1
    officer, supervisor = _actor(runtime, here_token), _actor(runtime, there_token)
    reject = EventRequest(supervisor, there["id"], json.dumps(
        {"event": "reject", "data": {}, "reason": "不属于本机关管辖"}).encode())
    before, _, after = _batch(runtime, [_note(officer, here["id"], "前"), reject, _note(officer, here["id"], "后")])
    assert before["risk"]["open_cases_elsewhere"] == 1
    assert after["risk"]["open_cases_elsewhere"] == 0
    assert after["risk"] == api.get(here_token, f"/cases/{here['id']}").json()["risk"]


def test_the_log_orders_a_batch_as_it_happened(api: Api, runtime: Runtime) -> None:
    """Handoffs opened in a batch come after the case event that opened them in `/audit/events`."""
    officer_token, supervisor_token = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    other = api.create(officer_token, penalty_case(parties={"respondent": {
        "name": "某公司甲", "credit_code": credit_code(950)}}))
    case = api.create(officer_token, penalty_case(amounts={"illegal_turnover": 80000}))
    api.ok(supervisor_token, case["id"], "accept")
    refer = EventRequest(_actor(runtime, supervisor_token), case["id"], json.dumps(
        {"event": "refer_to_police", "data": {"grounds": "非法经营额 8 万元，涉嫌假冒注册商标罪"}}).encode())
    note = _note(_actor(runtime, officer_token), other["id"], "同批")
    answers = _batch(runtime, [note, refer, _note(_actor(runtime, officer_token), other["id"], "其后")])
    assert answers[1]["state"] == "awaiting_police" and answers[2]["version"] == 3
    log = api.get(api.principal("auditor"), "/audit/events", limit=100).json()["items"]
    order = [(e["stream_type"], e["event"], e["data"].get("text")) for e in log if e["id"] > min(
        e["id"] for e in log if e["event"] == "add_note" and e["data"].get("text") == "同批")]
    assert order[0] == ("case", "refer_to_police", None)
    assert {kind for kind, _, _ in order[1:-1]} == {"handoff"} and len(order) > 3
    assert order[-1] == ("case", "add_note", "其后")


@pytest.fixture
def failing_insert(runtime: Runtime):
    """A database that refuses one event row (a trigger), as a broken constraint or disk would."""
    with runtime.db.engine.begin() as conn:
        if runtime.db.is_sqlite:
            conn.execute(text("CREATE TRIGGER test_refuse BEFORE INSERT ON events WHEN NEW.data LIKE '%refuse me%' "
                              "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"))
        else:
            conn.execute(text("CREATE FUNCTION test_refuse() RETURNS trigger AS $$ BEGIN "
                              "IF NEW.data::text LIKE '%refuse me%' THEN RAISE EXCEPTION 'refused by the test trigger';"
                              " END IF; RETURN NEW; END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER test_refuse BEFORE INSERT ON events FOR EACH ROW "
                              "EXECUTE FUNCTION test_refuse()"))


def test_a_failed_batch_is_retried_one_event_at_a_time(api: Api, runtime: Runtime, failing_insert) -> None:
    token = api.principal("officer", "150602")
    officer = _actor(runtime, token)
    cases = [api.create(token, penalty_case(parties={"respondent": {
        "name": f"某公司{i}", "credit_code": credit_code(700 + i)}})) for i in range(3)]
    writer = EventWriter(runtime.db, runtime.rules)
    answers = _rendered(writer.commit([_note(officer, cases[0]["id"], "好"),
                                       _note(officer, cases[1]["id"], "refuse me"),
                                       _note(officer, cases[2]["id"], "也好")]))
    assert answers[0]["version"] == 2 and answers[2]["version"] == 2
    assert isinstance(answers[1], Exception) and "refused by the test trigger" in str(answers[1])
    assert [len(_history(api, token, c["id"])) for c in cases] == [2, 1, 2]
    with runtime.db.read() as session:
        assert verify(session).ok


@pytest.mark.postgres_only
def test_a_case_locked_elsewhere_fails_its_own_events_only(api: Api, runtime: Runtime, database_url: str,
                                                           monkeypatch) -> None:
    """A row lock held past the writer's lock_timeout fails that case's request (503), not the batch."""
    import psycopg

    from service.cases import event_writer

    token = api.principal("officer", "150602")
    officer = _actor(runtime, token)
    held, free = (api.create(token, penalty_case(parties={"respondent": {
        "name": f"某公司{i}", "credit_code": credit_code(800 + i)}})) for i in range(2))
    monkeypatch.setattr(event_writer, "EVENT_LOCK_TIMEOUT_MS", 300)
    events_db = event_writer.events_database(runtime.db)
    with psycopg.connect(database_url.replace("+psycopg", "")) as other:
        other.execute("SELECT id FROM cases WHERE id = %s FOR UPDATE", (held["id"],))
        answers = _rendered(EventWriter(events_db, runtime.rules).commit([_note(officer, held["id"], "等待"),
                                                                          _note(officer, free["id"], "照常")]))
        other.rollback()
    events_db.engine.dispose()
    assert answers[1]["version"] == 2
    assert getattr(answers[0].orig, "sqlstate", None) == "55P03"  # lock_not_available: 503, retry is safe
    assert [len(_history(api, token, c["id"])) for c in (held, free)] == [1, 2]


def test_malformed_headers_and_bodies_of_an_event_are_refused_not_failed(api: Api) -> None:
    token = api.principal("officer", "150602")
    case = api.create(token, penalty_case())
    url = f"/api/v1/cases/{case['id']}/events"
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for if_match in ("²", "1" * 30, '"' + " " * 40 + '3"'):
        r = api.client.post(url, content=b'{"event": "add_note", "data": {"text": "x"}}',
                            headers={**auth, "If-Match": if_match.encode("latin-1")})
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", (if_match, r.text)
    r = api.client.post(url, content=b"[" * 100_000 + b"]" * 100_000, headers=auth)
    assert r.status_code in (413, 422), r.text
    deep = b'{"event": "add_note", "data": {"text": "x", "n": ' + b"[" * 5000 + b"]" * 5000 + b"}}"
    r = api.client.post(url, content=deep, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", r.text
    assert api.get(token, f"/cases/{case['id']}").json()["version"] == 1


@pytest.fixture
def own_pool_writer(api: Api, runtime: Runtime):
    """(officer, case at version 2, writer) with the writer on its own pool, as in `ipcase serve`."""
    from service.cases import event_writer

    token = api.principal("officer", "150602")
    officer = _actor(runtime, token)
    case = api.create(token, penalty_case())
    events_db = event_writer.events_database(runtime.db)
    writer = EventWriter(events_db, runtime.rules)
    assert _rendered(writer.commit([_note(officer, case["id"], "一")]))[0]["version"] == 2
    yield officer, case, writer
    events_db.engine.dispose()


def _terminate(database_url: str, where: str, *args) -> int:
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
        return admin.execute(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {where}",
                             args).fetchone()[0]


@pytest.mark.postgres_only
def test_a_batch_on_a_connection_the_server_dropped_runs_again(api: Api, runtime: Runtime, database_url: str,
                                                               own_pool_writer) -> None:
    """A busy connection is not pinged; if the server dropped it (a restart), the batch, which
    sent no COMMIT, runs once more on a fresh connection instead of failing with 503."""
    officer, case, writer = own_pool_writer
    with writer.db.engine.connect() as conn:  # the writer's pooled connection, checked in again below
        backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    assert _terminate(database_url, "pid = %s", backend) == 1
    answers = _rendered(writer.commit([_note(officer, case["id"], "二")]))  # within the second: no ping
    assert answers[0]["version"] == 3, answers[0]
    assert len(_history(api, api.principal("auditor"), case["id"])) == 3


@pytest.mark.postgres_only
def test_a_restart_one_pool_notices_retires_the_other_pools_connections(runtime: Runtime, database_url: str,
                                                                       own_pool_writer) -> None:
    """The event writer finds the server restarted; the API's own pool, whose connection was
    used a moment ago (so it is not pinged), reconnects instead of failing a read with 503."""
    officer, case, writer = own_pool_writer
    runtime.db.engine.dispose()  # one pooled connection below, used just before the "restart"
    with runtime.db.read() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
    killed = _terminate(database_url, "datname = current_database() AND pid <> pg_backend_pid()")
    assert killed >= 2  # the writer's and the API's connections at least
    assert _rendered(writer.commit([_note(officer, case["id"], "二")]))[0]["version"] == 3  # the writer notices
    with runtime.db.read() as session:  # within the second: not pinged, yet not the dead connection
        assert session.execute(text("SELECT version FROM cases WHERE id = :id"), {"id": case["id"]}).scalar() == 3


def test_requests_of_a_batch_that_failed_as_a_whole_get_their_own_error(runtime: Runtime) -> None:
    """A lost database fails the whole batch; each request still raises an exception of its own
    (one shared object would gather every request's traceback)."""
    import asyncio

    from sqlalchemy.exc import OperationalError

    from service.core.db import Database, make_engine

    gone = Database(make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere"))  # nothing listens there
    writer = EventWriter(gone, runtime.rules)
    actor = Actor(id="p", role="officer", district="150602")

    async def both() -> list[BaseException]:
        return await asyncio.gather(*(writer.fire(_note(actor, "case", str(i))) for i in range(2)),
                                    return_exceptions=True)

    try:
        first, second = asyncio.run(both())
    finally:
        writer.stop()
        gone.engine.dispose()
    assert isinstance(first, OperationalError) and isinstance(second, OperationalError)
    assert first is not second and str(first) == str(second)


def test_a_locked_case_takes_only_the_columns_write_cases_stores(api: Api, runtime: Runtime) -> None:
    """`write_cases` stores `EVENT_COLUMNS` only; setting any other column of a locked case fails
    at once instead of being lost silently."""
    from service.cases.commands import EVENT_COLUMNS, lock_cases

    token = api.principal("officer", "150602")
    case = api.create(token, penalty_case())
    with runtime.db.write() as session:
        row, parties = lock_cases(session, {case["id"]})[case["id"]]
        assert row.title == case["title"] and "respondent" in parties
        row.state = row.state  # an event column
        with pytest.raises(AttributeError, match="title"):
            row.title = "改过的标题"
    assert {"state", "facts", "version", "head_hash", "fine", "closed_at"} <= EVENT_COLUMNS
    assert "title" not in EVENT_COLUMNS and "description" not in EVENT_COLUMNS

