"""Handoffs to other agencies (SPEC §5) as data: who receives each kind, which decisions it takes,
which case event each decision fires, and the partner's answer clock.

The status of a handoff: `pending → delivered → answered → closed`, with `failed` after the
last delivery attempt (a retry puts it back to `pending`) and `expired` when the answer clock
passes. Decisions are accepted from `pending` on (a paper answer can outrun the delivery).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .calendar import WorkCalendar
from .clocks import Period, Unit
from .errors import InvalidData, InvalidTransition
from .vocabulary import CITY_DIVISION, Track

CITY_BUREAU = f"bureau-{CITY_DIVISION}"
OPEN_STATUSES = frozenset({"pending", "delivered", "answered", "failed", "expired"})


@dataclass(frozen=True)
class Decision:
    name: str
    case_event: str | None
    after: str | None = None  # only once this decision was recorded
    final: bool = True  # closes the handoff
    needs_until: bool = False


@dataclass(frozen=True)
class HandoffKind:
    name: str
    agency_kind: str
    title: str  # the letter's title (Chinese)
    decisions: tuple[Decision, ...] = ()
    answer_clock: str | None = None
    answer_period: Period | None = None
    fixed_agency: str | None = None

    def decision(self, name: str) -> Decision | None:
        return next((d for d in self.decisions if d.name == name), None)


_POLICE_3_DAYS = Period(Unit.days, 3)

KINDS: dict[str, HandoffKind] = {
    k.name: k
    for k in (
        HandoffKind(
            "criminal_referral", "police", "涉嫌犯罪案件移送书",
            (Decision("accepted", "police_accepted", final=False), Decision("declined", "police_declined"),
             Decision("concluded", "police_concluded", after="accepted")),
            "police_decision", _POLICE_3_DAYS,
        ),
        HandoffKind("procuratorate_copy", "procuratorate", "抄送函"),
        HandoffKind(
            "filing_supervision", "procuratorate", "立案监督建议书",
            (Decision("police_ordered_to_file", "police_accepted", final=False),
             Decision("declined", "police_declined"),
             Decision("concluded", "police_concluded", after="police_ordered_to_file")),
        ),
        HandoffKind(
            "judicial_confirmation", "court", "司法确认申请材料",
            (Decision("confirmed", "court_confirmed"), Decision("rejected", "court_rejected"),
             Decision("extended", None, final=False, needs_until=True)),
            "court_confirmation", Period(Unit.days, 30),
        ),
        HandoffKind("litigation", "court", "应诉通知回执",
                    (Decision("upheld", "court_upheld"), Decision("overturned", "court_overturned"))),
        HandoffKind("assistance", "bureau", "协查函", (Decision("answered", None),)),
        HandoffKind("difficult_case", "bureau", "请示", (Decision("answered", None),), fixed_agency=CITY_BUREAU),
        HandoffKind("major_case", "bureau", "重大案件报告", fixed_agency=CITY_BUREAU),
    )
}


def target_agency(kind: HandoffKind, named: str | None, district: str, track: Track,
                  agencies: dict[str, str]) -> str:
    """The event's `agency`/`court`, else the case division's agency of that kind, else the city's (SPEC §1)."""
    if kind.fixed_agency:
        return kind.fixed_agency
    if named:
        return named
    if kind.agency_kind == "court" and track is Track.ruling:
        return f"court-{CITY_DIVISION}"  # patent matters go to the intermediate court (法释〔2022〕13号 art. 1)
    local = f"{kind.agency_kind}-{district}"
    return local if local in agencies else f"{kind.agency_kind}-{CITY_DIVISION}"


@dataclass
class AnswerOutcome:
    decision: Decision
    status: str
    due: date | None = None
    extra: dict = field(default_factory=dict)


def check_decision(kind: HandoffKind, status: str, earlier: list[str], decision: str, until: date | None,
                   due: date | None) -> AnswerOutcome:
    """Whether `decision` may be recorded now (422 unknown, 409 not now), and the status it leaves."""
    spec = kind.decision(decision)
    if spec is None:
        known = ", ".join(d.name for d in kind.decisions) or "none"
        raise InvalidData(f"{kind.name} takes the decisions: {known}", fields=["decision"])
    if spec.needs_until and until is None:
        raise InvalidData(f"decision {decision} needs `until`", fields=["until"])
    if not spec.needs_until and until is not None:
        raise InvalidData(f"decision {decision} takes no `until`", fields=["until"])
    allowed = allowed_decisions(kind, status, earlier)
    if decision not in allowed:
        raise InvalidTransition(f"decision {decision} is not allowed now on this {kind.name}",
                                allowed_events=allowed)
    if spec.needs_until and due is not None and until is not None and until <= due:
        raise InvalidData(f"until must be later than the current due date {due}", fields=["until"])
    # any answer meets the partner's clock, except a court extending its own time
    return AnswerOutcome(spec, "closed" if spec.final else "answered", until if spec.needs_until else None)


def allowed_decisions(kind: HandoffKind, status: str, earlier: list[str]) -> list[str]:
    if status not in OPEN_STATUSES:
        return []
    # a state-moving decision is taken once; `extended` may repeat until the court decides
    taken = {d for d in earlier if (spec := kind.decision(d)) and spec.case_event}
    out = []
    for d in kind.decisions:
        if d.case_event and (d.name in taken or (d.after is None and taken)):
            continue
        if d.after and d.after not in earlier:
            continue
        out.append(d.name)
    return out


def answer_due(kind: HandoffKind, cal: WorkCalendar, delivered: date) -> date | None:
    return kind.answer_period.add(cal, delivered) if kind.answer_period else None


# ---- machine version 2 (SPEC §10.4, §10.7, §10.9) ---------------------------------------------

PATENT_COURTS: dict[str, str] = {
    "invention": "court-150100",  # 呼和浩特市中级人民法院 知识产权法庭 (法释〔2022〕13号 art. 1)
    "utility_model": "court-150100",
    "design": f"court-{CITY_DIVISION}",  # art. 2
}


def patent_court(patent_type: str | None) -> str:
    """The default court of a ruling-track case's `judicial_confirmation` and `litigation` (§10.4)."""
    return PATENT_COURTS.get(patent_type or "", f"court-{CITY_DIVISION}")


def enforcement_court(district: str, city_court: str = "court-150603") -> str:
    """The basic court of the bureau's seat; the city team's is configuration (§10.9)."""
    return city_court if district == CITY_DIVISION else f"court-{district}"


def administrative_review_agency(district: str) -> str:
    """The people's government of the bureau's division (行政复议法 2023)."""
    return f"government-{district}"


KINDS_V2: dict[str, HandoffKind] = {
    **KINDS,
    "criminal_referral": HandoffKind(
        "criminal_referral", "police", "涉嫌犯罪案件移送书",
        (Decision("accepted", "police_accepted", final=False), Decision("declined", "police_declined"),
         Decision("concluded", "police_concluded", after="accepted"),
         Decision("returned", "police_returned", after="accepted")),  # 移送规定 art. 13
        "police_decision", _POLICE_3_DAYS,
    ),
    "administrative_review": HandoffKind(
        "administrative_review", "government", "行政复议答复书",
        (Decision("upheld", "administrative_review_upheld"), Decision("revoked", "administrative_review_revoked"),
         Decision("changed", "administrative_review_changed")),
        "administrative_review_decision", Period(Unit.days, 60),  # 行政复议法 art. 62
    ),
    "enforcement": HandoffKind(
        "enforcement", "court", "强制执行申请书",
        (Decision("accepted", None), Decision("rejected", None)),  # 裁定不予执行; no case event
    ),
}
"""Handoff kinds of a version-2 case: version 1's, `criminal_referral` with `returned`, and the two new kinds."""

KINDS_BY_VERSION: dict[int, dict[str, HandoffKind]] = {1: KINDS, 2: KINDS_V2}


def kinds_for(version: int) -> dict[str, HandoffKind]:
    return KINDS_BY_VERSION[version]
