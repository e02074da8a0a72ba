"""The data each case event requires (SPEC §3), one pydantic model per event.

Models forbid unknown fields, so a typo is a 422 rather than silently ignored data. Which
event needs a top-level `reason` is listed in `REASON_REQUIRED`, because SPEC §3 keeps
`reason` outside `data`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .clocks import CLOCKS, PAUSE_CAUSES
from .documents import SERVICE_WAYS
from .types import Amount, Code, Day, ShortText, Text, Timestamp

ClockName = Literal[tuple(CLOCKS)]  # type: ignore[valid-type]
PauseCause = Literal[PAUSE_CAUSES]  # type: ignore[valid-type]
ServiceWay = Literal[tuple(SERVICE_WAYS)]  # type: ignore[valid-type]


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoData(EventData):
    pass


class TransferJurisdiction(EventData):
    to_district: Code


class StartMediation(EventData):
    parties_consent: Literal[True]


class MediationSucceeded(EventData):
    agreement: Text
    compensation: Amount | None = None
    effective_on: Day | None = None


class RequestConfirmation(EventData):
    court: Code | None = None


class NotifyPenalty(EventData):
    proposed_fine: Amount
    proposed_measures: list[Literal["confiscation", "revocation", "closure"]] = []
    served_at: Timestamp | None = None


class Decide(EventData):
    fine: Amount
    confiscation: Amount | None = None
    served_at: Timestamp | None = None
    waived: bool = False


class Rule(EventData):
    infringement_found: bool
    order: Text


class ReferToPolice(EventData):
    grounds: Text
    agency: Code | None = None


class RequestReconsideration(EventData):
    procuratorate: bool = False
    agency: Code | None = None


class Appeal(EventData):
    court: Code | None = None


class Close(EventData):
    enforcement_applied: bool = False
    publication_exempt: Text | None = None


class AddNote(EventData):
    text: Text


class Attach(EventData):
    """A file entered the case file (SPEC §12): what the chain needs to detect a swapped file."""

    attachment_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    content_type: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    size: Annotated[int, Field(ge=1)]


class Detach(EventData):
    attachment_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class RecordService(EventData):
    """A paper served on a party (送达); each service issues a 送达回证 (SPEC §12)."""

    document: Literal["request_copy", "penalty_notice", "decision"]
    served_at: Timestamp | None = None
    document_id: Code | None = None
    """The numbered document served (`/cases/{id}/bureau-documents`), when the bureau issued it here."""
    way: ServiceWay | None = None
    """直接送达, 邮寄送达, 电子送达, 公告送达 (default direct)."""
    recipient: ShortText | None = None
    """Who received it (the party, its agent, an adult family member …); default the respondent."""


class Amounts(EventData):
    case_value: Amount | None = None
    illegal_turnover: Amount | None = None
    illegal_gains: Amount | None = None
    direct_loss: Amount | None = None
    unsold_stock_value: Amount | None = None


class RecordAmounts(EventData):
    amounts: Amounts | None = None
    marks_count: int | None = None

    @model_validator(mode="after")
    def _something_recorded(self) -> RecordAmounts:
        if self.amounts is None and self.marks_count is None:
            raise ValueError("give `amounts` and/or `marks_count`")
        if self.marks_count is not None and not 0 <= self.marks_count <= 100_000:
            raise ValueError("marks_count must be between 0 and 100000")
        return self


class RecordPayment(EventData):
    paid_on: Day | None = None
    reference: Code | None = None


class RecordPublication(EventData):
    published_on: Day | None = None
    reference: Code | None = None


class RecordDefence(EventData):
    received_on: Day | None = None


class PauseClock(EventData):
    deadline: ClockName
    cause: PauseCause


class ResumeClock(EventData):
    deadline: ClockName
    cause: PauseCause | None = None


class ExtendDeadline(EventData):
    deadline: ClockName
    collective_decision: bool | None = None
    until: Day | None = None
    higher_level_approval: Code | None = None


class AskCity(EventData):
    question: Text


EVENT_DATA: dict[str, type[EventData]] = {
    "accept": NoData,
    "reject": NoData,
    "transfer_jurisdiction": TransferJurisdiction,
    "transfer_accepted": NoData,
    "transfer_declined": NoData,
    "start_mediation": StartMediation,
    "mediation_succeeded": MediationSucceeded,
    "mediation_failed": NoData,
    "request_confirmation": RequestConfirmation,
    "court_confirmed": NoData,
    "court_rejected": NoData,
    "notify_penalty": NotifyPenalty,
    "request_hearing": NoData,
    "decide": Decide,
    "rule": Rule,
    "refer_to_police": ReferToPolice,
    "police_accepted": NoData,
    "police_declined": NoData,
    "request_reconsideration": RequestReconsideration,
    "police_concluded": NoData,
    "appeal": Appeal,
    "court_upheld": NoData,
    "court_overturned": NoData,
    "suspend": NoData,
    "resume": NoData,
    "withdraw": NoData,
    "dismiss": NoData,
    "close": Close,
    "add_note": AddNote,
    "attach": Attach,
    "detach": Detach,
    "record_service": RecordService,
    "record_amounts": RecordAmounts,
    "record_payment": RecordPayment,
    "record_publication": RecordPublication,
    "record_defence": RecordDefence,
    "pause_clock": PauseClock,
    "resume_clock": ResumeClock,
    "extend_deadline": ExtendDeadline,
    "ask_city": AskCity,
}

REASON_REQUIRED: frozenset[str] = frozenset(
    {"reject", "mediation_failed", "suspend", "withdraw", "dismiss", "extend_deadline", "detach"}
)


def unknown_fields(event: str, data: dict) -> list[str]:
    """Fields the event does not know at all: refused before role and state checks (SPEC §3)."""
    known = EVENT_DATA[event].model_fields
    return sorted(k for k in data if k not in known)
