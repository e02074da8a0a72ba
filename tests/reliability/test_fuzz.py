"""Fuzzing: no input, authenticated or not, yields a 5xx (SPEC §9, §10.8).

- Schemathesis against `/openapi.json` of a running `ipcase serve`, as every role, in both its
  positive and negative modes: no 5xx, and every answer matches the schema it documents.
- Hypothesis, in-process, aimed at what schema-driven generation seldom reaches: dates at the
  edges of `date`'s range with extreme offsets, and cursors the service never issued, sent to
  EVERY date and cursor parameter, which are read from the OpenAPI document and the event-data
  models rather than listed by hand (a new parameter is fuzzed the day it is added).

Fixed seeds (schemathesis `--seed`, Hypothesis `derandomize`) and bounded example counts keep a
run the same from one CI run to the next, so a landing is never blocked by a new random find;
the README gives the longer random run to do by hand.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import uuid
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.audit.service import verify as verify_audit
from service.core.principals import authenticate
from state_machines import assistance_machine
from state_machines.event_data import EVENT_DATA
from state_machines.types import CHINA_TZ
from tests.helpers import ADMIN_TOKEN, Api, bearer, penalty_case
from tests.reliability.test_crash import serve

SEED = "20261125"
ROLES = {
    "officer": {"role": "officer", "district": "150602"},
    "supervisor": {"role": "supervisor", "district": "150602"},
    "city": {"role": "city"},
    "auditor": {"role": "auditor"},
    "partner": {"role": "partner", "agency": "police-150602"},
    "reviewer": {"role": "reviewer", "district": "150602", "legal_qualified": True},
    "admin": None,
}

SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SCHEMATHESIS is None, reason="schemathesis is not installed (pip install -e '.[test]')")
def test_no_server_errors_for_any_role(database_url: str, runtime, tmp_path) -> None:
    with serve(database_url, tmp_path / "prefect") as (base, _):
        with httpx.Client(base_url=base, timeout=10) as http:
            tokens = {"admin": ADMIN_TOKEN}
            for name, body in ROLES.items():
                if body is not None:
                    r = http.post("/api/v1/principals", headers=bearer(ADMIN_TOKEN), json={"name": name, **body})
                    assert r.status_code == 201, r.text
                    tokens[name] = r.json()["token"]
            case = http.post("/api/v1/cases", json=penalty_case(), headers=bearer(tokens["officer"])).json()
            http.post(f"/api/v1/cases/{case['id']}/events", json={"event": "accept"},
                      headers=bearer(tokens["supervisor"]))
        failures = []
        # the admin last: its run may rotate or disable any principal's token (schemathesis follows
        # GET /principals to POST /principals/{id}/token), which would leave a later role's run all 401s
        for name, token in sorted(tokens.items(), key=lambda item: item[0] == "admin"):
            run = subprocess.run(
                [SCHEMATHESIS, "run", f"{base}/openapi.json", "-H", f"Authorization: Bearer {token}",
                 "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", "8",
                 "--mode", "all",  # positive and negative (schema-violating) data
                 "--seed", SEED, "--generation-database", "none", "--no-color"],
                capture_output=True, text=True, timeout=600)
            if run.returncode != 0:
                failures.append(f"--- as {name} ---\n{run.stdout[-6000:]}")
            if name != "admin":
                with runtime.db.read() as session:
                    assert authenticate(session, token) is not None, f"{name}'s token stopped working during its run"
    with runtime.db.read() as session:  # not through a token: the admin's run may have rotated its own
        verified = verify_audit(session)
    assert verified.ok, verified
    assert not failures, "\n".join(failures)


# --- Hypothesis: edge dates, offsets and hostile cursors on every date and cursor parameter ---

FUZZ = settings(derandomize=True, max_examples=25, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EDGE_DAYS = [date(1, 1, 1), date(9999, 12, 31), date(1989, 12, 31), date(1990, 1, 1), date(2100, 12, 31),
             date(2101, 1, 1), date(2000, 2, 29)]
OFFSETS = ["", "Z", "+14:00", "-14:00", "+08:00", "-12:00", "+23:59", "-23:59"]
TIMES = ["00:00:00", "23:59:59.999999", "12:00", "16:00:00"]

days = st.one_of(st.sampled_from(EDGE_DAYS), st.dates())
date_texts = days.map(date.isoformat)
time_texts = st.builds(lambda d, t, o: f"{d.isoformat()}T{t}{o}", days, st.sampled_from(TIMES),
                       st.sampled_from(OFFSETS))
json_atoms = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                       st.sampled_from(["1e400", "-1e400", "NaN", "1" * 400]), st.text(max_size=40),
                       time_texts, date_texts)


def _raw_json(value: object) -> str:
    # the sampled strings above stand for raw JSON numbers too large or odd for `json.dumps`
    return value if isinstance(value, str) and value.lstrip("-") in ("1e400", "NaN", "1" * 400) else json.dumps(value)


cursor_payloads = st.lists(json_atoms | st.lists(json_atoms, max_size=2) | st.dictionaries(st.text(max_size=3),
                                                                                           json_atoms, max_size=2),
                           max_size=3).map(lambda parts: "[" + ",".join(_raw_json(p) for p in parts) + "]")
hostile_cursors = st.one_of(
    cursor_payloads.map(lambda raw: base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")),  # unsigned
    st.tuples(cursor_payloads, st.text("ABCDEFGHabcdefgh0123456789-_", min_size=1, max_size=24)).map(
        lambda t: base64.urlsafe_b64encode(t[0].encode()).decode().rstrip("=") + "." + t[1]),  # forged MAC
    st.text(min_size=1, max_size=120),
)


def _formats(schema: dict) -> set[str]:
    return {s.get("format") for s in [schema, *schema.get("anyOf", [])]} - {None}


def _china_day(text: str) -> date | None:
    """The China-time day of a generated date or time, None where it cannot be placed (unparseable)."""
    try:
        if "T" not in text:
            return date.fromisoformat(text)
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        return at.date()
    try:
        return at.astimezone(CHINA_TZ).date()
    except OverflowError:
        return date(1, 1, 1) if at.year < 1000 else date(9999, 12, 31)


def _out_of_range(text: str) -> bool:
    day = _china_day(text)
    return day is not None and not date(1990, 1, 1) <= day <= date(2100, 12, 31)


def query_parameters(openapi: dict) -> dict[str, list[tuple[str, str]]]:
    """`{kind: [(path, name)]}` for every GET query parameter that is a date, a time or a cursor."""
    found: dict[str, list[tuple[str, str]]] = {"date": [], "date-time": [], "cursor": []}
    for path, item in openapi["paths"].items():
        for param in item.get("get", {}).get("parameters", []):
            if param["in"] != "query":
                continue
            formats = _formats(param.get("schema", {}))
            kind = "cursor" if param["name"] == "cursor" else next(iter(formats & {"date", "date-time"}), None)
            if kind:
                found[kind].append((path, param["name"]))
    return found


def body_date_fields(openapi: dict) -> list[tuple[str, str, str, str]]:
    """`(method, path, field, format)` for every date or time of a documented JSON request body, at any
    depth (`period.start`, `criticisms.0.rectify_by`), of every POST, PUT and PATCH."""
    components = openapi["components"]["schemas"]

    def walk(schema: dict, trail: tuple[str, ...], seen: frozenset[str]) -> list[tuple[str, str]]:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            return [] if name in seen else walk(components[name], trail, seen | {name})
        found = [(".".join(trail), f) for f in sorted(_formats(schema) & {"date", "date-time"})][:1]
        for alternative in schema.get("anyOf", []) + schema.get("allOf", []):
            if "$ref" in alternative or "properties" in alternative or "items" in alternative:
                found += walk(alternative, trail, seen)
        for name, prop in schema.get("properties", {}).items():
            found += walk(prop, (*trail, name), seen)
        if "items" in schema:
            found += walk(schema["items"], (*trail, "0"), seen)
        return found

    found = []
    for path, item in openapi["paths"].items():
        for method in ("post", "put", "patch"):
            body = item.get(method, {}).get("requestBody", {}).get("content", {}).get("application/json", {})
            found += [(method, path, name, fmt) for name, fmt in walk(body.get("schema", {}), (), frozenset())]
    return found


def nested(field: str, value: object) -> dict:
    """The body holding `value` at the dotted `field` (`0` is a list's first item)."""
    for part in reversed(field.split(".")):
        value = [value] if part == "0" else {part: value}
    return value


def event_date_fields() -> list[tuple[str, str, str, str]]:
    """`(stream, event, field, format)` for every date or time of case and assistance event data."""
    found = []
    for stream, models in (("cases", EVENT_DATA), ("assistance-requests", assistance_machine.EVENT_DATA)):
        for event, model in models.items():
            for name, prop in model.model_json_schema().get("properties", {}).items():
                formats = _formats(prop)
                if formats & {"date", "date-time"}:
                    found.append((stream, event, name, next(iter(formats))))
    return found


def _fill(path: str, ids: dict[str, str]) -> str:
    for key, value in ids.items():
        path = path.replace("{" + key + "}", value)
    return path.replace("/api/v1", "", 1)


@pytest.fixture
def world(api: Api, client) -> dict:
    """One case accepted, one assistance request, and a token per role; ids for every path parameter."""
    tokens = {role: api.principal(role, "150602") for role in ("officer", "supervisor")}
    tokens.update(city=api.principal("city"), auditor=api.principal("auditor"), admin=api.admin)
    case = api.create(tokens["officer"], penalty_case())
    api.ok(tokens["supervisor"], case["id"], "accept")
    other = api.principal("officer", "150603")
    request = api.client.post("/api/v1/assistance-requests", headers=bearer(tokens["officer"]), json={
        "case_id": case["id"], "kind": "investigation", "to_district": "150603", "request": "请协查"}).json()
    return {"api": api, "tokens": tokens, "other": other, "openapi": client.app.openapi(),
            "ids": {"case_id": case["id"], "request_id": request["id"], "handoff_id": str(uuid.uuid4()),
                    "entry_id": str(uuid.uuid4()), "party_id": str(uuid.uuid4()), "code": "police-150602"}}


def _reader(world: dict, path: str) -> str:
    """The first role the list answers without a 401/403, so the fuzzed value reaches the code."""
    api = world["api"]
    for token in world["tokens"].values():
        if api.client.get(path, headers=bearer(token)).status_code not in (401, 403):
            return token
    raise AssertionError(f"no role reads {path}")


def _check(response, field: str, must_refuse: bool) -> None:
    assert response.status_code < 500, (field, response.status_code, response.text)
    if response.status_code == 422:
        error = response.json()["error"]
        assert error["code"] == "validation_error" and error.get("fields"), error
        if must_refuse:
            assert field in error["fields"], (field, error)
    else:
        assert not must_refuse, (field, response.status_code, response.text)


def test_edge_dates_on_every_date_query_parameter(world: dict) -> None:
    params = query_parameters(world["openapi"])
    targets = [(path, name, kind) for kind in ("date", "date-time") for path, name in params[kind]]
    assert {name for _, name, _ in targets} >= {"due_before", "from", "to"}
    readers = {path: _reader(world, path) for path, _, _ in targets}

    @FUZZ
    @given(day=date_texts, moment=time_texts)
    def run(day: str, moment: str) -> None:
        for path, name, kind in targets:
            value = day if kind == "date" else moment
            response = world["api"].client.get(path, params={name: value}, headers=bearer(readers[path]))
            _check(response, name, _out_of_range(value))

    run()


def test_hostile_cursors_on_every_cursor_parameter(world: dict) -> None:
    paths = [_fill(path, world["ids"]) for path, _ in query_parameters(world["openapi"])["cursor"]]
    assert {path.split("/")[1] if not path.endswith("/history") else "history" for path in paths} >= {
        "cases", "history", "audit", "handoffs", "assistance-requests", "notifications", "escalations", "reports",
        "oversight", "bulletins"}
    assert len(paths) >= 11  # …and the bulletins' rectifications
    readers = {path: _reader(world, "/api/v1" + path) for path in paths}

    @FUZZ
    @given(cursor=hostile_cursors)
    def run(cursor: str) -> None:
        for path in paths:
            response = world["api"].get(readers[path], path, cursor=cursor)
            _check(response, "cursor", must_refuse=bool(cursor.strip()))

    run()


def test_edge_dates_in_every_body_and_event(world: dict) -> None:
    api, ids, tokens = world["api"], world["ids"], world["tokens"]
    bodies = body_date_fields(world["openapi"])
    events = event_date_fields()
    # (the dishonest list's `until` left the request bodies with SPEC §11: it is computed, never given)
    assert {f for _, _, f, _ in bodies} >= {"received_at", "violation_ended_on", "period.start", "phases.during.end",
                                            "date", "case.violation_ended_on", "period_from", "due", "from",
                                            "criticisms.0.rectify_by", "data.served_at"}
    assert {m for m, _, _, _ in bodies} == {"post", "patch"}
    assert {f for _, _, f, _ in events} >= {"served_at", "effective_on", "until", "paid_on", "date"}
    base = {"/api/v1/cases": penalty_case()}
    # the role that may call each route, so a date is checked past the role's refusal too
    callers = {"/api/v1/campaigns": "city", "/api/v1/case-file-reviews": "city", "/api/v1/oversight": "city",
               "/api/v1/bulletins": "city"}

    def caller(path: str) -> str:
        return tokens[next((role for prefix, role in callers.items() if path.startswith(prefix)), "supervisor")]

    @FUZZ
    @given(day=date_texts, moment=time_texts)
    def run(day: str, moment: str) -> None:
        for method, path, name, fmt in bodies:
            value = day if fmt == "date" else moment
            body = {**base.get(path, {}), **nested(name, value)}
            response = api.client.request(method.upper(), "/api/v1" + _fill(path, ids), json=body,
                                          headers=bearer(caller(path)))
            _check_body(response, name, _out_of_range(value))
        for stream, event, name, fmt in events:
            value = day if fmt == "date" else moment
            target = ids["case_id"] if stream == "cases" else ids["request_id"]
            token = tokens["supervisor"] if stream == "cases" else world["other"]
            response = api.client.post(f"/api/v1/{stream}/{target}/events", headers=bearer(token),
                                       json={"event": event, "data": {name: value}, "reason": "x"})
            assert response.status_code < 500, (event, name, value, response.text)
            if response.status_code == 422:
                assert response.json()["error"].get("fields"), response.text

    run()


def _check_body(response, field: str, out_of_range: bool) -> None:
    """A body in range may still be refused for another field, role or state; out of range it is a 422
    naming the field, unless the caller was turned away first (403, 404)."""
    assert response.status_code < 500, (field, response.status_code, response.text)
    if response.status_code == 422:
        assert response.json()["error"].get("fields"), response.text
    if out_of_range and response.status_code not in (403, 404):
        _check(response, field, must_refuse=True)


def test_the_oracle_places_times_in_china() -> None:
    assert _china_day("1989-12-31T16:00:00+00:00") == date(1990, 1, 1)
    assert _out_of_range("0001-01-01T00:00:00+14:00") and _out_of_range("1989-12-31T23:59:59")
    assert not _out_of_range("2100-12-31T23:59:59+08:00") and _out_of_range("2100-12-31T16:00:00Z")
