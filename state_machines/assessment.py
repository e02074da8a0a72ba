"""督导考核 (SPEC §12): the annual assessment of each district, scored from evidence by configured items.

Pure: the service gathers each item's evidence per district (a few GROUP BY queries) and this module
turns it into scores, points, a total and a rank. The items, their weights and how a raw value becomes
a score are data (`assessment_rules/default.toml`; another file of the same shape replaces it), so the
city changes a weight without a release, and the README states the defaults and why.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_FILE = Path(__file__).parent / "assessment_rules" / "default.toml"
METHODS = ("ratio", "percent", "inverse", "relative", "target")
FIGURE_LABELS = {
    "on_time": "按期", "late": "逾期", "open_overdue": "超期未完成", "escalations": "超期督办", "files": "评查案卷",
    "lowest": "最低分", "outstanding": "逾期未整改", "months": "应报月数", "missing": "未报送", "cases": "案件数",
}
"""The figures' Chinese names where officers read them (the board, the files)."""
CASE_FILTERS = frozenset({"date", "kinds", "outcomes", "sectors", "sources", "venues", "exclude_states", "match"})


class AssessmentRulesError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    provider: str
    method: str
    weight: float
    when_missing: float = 1.0
    zero_at: float | None = None  # inverse
    target: float | None = None  # target
    filter: Mapping[str, object] = field(default_factory=dict)  # provider "cases"


@dataclass(frozen=True)
class Rules:
    items: tuple[Item, ...]
    max_adjustment: float = 10.0

    @property
    def total_weight(self) -> float:
        return sum(i.weight for i in self.items)


@dataclass(frozen=True)
class Evidence:
    """What one item found for one district: the raw value (None: nothing to measure), the figures
    behind it, and where to click to see the cases (their ids, or a board link with filters)."""

    value: float | None
    figures: Mapping[str, float | int] = field(default_factory=dict)
    case_ids: tuple[str, ...] = ()
    link: str | None = None


def _number(raw: dict, name: str, where: str, default: float | None = None) -> float | None:
    value = raw.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AssessmentRulesError(f"assessment rules: {where}: {name} must be a number")
    return float(value)


def _item(raw: dict, index: int, known_providers: Iterable[str] | None) -> Item:
    where = f"item {index + 1} ({raw.get('key', '?')})"
    for name in ("key", "label", "provider", "method"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise AssessmentRulesError(f"assessment rules: {where}: {name} is required (text)")
    if raw["method"] not in METHODS:
        raise AssessmentRulesError(f"assessment rules: {where}: method {raw['method']!r} is not one of {METHODS}")
    if known_providers is not None and raw["provider"] not in set(known_providers):
        raise AssessmentRulesError(f"assessment rules: {where}: unknown provider {raw['provider']!r}")
    weight = _number(raw, "weight", where)
    if weight is None or weight < 0:
        raise AssessmentRulesError(f"assessment rules: {where}: weight must be a number ≥ 0")
    missing = _number(raw, "when_missing", where, 1.0)
    if not 0 <= missing <= 1:  # type: ignore[operator]
        raise AssessmentRulesError(f"assessment rules: {where}: when_missing must be between 0 and 1")
    zero_at, target = _number(raw, "zero_at", where), _number(raw, "target", where)
    if raw["method"] == "inverse" and not (zero_at and zero_at > 0):
        raise AssessmentRulesError(f"assessment rules: {where}: method inverse needs zero_at > 0")
    if raw["method"] == "target" and not (target and target > 0):
        raise AssessmentRulesError(f"assessment rules: {where}: method target needs target > 0")
    filters = raw.get("filter", {})
    if not isinstance(filters, dict) or (unknown := set(filters) - CASE_FILTERS):
        raise AssessmentRulesError(f"assessment rules: {where}: unknown filter(s) {sorted(unknown or ['?'])}")
    if filters.get("date", "received") not in ("received", "closed", "decided"):
        raise AssessmentRulesError(f"assessment rules: {where}: filter date is received, closed or decided")
    if filters.get("match", "all") not in ("all", "any"):
        raise AssessmentRulesError(f"assessment rules: {where}: filter match is all or any")
    for name in CASE_FILTERS - {"date", "match"}:
        values = filters.get(name, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise AssessmentRulesError(f"assessment rules: {where}: filter {name} must be a list of names")
    return Item(key=raw["key"], label=raw["label"], provider=raw["provider"], method=raw["method"], weight=weight,
                when_missing=missing, zero_at=zero_at, target=target, filter=filters)  # type: ignore[arg-type]


def parse(text: str, known_providers: Iterable[str] | None = None) -> Rules:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AssessmentRulesError(f"assessment rules: {exc}") from None
    entries = raw.get("item")
    if not isinstance(entries, list) or not entries:
        raise AssessmentRulesError("assessment rules: at least one [[item]] is needed")
    items = tuple(_item(entry, index, known_providers) for index, entry in enumerate(entries))
    keys = [i.key for i in items]
    if len(set(keys)) != len(keys):
        raise AssessmentRulesError("assessment rules: item keys must be distinct")
    max_adjustment = _number(raw, "max_adjustment", "file", 10.0)
    if max_adjustment is None or max_adjustment < 0:
        raise AssessmentRulesError("assessment rules: max_adjustment must be ≥ 0")
    return Rules(items=items, max_adjustment=max_adjustment)


@lru_cache
def load(path: str | None = None, known_providers: tuple[str, ...] | None = None) -> Rules:
    file = Path(path) if path else DEFAULT_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssessmentRulesError(f"assessment rules file {file}: {exc.strerror}") from None
    return parse(text, known_providers)


def normalise(item: Item, value: float | None, best: float | None) -> float:
    """The score from 0 to 1 of a raw value; `best` is the highest value among the districts (relative)."""
    if value is None:
        return item.when_missing
    if item.method == "ratio":
        score = value
    elif item.method == "percent":
        score = value / 100
    elif item.method == "inverse":
        score = 1 - value / item.zero_at  # type: ignore[operator]
    elif item.method == "target":
        score = value / item.target  # type: ignore[operator]
    else:  # relative: when nobody has any, nobody is behind
        score = value / best if best else item.when_missing
    return min(1.0, max(0.0, score))


def assess(rules: Rules, districts: Mapping[str, str], evidence: Mapping[str, Mapping[str, Evidence]],
           adjustments: Mapping[str, float] | None = None) -> list[dict]:
    """One row per district (code → name): each item's value, score, weight, points and evidence,
    the adjustment, the total and the rank (equal totals share a rank), sorted by rank then code."""
    adjustments = adjustments or {}
    rows = []
    for code, name in districts.items():
        items, subtotal = [], 0.0
        for item in rules.items:
            found = evidence.get(item.key, {})
            mine = found.get(code) or Evidence(None)
            # the best among the assessed districts only (the city's own team is not compared)
            values = [found[d].value for d in districts if d in found and found[d].value is not None]
            score = normalise(item, mine.value, max(values) if values else None)
            points = round(item.weight * score, 2)
            subtotal += points
            items.append({"key": item.key, "label": item.label, "value": _shown(mine.value), "score": round(score, 4),
                          "weight": item.weight, "points": points, "figures": dict(mine.figures),
                          "case_ids": list(mine.case_ids), "link": mine.link})
        adjustment = round(adjustments.get(code, 0.0), 2)
        rows.append({"district": code, "district_name": name, "items": items, "subtotal": round(subtotal, 2),
                     "adjustment": adjustment, "total": round(subtotal + adjustment, 2)})
    rows.sort(key=lambda r: (-r["total"], r["district"]))
    for index, row in enumerate(rows):
        tied = index and rows[index - 1]["total"] == row["total"]
        row["rank"] = rows[index - 1]["rank"] if tied else index + 1
    return rows


def _shown(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
