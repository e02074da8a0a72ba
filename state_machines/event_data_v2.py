"""The data each case event takes in machine version 2 (SPEC §10.2–§10.5, §10.9).

Version 1's models (`event_data.EVENT_DATA`) are reused for every event whose data did not
change; the models here replace or add the rest. Shape problems are 422 here; checks against
the case (officers of the district, a co-officer who is not the first officer, …) live in
`data_guards_v2.check_data`, still 422.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .clocks_v2 import CLOCKS_V2, PAUSE_CAUSES_V2
from .event_data import EVENT_DATA, REASON_REQUIRED, EventData, NoData
from .penalties import MEASURES, Sanction, is_penalty
from .types import Amount, Code, Day, ShortText, Text, Timestamp

ClockNameV2 = Literal[tuple(CLOCKS_V2)]  # type: ignore[valid-type]
PauseCauseV2 = Literal[PAUSE_CAUSES_V2]  # type: ignore[valid-type]
Measure = Literal[MEASURES]  # type: ignore[valid-type]
LegalReviewGround = Literal["public_interest", "major_rights_after_hearing", "complex", "required_by_law"]
PatentType = Literal["invention", "utility_model", "design", "none"]

PrincipalIds = list[Code]


def _distinct(values: list, name: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must be distinct")


class SanctionFields(EventData):
    fine: Amount | None = None
    confiscation: Amount | None = None
    measures: list[Measure] = []

    @model_validator(mode="after")
    def _distinct_measures(self) -> SanctionFields:
        _distinct(self.measures, "measures")
        return self

    def sanction(self) -> Sanction:
        return Sanction.of(self.fine, self.confiscation, self.measures)


class Proposal(SanctionFields):
    """调查终结报告 / 审核意见: what the bureau proposes; `outcome` must match the amounts."""

    outcome: Literal["penalty", "no_penalty"]

    @model_validator(mode="after")
    def _outcome_matches(self) -> Proposal:
        if (self.outcome == "penalty") != is_penalty(self.sanction()):
            raise ValueError("outcome `penalty` needs a fine, a confiscation or a measure other than "
                             "order_to_stop; `no_penalty` has none")
        return self


class Conclusion(SanctionFields):
    outcome: Literal["penalty", "no_penalty", "refer_to_police", "dismiss"]


class Accept(EventData):
    co_officer: Code | None = None  # penalty track, a case with a first officer
    officers: PrincipalIds | None = None  # penalty track, a case registered by the city (source superior)
    panel: PrincipalIds | None = None  # ruling track (合议组)


class Assign(EventData):
    officers: PrincipalIds = Field(min_length=2, max_length=50)

    @model_validator(mode="after")
    def _distinct_officers(self) -> Assign:
        _distinct(self.officers, "officers")
        return self


class RecordFacts(EventData):
    violation_ended_on: Day | None = None
    public_safety: bool | None = None
    patent_type: PatentType | None = None

    @model_validator(mode="after")
    def _something(self) -> RecordFacts:
        if self.violation_ended_on is None and self.public_safety is None and self.patent_type is None:
            raise ValueError("give violation_ended_on, public_safety and/or patent_type")
        return self


class ConcludeInvestigation(EventData):
    facts: Text
    evidence: Text
    legal_basis: Text
    proposal: Proposal


class SubmitReview(EventData):
    legal_review: list[LegalReviewGround] = []


class PassReview(EventData):
    opinion: Text
    proposal: Proposal | None = None
    collective_required: bool = False


class NotifyPenalty(EventData):
    proposed_fine: Amount
    proposed_confiscation: Amount | None = None
    proposed_measures: list[Measure] = []
    served_at: Timestamp | None = None


class RequestHearing(EventData):
    requested_at: Timestamp | None = None


class ScheduleHearing(EventData):
    held_on: Day
    served_at: Timestamp | None = None


class ConcludeHearing(EventData):
    record: Text
    presided_by: Code


class RecordCollectiveDiscussion(EventData):
    held_on: Day
    attendees: list[ShortText] = Field(min_length=3, max_length=100)
    conclusion: Conclusion

    @model_validator(mode="after")
    def _distinct_attendees(self) -> RecordCollectiveDiscussion:
        _distinct(self.attendees, "attendees")
        return self


class Decide(SanctionFields):
    fine: Amount  # type: ignore[assignment]
    legal_basis: Text | None = None  # required for a penalty (data_guards_v2.check_data)
    served_at: Timestamp | None = None
    waived: bool = False


class Appeal(EventData):
    court: Code | None = None
    served_at: Timestamp | None = None


class Close(EventData):
    publication_exempt: Text | None = None  # version 2 takes no enforcement_applied (§10.9)


class ApplyAdministrativeReview(EventData):
    applied_on: Day | None = None  # the party's application; past 60 days only warns (§10.9)
    received_on: Day | None = None  # the application copy reached the bureau: starts the reply clock


class FileReviewReply(EventData):
    reference: Code | None = None


class AdministrativeReviewChanged(SanctionFields):
    """The government changed the decision: the answer's fine, confiscation and measures."""


class FileDefence(EventData):
    filed_on: Day | None = None


class DemandPayment(EventData):
    served_at: Timestamp | None = None


class ApplyEnforcement(EventData):
    court: Code | None = None


class PauseClock(EventData):
    deadline: ClockNameV2
    cause: PauseCauseV2


class ResumeClock(EventData):
    deadline: ClockNameV2
    cause: PauseCauseV2 | None = None


class ExtendDeadline(EventData):
    deadline: ClockNameV2
    collective_decision: bool | None = None
    until: Day | None = None
    higher_level_approval: Code | None = None


EVENT_DATA_V2: dict[str, type[EventData]] = {
    **EVENT_DATA,
    "accept": Accept,
    "assign": Assign,
    "record_facts": RecordFacts,
    "request_designation": NoData,
    "transfer_disputed": NoData,
    "transfer_designated": NoData,
    "transfer_designated_back": NoData,
    "take_over": NoData,  # the reason and the new case are recorded by service/oversight
    "conclude_investigation": ConcludeInvestigation,
    "submit_review": SubmitReview,
    "pass_review": PassReview,
    "return_review": NoData,
    "notify_penalty": NotifyPenalty,
    "request_hearing": RequestHearing,
    "schedule_hearing": ScheduleHearing,
    "conclude_hearing": ConcludeHearing,
    "hearing_waived": NoData,
    "reopen_investigation": NoData,
    "record_collective_discussion": RecordCollectiveDiscussion,
    "decide": Decide,
    "police_returned": NoData,
    "apply_administrative_review": ApplyAdministrativeReview,
    "administrative_review_upheld": NoData,
    "administrative_review_revoked": NoData,
    "administrative_review_changed": AdministrativeReviewChanged,
    "file_review_reply": FileReviewReply,
    "appeal": Appeal,
    "file_defence": FileDefence,
    "demand_payment": DemandPayment,
    "apply_enforcement": ApplyEnforcement,
    "close": Close,
    "pause_clock": PauseClock,
    "resume_clock": ResumeClock,
    "extend_deadline": ExtendDeadline,
}
EVENT_DATA_V2.pop("transfer_declined")  # replaced by transfer_designated_back (§10.5)

REASON_REQUIRED_V2: frozenset[str] = REASON_REQUIRED | {
    "return_review", "hearing_waived", "reopen_investigation", "request_designation",
}

EVENT_DATA_BY_VERSION = {1: EVENT_DATA, 2: EVENT_DATA_V2}
REASON_REQUIRED_BY_VERSION = {1: REASON_REQUIRED, 2: REASON_REQUIRED_V2}


def unknown_fields_v2(event: str, data: dict) -> list[str]:
    known = EVENT_DATA_V2[event].model_fields
    return sorted(k for k in data if k not in known)
