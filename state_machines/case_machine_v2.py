"""Firing a case event of machine version 2: the refusal order of SPEC §3 over version 2's table,
data, guards and clocks. `case_machine.check_request/allowed_events/decide/initial_facts`
dispatch here for a case whose `machine_version` is 2; the service calls those, not this module.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from . import clocks as ck
from . import data_guards_v2, guards_v2
from .case_machine import CaseSnapshot, Rules, Step, _copy_facts, today_in_china
from .case_table_v2 import events_from_v2, next_state_v2
from .clocks_v2 import CLOCKS_V2
from .effects_v2 import apply_effects, update_clocks
from .errors import Forbidden, InvalidData, InvalidTransition
from .event_data_v2 import EVENT_DATA_V2, REASON_REQUIRED_V2
from .principals import Actor, may_fire
from .vocabulary import Role, Track

REVIEW_EVENTS = frozenset({"pass_review", "return_review"})


def actor_refusal(case: CaseSnapshot, actor: Actor, event: str) -> str | None:
    """The role rules that read the case (403): a review with `legal_review` grounds needs a
    legally qualified reviewer (行政处罚法 art. 58 ¶2); nobody reviews a case they are an officer of."""
    if event not in REVIEW_EVENTS or actor.role is not Role.reviewer:
        return None
    if actor.id in case.facts.get("officers", []):
        return "a reviewer may not review a case of which it is an officer"
    grounds = (case.facts.get("review_pending") or {}).get("legal_review")
    if grounds and not actor.legal_qualified:
        return "this review has legal_review grounds: it needs a legal_qualified reviewer (行政处罚法 art. 58 ¶2)"
    return None


def check_actor(case: CaseSnapshot, actor: Actor, event: str) -> None:
    """Call with the loaded case before comparing `If-Match` (a 403 comes before a 409)."""
    reason = actor_refusal(case, actor, event)
    if reason:
        raise Forbidden(reason)


def allowed_events_v2(case: CaseSnapshot, actor: Actor, rules: Rules, now: datetime,
                      *, shared_only: bool = False) -> list[str]:
    today = today_in_china(now)
    return [
        e for e in events_from_v2(case.track, case.state)
        if may_fire(actor, e, shared_only=shared_only, version=2)
        and actor_refusal(case, actor, e) is None
        and guards_v2.static_failure(case, e, rules, today) is None
    ]


def decide_v2(case: CaseSnapshot, actor: Actor, event: str, data: dict, reason: str | None,
              rules: Rules, now: datetime, *, shared_only: bool = False) -> Step:
    check_actor(case, actor, event)
    dest = next_state_v2(case.track, case.state, event, case.facts)
    if dest is None:
        raise InvalidTransition(
            f"{event} is not allowed from {case.state} in the {case.track} track (machine version 2)",
            allowed_events=allowed_events_v2(case, actor, rules, now, shared_only=shared_only),
        )
    payload = _validate(case, event, data, reason, rules, now)
    today = today_in_china(now)
    guards_v2.check(case, event, payload, rules, today)
    step = Step(event=event, from_state=case.state, to_state=dest, data=payload, reason=reason,
                facts=_copy_facts(case.facts), amounts=dict(case.amounts))
    apply_effects(case, step, rules, now, today)
    update_clocks(case, step, rules, today)
    return step


def _validate(case: CaseSnapshot, event: str, data: dict, reason: str | None, rules: Rules,
              now: datetime) -> dict:
    model = EVENT_DATA_V2[event]
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'data'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidData(f"bad data for {event}: {problems}",
                          fields=sorted({str(err["loc"][0]) for err in exc.errors() if err["loc"]})) from None
    if event in REASON_REQUIRED_V2 and not (reason and reason.strip()):
        raise InvalidData(f"{event} requires a `reason`", fields=["reason"])
    data_guards_v2.check_data(case, event, parsed, rules, now)
    return parsed.model_dump(mode="json", exclude_none=True, exclude_unset=True)


def initial_facts_v2(case: CaseSnapshot, rules: Rules, *, created_by: str | None = None) -> dict:
    """A new version-2 case: its decision clock, its first officer (none when the city registered
    it, §10.9), and the facts the limitation and court guards read."""
    received = today_in_china(case.received_at)
    name = "filing_decision" if case.track is Track.penalty else "acceptance_decision"
    facts: dict = {
        "clocks": {name: ck.start_clock(rules.calendar, CLOCKS_V2[name], received).to_json()},
        "officers": [created_by] if created_by and case.source != "superior" else [],
        "public_safety": case.public_safety,
        "discovered_on": today_in_china(case.discovered_at or case.received_at).isoformat(),
    }
    if case.violation_ended_on is not None:
        facts["violation_ended_on"] = case.violation_ended_on.isoformat()
    if case.patent_type is not None:
        facts["patent_type"] = case.patent_type
    if case.source == "transfer":
        facts["came_by_transfer"] = True
    return facts


def migratable(version: int, state: str, to: int = 2) -> bool:
    """Whether a case may move from `version` to `to` (§10.9: into version 2 only from `received`,
    whose state exists in both and where nothing of the new procedure was skipped yet)."""
    return to == 2 and version == 1 and state == "received"


def migration_plan(cases: list[tuple[str, int, str]], to: int = 2) -> dict[str, list[str]]:
    """`ipcase cases migrate --dry-run`: the ids that move and the ids that stay, from
    `(id, machine_version, state)` triples."""
    plan: dict[str, list[str]] = {"move": [], "stay": []}
    for case_id, version, state in cases:
        if version == to:
            continue
        plan["move" if migratable(version, state, to) else "stay"].append(case_id)
    return plan


def migration_facts(case: CaseSnapshot, rules: Rules, *, first_officer: str | None) -> dict:
    """Facts of a `received` case moved to version 2: its version-1 clocks kept (the same
    `filing_decision`/`acceptance_decision`), plus what version 2 reads."""
    moved = initial_facts_v2(case, rules, created_by=first_officer)
    moved["clocks"] = {name: dict(raw) for name, raw in case.facts.get("clocks", {}).items()}
    return moved


def migrate_event_data(case: CaseSnapshot, to: int = 2) -> dict:
    """The audited `migrate` event's data (actor: the admin)."""
    return {"from_version": case.machine_version, "to_version": to, "state": case.state}

