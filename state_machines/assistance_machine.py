"""The small machine of an assistance request (协查 / 联合执法 / 移送管辖), SPEC §6.

`requested → accepted | declined`, `accepted → replied` (more replies may follow),
`replied → completed`; `extend` is an internal event, once, before the answer clock runs out.
Who fires what depends on the side: the asked district answers, the asking district completes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from transitions import Machine

from .types import Day, ShortText, Text


class Side(StrEnum):
    asked = "asked"
    asking = "asking"


STATE_LABELS = {
    "requested": "已发出",
    "accepted": "已接受",
    "declined": "已拒绝",
    "replied": "已答复",
    "completed": "已完成",
}
FINAL_STATES = frozenset({"declined", "completed"})


@dataclass(frozen=True)
class AssistanceRow:
    event: str
    sources: tuple[str, ...]
    dest: str | None  # None: internal
    side: Side


ROWS: tuple[AssistanceRow, ...] = (
    AssistanceRow("accept", ("requested",), "accepted", Side.asked),
    AssistanceRow("decline", ("requested",), "declined", Side.asked),
    AssistanceRow("reply", ("accepted", "replied"), "replied", Side.asked),
    AssistanceRow("complete", ("replied",), "completed", Side.asking),
    AssistanceRow("extend", ("requested", "accepted", "replied"), None, Side.asked),
)
EVENTS = tuple(r.event for r in ROWS)

MACHINE = Machine(model=None, states=list(STATE_LABELS), initial="requested",
                  auto_transitions=False, ignore_invalid_triggers=True, name="assistance")
for _row in ROWS:
    MACHINE.add_transition(_row.event, list(_row.sources), _row.dest)


class _Token:
    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def next_state(state: str, event: str) -> str | None:
    """Run the machine; None when the event is not allowed from `state`."""
    token = _Token(state)
    if event not in MACHINE.events or not MACHINE.events[event].trigger(token):
        return None
    return token.state


def allowed_events(state: str, side: Side | None, *, kind: str = "investigation", supervisor: bool = True) -> list[str]:
    """Events this side may fire now; a transfer is accepted or declined by a supervisor only, never extended."""
    if side is None:
        return []
    triggers = set(MACHINE.get_triggers(state))
    events = [r.event for r in ROWS if r.event in triggers and r.side is side]
    if kind == "transfer":
        events = [e for e in events if e in ("accept", "decline")] if supervisor else []
    return events


REASON_REQUIRED = frozenset({"decline", "extend"})


class ReplyData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    findings: Text
    date: Day | None = None  # a joint operation's date
    place: ShortText | None = None


class ExtendData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: Day


class NoData(BaseModel):
    model_config = ConfigDict(extra="forbid")


EVENT_DATA: dict[str, type[BaseModel]] = {
    "accept": NoData, "decline": NoData, "reply": ReplyData, "complete": NoData, "extend": ExtendData,
}
