"""The clocks of machine version 2 (SPEC §4 as amended by §10.6), as data beside version 1's.

Version 1's `clocks.CLOCKS` is untouched; `CLOCKS_V2` starts from it and replaces or adds rows,
so the difference between the two laws reads as the `_CHANGED` and `_NEW` tuples below. The
arithmetic (`start_clock`, `pause`, `unpause`, `end`, `display_status`) is shared: it takes a
`ClockSpec` and does not care which version it comes from.
"""

from __future__ import annotations

from dataclasses import replace

from .clocks import CLOCK_LABELS, CLOCKS, PAUSE_CAUSES, ClockSpec, ExtensionStep, Owner, Period, Unit
from .vocabulary import Track

WD, D, M = Unit.workdays, Unit.days, Unit.months

PAUSE_CAUSES_V2: tuple[str, ...] = (*PAUSE_CAUSES, "refund_order")  # 责令退还多收价款 (§10.6)

_CHANGED: tuple[ClockSpec, ...] = (
    replace(CLOCKS["filing_decision"], met_by=CLOCKS["filing_decision"].met_by | {"transfer_designated"}),
    replace(CLOCKS["acceptance_decision"], met_by=CLOCKS["acceptance_decision"].met_by | {"transfer_designated"}),
    # 行政处罚法 art. 60 + 程序规定; review time counts (no pause in `in_review`); refund_order added
    replace(CLOCKS["case_closing"], pause_causes=CLOCKS["case_closing"].pause_causes | {"refund_order"}),
)

_NEW: tuple[ClockSpec, ...] = (
    ClockSpec(
        "case_review", Owner.bureau, Period(WD, 10), Track.penalty,  # SAMR flow charts: configuration
        met_by=frozenset({"pass_review", "return_review"}),
        extension_steps=(ExtensionStep(Period(WD, 10)),),
        pause_states=frozenset({"suspended"}),
    ),
    ClockSpec(
        "administrative_review_reply", Owner.bureau, Period(D, 10), Track.penalty,  # 行政复议法 2023 art. 48
        met_by=frozenset({"file_review_reply"}),
    ),
    ClockSpec(
        "designation", Owner.bureau, Period(WD, 10),  # the city bureau; configuration
        met_by=frozenset({"transfer_designated", "transfer_designated_back"}),
    ),
    ClockSpec(
        "supervision_reply", Owner.bureau, Period(WD, 10),  # §12 督办: runs on the order, default due
    ),
    ClockSpec(
        "litigation_defence", Owner.bureau, Period(D, 15),  # 行政诉讼法 art. 67
        met_by=frozenset({"file_defence"}),
    ),
    ClockSpec(
        "administrative_review_decision", Owner.partner, Period(D, 60), Track.penalty,  # 行政复议法 art. 62
    ),
    ClockSpec(
        "enforcement_application", Owner.bureau, Period(M, 3), option=True,  # 行政强制法 art. 53
        met_by=frozenset({"apply_enforcement", "record_payment"}),
    ),
)

CLOCKS_V2: dict[str, ClockSpec] = {**CLOCKS, **{spec.name: spec for spec in (*_CHANGED, *_NEW)}}
"""Every clock of version 2 by name. `supervision_reply` runs on a supervision order and
`administrative_review_decision` on the review handoff, not on the case; they are here so the
service reads their owner and period from one table."""

CASE_CLOCKS_V2: frozenset[str] = frozenset(CLOCKS_V2) - {"supervision_reply", "administrative_review_decision"}

CLOCK_LABELS_V2: dict[str, str] = {
    **CLOCK_LABELS,
    "case_review": "法制审核期限",
    "administrative_review_reply": "行政复议答复期限",
    "designation": "指定管辖期限",
    "supervision_reply": "督办回复期限",
    "litigation_defence": "行政诉讼答辩期限",
    "administrative_review_decision": "行政复议决定期限",
    "enforcement_application": "申请强制执行期限",
}

CLOCKS_BY_VERSION: dict[int, dict[str, ClockSpec]] = {1: CLOCKS, 2: CLOCKS_V2}
CLOCK_LABELS_BY_VERSION: dict[int, dict[str, str]] = {1: CLOCK_LABELS, 2: CLOCK_LABELS_V2}


def clocks_for(version: int) -> dict[str, ClockSpec]:
    """The clock table a case of `version` runs on (the service's deadlines and sweep read it)."""
    return CLOCKS_BY_VERSION[version]
