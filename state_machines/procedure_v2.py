"""What the penalty procedure of version 2 keeps in a case's facts, so that guards never read history.

Each procedural record carries `n`, the value of a counter the case's facts keep (`facts["seq"]`)
when it was made; "a discussion after that review" is `discussion["n"] > review["n"]`.

| fact | written by | shape |
|---|---|---|
| `investigation` | conclude_investigation | `{facts, legal_basis, proposal, n}` |
| `review_pending` | submit_review | `{legal_review: [...], after_hearing, n}` |
| `review` | pass_review | `{proposal, opinion, collective_required, after_hearing, n}` (the latest passed) |
| `notice` | notify_penalty | `{fine, confiscation, measures, served_at, n}` (the last notice) |
| `discussion` | record_collective_discussion | `{held_on, attendees, conclusion, n}` (the last) |
| `hearing` | request/schedule/conclude_hearing | `{requested_at, held_on?, served_at?, concluded_n?}` |
| `decision` | decide, administrative_review_changed | `{fine, confiscation, measures, legal_basis, served_on}` |

`reset_procedure` is what reopen_investigation, police_declined, police_returned and a revoked or
overturned decision do: earlier reviews, notices and discussions no longer count (§10.9).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .types import CHINA_TZ

if TYPE_CHECKING:
    from .case_machine import CaseSnapshot

PROCEDURE_FACTS = ("review_pending", "review", "notice", "discussion", "statement_ended")


def next_n(facts: dict) -> int:
    facts["seq"] = facts.get("seq", 0) + 1
    return facts["seq"]


def after(later: dict | None, earlier: dict | int | None) -> bool:
    """Whether record `later` was made after `earlier` (a record or an `n`)."""
    if later is None:
        return False
    if earlier is None:
        return True
    n = earlier if isinstance(earlier, int) else earlier.get("n", 0)
    return later.get("n", 0) > n


def current_review(facts: dict) -> dict | None:
    return facts.get("review")


def current_notice(facts: dict) -> dict | None:
    return facts.get("notice")


def valid_discussion(facts: dict) -> dict | None:
    return facts.get("discussion")


def hearing_concluded_at(facts: dict) -> int | None:
    """The `n` at which the latest hearing concluded, or None if the case went through none."""
    return (facts.get("hearing") or {}).get("concluded_n")


def reset_procedure(facts: dict) -> None:
    for name in PROCEDURE_FACTS:
        facts.pop(name, None)
    concluded = hearing_concluded_at(facts)
    if concluded is None:
        facts.pop("hearing", None)
    else:  # a hearing held still counts: guards 4 and 5 read that the case went through one
        facts["hearing"] = {"concluded_n": concluded}


def came_by_transfer(case: CaseSnapshot) -> bool:
    return case.source == "transfer" or bool(case.facts.get("came_by_transfer"))


def discovered_on(case: CaseSnapshot) -> date:
    """Limitation counts to `discovered_at` (§10.9): received_at, or the original case's."""
    raw = case.facts.get("discovered_on")
    if raw:
        return date.fromisoformat(raw)
    return (case.discovered_at or case.received_at).astimezone(CHINA_TZ).date()
