"""Issue 23, typed API: a client generated from `/openapi.json` by `openapi-python-client` (what a
partner agency's IT would do) walks the README's curl session, typed.

The app runs under uvicorn (`live_server`, machine version 1 like the README's session); the
generator runs offline on the schema the server serves, with `--fail-on-warning`, so a schema it
cannot turn into code (two models of one name, an untyped answer) fails here. Its ruff post-hooks
are off (speed; the code is imported, not kept). SQLite only: the test is about the schema and the
client's parsing, which do not depend on the database (the answers' shapes are checked on both
databases by test_openapi_types.py).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.core.config import Settings
from tests.helpers import ADMIN_TOKEN

pytestmark = pytest.mark.skipif(os.environ.get("IPCASE_TEST_DB", "sqlite") != "sqlite",
                                reason="the generated client does not depend on the database")

PACKAGE = "ipcase_client"
# application/zip and PEM are bytes to the client (the generator knows octet-stream, not these names)
CONFIG = f"""package_name_override: {PACKAGE}
post_hooks: []
content_type_overrides:
  application/zip: application/octet-stream
  application/x-pem-file: application/octet-stream
"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The README's session walks machine version 1 (SPEC §3)."""
    return Settings(database_url=database_url, bootstrap_admin_token=ADMIN_TOKEN, machine_version=1)


@pytest.fixture
def generated(live_server: str, tmp_path: Path) -> Iterator[object]:
    spec = httpx.get(f"{live_server}/openapi.json", timeout=10).raise_for_status().json()
    (tmp_path / "openapi.json").write_text(json.dumps(spec), encoding="utf-8")
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    # the test extras install it beside this interpreter (a venv's bin, or the image's /usr/local/bin)
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator, "openapi-python-client is not installed: pip install -c constraints.txt -e '.[test]'"
    run = subprocess.run([generator, "generate", "--path", str(tmp_path / "openapi.json"),
                          "--output-path", str(tmp_path / "out" / PACKAGE), "--meta", "none",
                          "--config", str(tmp_path / "config.yaml"), "--fail-on-warning"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path / "out"))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_the_readme_session_through_a_generated_client(generated, live_server: str) -> None:
    from ipcase_client import AuthenticatedClient
    from ipcase_client.api.admin import post_principal_api_v1_principals_post as post_principal
    from ipcase_client.api.audit import verify_api_v1_audit_verify_get as verify
    from ipcase_client.api.cases import create_case_api_v1_cases_post as create_case
    from ipcase_client.api.cases import fire_event_api_v1_cases_case_id_events_post as fire_event
    from ipcase_client.api.cases import get_case_api_v1_cases_case_id_get as get_case
    from ipcase_client.api.cases import history_api_v1_cases_case_id_history_get as history
    from ipcase_client.api.handoffs import answer_api_v1_handoffs_handoff_id_answer_post as answer
    from ipcase_client.api.handoffs import list_handoffs_api_v1_handoffs_get as list_handoffs
    from ipcase_client.api.meta import state_machine_api_v1_state_machine_get as state_machine
    from ipcase_client.models import (
        AnswerApiV1HandoffsHandoffIdAnswerPostAnswerIn,
        CaseCreate,
        CaseOut,
        ErrorEnvelope,
        EventPage,
        FireEventApiV1CasesCaseIdEventsPostEventIn,
        HandoffOut,
        HandoffPage,
        PrincipalCreate,
        StateMachineOut,
        TokenOut,
        Track,
        VerifyOut,
    )

    def as_(token: str) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=live_server, token=token, timeout=httpx.Timeout(30))

    def event(name: str, data: dict | None = None) -> FireEventApiV1CasesCaseIdEventsPostEventIn:
        return FireEventApiV1CasesCaseIdEventsPostEventIn.from_dict({"event": name, "data": data or {}})

    admin = as_(ADMIN_TOKEN)
    # an officer and a supervisor of 东胜区 (150602)
    people = {}
    for name, role in (("张三", "officer"), ("李四", "supervisor")):
        made = post_principal.sync(client=admin, body=PrincipalCreate.from_dict(
            {"name": name, "role": role, "district": "150602"}))
        assert isinstance(made, TokenOut) and made.token
        people[role] = as_(made.token)
    officer, supervisor = people["officer"], people["supervisor"]

    # register a trademark-infringement complaint
    case = create_case.sync(client=officer, body=CaseCreate.from_dict({
        "kind": "trademark_infringement", "district": "150602", "source": "complaint",
        "title": "销售假冒注册商标的白酒", "description": "权利人投诉",
        "parties": {"respondent": {"name": "某商贸有限公司", "credit_code": "914403001922038216"}},
        "amounts": {"illegal_turnover": 60000}}))
    assert isinstance(case, CaseOut)
    assert case.state == "received" and case.version == 1 and case.number and case.machine_version == 1
    assert case.parties["respondent"].name == "某商贸有限公司"

    # the supervisor files it; If-Match "1"
    filed = fire_event.sync(case.id, client=supervisor, body=event("accept"), if_match='"1"')
    assert isinstance(filed, CaseOut) and filed.state == "filed" and "add_note" in filed.allowed_events
    # the same If-Match again: the case moved on, a 409 in the error envelope
    stale = fire_event.sync_detailed(case.id, client=supervisor, body=event("accept"), if_match='"1"')
    assert stale.status_code == 409 and isinstance(stale.parsed, ErrorEnvelope)
    assert stale.parsed.error.code == "version_conflict" and stale.parsed.error.message
    refused = fire_event.sync_detailed(case.id, client=supervisor, body=event("accept"))
    assert refused.status_code == 409 and isinstance(refused.parsed, ErrorEnvelope)
    assert refused.parsed.error.code == "invalid_transition"
    assert "add_note" in refused.parsed.error.allowed_events

    # a note, then the penalty notice (an Idempotency-Key: the retry answers the same case, once)
    noted = fire_event.sync(case.id, client=officer, body=event("add_note", {"text": "现场检查，扣押白酒 120 瓶"}))
    assert isinstance(noted, CaseOut) and noted.version == 3
    notice = event("notify_penalty", {"proposed_fine": 50000})
    notified = fire_event.sync(case.id, client=supervisor, body=notice, idempotency_key="notice-1")
    again = fire_event.sync(case.id, client=supervisor, body=notice, idempotency_key="notice-1")
    assert isinstance(notified, CaseOut) and notified.state == "penalty_notice"
    assert isinstance(again, CaseOut) and again.version == notified.version
    assert {d.name for d in notified.deadlines} and all(d.due >= d.started for d in notified.deadlines)

    # history, hash-chained, and the chain check
    events = history.sync(case.id, client=officer)
    assert isinstance(events, EventPage)
    assert [(e.seq, e.event) for e in events.items] == [(1, "create"), (2, "accept"), (3, "add_note"),
                                                        (4, "notify_penalty")]
    assert all(e.prev_hash == before.hash_ for before, e in zip(events.items, events.items[1:], strict=False))
    checked = verify.sync(client=admin)
    assert isinstance(checked, VerifyOut) and checked.ok
    machine = state_machine.sync(client=officer, track=Track.PENALTY, version=1)
    assert isinstance(machine, StateMachineOut) and machine.version == 1

    # refer to the police; the police (a partner) accept the handoff
    referred = fire_event.sync(case.id, client=supervisor,
                               body=event("refer_to_police", {"grounds": "非法经营额超过追诉标准"}))
    assert isinstance(referred, CaseOut) and referred.state == "awaiting_police"
    made = post_principal.sync(client=admin, body=PrincipalCreate.from_dict(
        {"name": "东胜区公安分局", "role": "partner", "agency": "police-150602"}))
    assert isinstance(made, TokenOut)
    police = as_(made.token)
    handoffs = list_handoffs.sync(client=police)
    assert isinstance(handoffs, HandoffPage) and [h.case_id for h in handoffs.items] == [case.id]
    answered = answer.sync(handoffs.items[0].id, client=police, body=AnswerApiV1HandoffsHandoffIdAnswerPostAnswerIn
                           .from_dict({"decision": "accepted", "reference": "东公立字〔2026〕1号"}))
    assert isinstance(answered, HandoffOut) and answered.status == "answered"
    assert answered.answers[-1].decision == "accepted"
    now = get_case.sync(case.id, client=officer)
    assert isinstance(now, CaseOut) and now.state == "with_police"

    # another district's case is not found; a bad token is unauthorized: both in the envelope
    stranger = post_principal.sync(client=admin, body=PrincipalCreate.from_dict(
        {"name": "王五", "role": "officer", "district": "150603"}))
    hidden = get_case.sync_detailed(case.id, client=as_(stranger.token))
    assert hidden.status_code == 404 and isinstance(hidden.parsed, ErrorEnvelope)
    assert hidden.parsed.error.code == "not_found"
    anonymous = get_case.sync_detailed(case.id, client=as_("not-a-token"))
    assert anonymous.status_code == 401 and anonymous.parsed.error.code == "unauthorized"
