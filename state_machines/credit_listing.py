"""The listing stream of a 严重违法失信名单 entry (SPEC §11), as a table beside its guards.

Sources: 市场监督管理严重违法失信名单管理办法 (总局令第44号, 2021), arts. 14–17 (notice, statement,
defence, hearing; the next-higher bureau's consent), art. 19 (three years), art. 20–21 (信用修复
after one year), art. 24 (revocation when the penalty falls).

Pure: the caller passes the entry as a `Listing`, the actor, today and the working-day calendar;
`decide` answers the `Step` to store or raises the error the API turns into a 4xx. The service
layer does what needs the database (the case's standing penalty, the party, the lock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .calendar import WorkCalendar
from .credit_grades import months_before
from .errors import Forbidden, GuardFailed, InvalidData, InvalidTransition
from .principals import Actor
from .vocabulary import CITY_DIVISION, Role

LISTING_YEARS_MONTHS = 36  # art. 19: 三年, counted by §4 as 36 months, not rolled
REPAIR_AFTER_MONTHS = 12  # art. 20: 列入满一年
STATEMENT_WORKDAYS = 5  # art. 15 (陈述、申辩): clock `listing_statement`, the party's

STATE_LABELS = {"proposed": "拟列入", "notified": "已告知", "consented": "上级已同意", "refused": "不予列入",
                "listed": "已列入", "repair_applied": "已申请信用修复", "repaired": "已信用修复（提前移出）",
                "expired": "期满移出", "revoked": "已撤销"}
FINAL_STATES = frozenset({"refused", "repaired", "expired", "revoked"})
ON_LIST_STATES = ("listed", "repair_applied")
"""States in which the party is on the published list (a repair applied for is not yet granted)."""


class Who(StrEnum):
    supervisor = "supervisor"  # a supervisor of the listing district
    staff = "staff"  # an officer or a supervisor of the listing district
    city = "city"  # the city bureau (the next-higher bureau, or the recorder of the region's consent)
    system = "system"  # the sweep (expire) or the case's own events (revoke)


SAME = "="


@dataclass(frozen=True)
class Row:
    event: str
    sources: tuple[str, ...]
    dest: str
    who: Who


_ROWS_WITH_CONSENT: tuple[Row, ...] = (
    Row("notify", ("proposed",), "notified", Who.supervisor),
    Row("record_statement", ("notified",), SAME, Who.staff),
    Row("consent", ("notified",), "consented", Who.city),
    Row("refuse", ("notified",), "refused", Who.city),
    Row("listed", ("consented",), "listed", Who.supervisor),
    Row("apply_repair", ("listed",), "repair_applied", Who.supervisor),
    Row("repair", ("repair_applied",), "repaired", Who.city),
    Row("refuse_repair", ("repair_applied",), "listed", Who.city),
    Row("expire", ON_LIST_STATES, "expired", Who.system),
    Row("revoke", ("proposed", "notified", "consented", *ON_LIST_STATES), "revoked", Who.system),
)
# IPCASE_LISTING_CONSENT=false (a 2025 draft of the 办法 drops the consent): listed straight after notice
_ROWS_WITHOUT_CONSENT: tuple[Row, ...] = tuple(
    Row("listed", ("notified",), "listed", Who.supervisor) if r.event == "listed" else r
    for r in _ROWS_WITH_CONSENT if r.event not in ("consent", "refuse")
)


EVENT_FIELDS: dict[str, frozenset[str]] = {
    "notify": frozenset({"served_at"}),
    "record_statement": frozenset({"statement", "defence", "hearing_requested", "hearing_held", "waived"}),
    "consent": frozenset({"approval_document", "decision"}),
    "refuse": frozenset(),
    "listed": frozenset({"listed_on"}),
    "apply_repair": frozenset({"conditions", "credit_commitment"}),
    "repair": frozenset({"decision"}),
    "refuse_repair": frozenset(),
    "expire": frozenset(),
    "revoke": frozenset({"case_id", "cause"}),
}


def rows(consent_required: bool = True) -> tuple[Row, ...]:
    return _ROWS_WITH_CONSENT if consent_required else _ROWS_WITHOUT_CONSENT


@dataclass(frozen=True)
class Listing:
    """An entry as the rules need it."""

    state: str
    district: str  # the proposing (listing) district
    case_district: str | None
    facts: dict = field(default_factory=dict)  # statement_due, waived, hearing_requested, hearing_held …
    listed_on: date | None = None
    until: date | None = None


@dataclass
class Step:
    event: str
    from_state: str
    to_state: str
    data: dict  # what the audited event records
    facts: dict  # the entry's facts after the step
    listed_on: date | None = None
    until: date | None = None


def add_months(day: date, months: int) -> date:
    return months_before(day, -months)


def until_of(listed_on: date) -> date:
    """The last day on the list; the entry expires the day after (§10.9)."""
    return add_months(listed_on, LISTING_YEARS_MONTHS)


def may(actor: Actor, who: Who, listing: Listing) -> bool:
    if who is Who.city:
        return actor.role is Role.city
    if who is Who.system:
        return False
    if actor.district != listing.district:
        return False
    return actor.role is Role.supervisor or (who is Who.staff and actor.role is Role.officer)


def allowed_events(listing: Listing, actor: Actor, consent_required: bool = True) -> list[str]:
    return [r.event for r in rows(consent_required) if listing.state in r.sources and may(actor, r.who, listing)]


def statement_period_over(listing: Listing, today: date) -> bool:
    due = listing.facts.get("statement_due")
    return bool(listing.facts.get("waived")) or (due is not None and today > date.fromisoformat(due))


def _text(data: dict, name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidData(f"{name} is text", fields=[name])
    if required and not (value and value.strip()):
        raise InvalidData(f"{name} is required", fields=[name])
    return value.strip() if value else None


def decide(listing: Listing, actor: Actor, event: str, data: dict, reason: str | None, today: date,
           calendar: WorkCalendar, *, consent_required: bool = True, system: bool = False) -> Step:
    """The step `event` makes on `listing`, or the refusal (403, 409 invalid_transition/guard_failed, 422)."""
    table = rows(consent_required)
    row = next((r for r in table if r.event == event), None)
    if row is None:
        raise InvalidData(f"unknown event {event!r}", fields=["event"])
    if row.who is Who.system and not system:
        raise Forbidden(f"{event} is the system's (the sweep or the case's own events)")
    if not system and not may(actor, row.who, listing):
        raise Forbidden({Who.city: "the city bureau decides this step",
                         Who.supervisor: "a supervisor of the listing district takes this step",
                         Who.staff: "an officer or supervisor of the listing district records this"}[row.who])
    if listing.state not in row.sources:
        allowed = [r.event for r in table if listing.state in r.sources and r.who is not Who.system]
        raise InvalidTransition(f"{event} is not allowed from {listing.state}", allowed_events=allowed)
    stray = sorted(set(data) - EVENT_FIELDS[event])
    if stray:
        raise InvalidData(f"{event} takes no {', '.join(stray)}", fields=stray)
    facts = dict(listing.facts)
    recorded = dict(data)
    step = Step(event, listing.state, listing.state if row.dest == SAME else row.dest, recorded, facts,
                listing.listed_on, listing.until)
    if event == "notify":
        served = data.get("served_at") or today
        if served > today:
            raise InvalidData("served_at cannot be in the future", fields=["served_at"])
        due = calendar.add_workdays(served, STATEMENT_WORKDAYS)
        facts.update(served_at=served.isoformat(), statement_due=due.isoformat())
        recorded.update(served_at=served.isoformat(), clock="listing_statement", owner="party", due=due.isoformat())
    elif event == "record_statement":
        given = {k: v for k, v in data.items() if v not in (None, "", False)}
        if not given:
            raise InvalidData("record a statement, a defence, a hearing, or the party's waiver",
                              fields=["statement", "defence", "hearing_requested", "hearing_held", "waived"])
        if data.get("hearing_held") and not (data.get("hearing_requested") or facts.get("hearing_requested")):
            raise GuardFailed("a hearing is held only when the party asked for one")
        for key in ("statement", "defence"):
            if data.get(key):
                facts.setdefault(f"{key}s", []).append(data[key])
        for key in ("hearing_requested", "hearing_held", "waived"):
            if data.get(key):
                facts[key] = True
    elif event in ("consent", "listed"):
        if not statement_period_over(listing, today):
            raise GuardFailed(f"the party's statement period (listing_statement) runs to {facts.get('statement_due')}; "
                              "before it ends only if the party waived it (record_statement waived)")
        if facts.get("hearing_requested") and not facts.get("hearing_held"):
            raise GuardFailed("the party asked for a hearing: record it held first (record_statement hearing_held)")
        if event == "consent" and listing.case_district == CITY_DIVISION:
            document = _text(data, "approval_document")
            facts["approval_document"] = document  # the region bureau's consent, recorded by the city
        if event == "listed":
            listed_on = data.get("listed_on") or today
            if listed_on > today:
                raise InvalidData("listed_on cannot be in the future", fields=["listed_on"])
            step.listed_on, step.until = listed_on, until_of(listed_on)
            recorded.update(listed_on=listed_on.isoformat(), until=step.until.isoformat())
    elif event in ("refuse", "refuse_repair"):
        if not (reason and reason.strip()):
            raise InvalidData(f"{event} requires a reason", fields=["reason"])
    elif event == "apply_repair":
        earliest = add_months(listing.listed_on, REPAIR_AFTER_MONTHS) if listing.listed_on else today
        if today < earliest:
            raise GuardFailed(f"repair may be applied for from {earliest} (one year after listed_on "
                              f"{listing.listed_on})")
        conditions = data.get("conditions") or {}
        unmet = [k for k in ("penalty_performed", "no_new_serious_violation", "credit_commitment_signed")
                 if conditions.get(k) is not True]
        if unmet:
            raise GuardFailed(f"the conditions of repair are not met: {', '.join(unmet)}")
        _text(data, "credit_commitment")
        facts["repair"] = {"applied_on": today.isoformat(), "conditions": conditions}
    elif event == "expire":
        if listing.until is None or today <= listing.until:
            raise GuardFailed(f"the listing runs to {listing.until}")
    step.data = {k: v.isoformat() if isinstance(v, date) else v for k, v in recorded.items()}
    return step
