"""Validated value types shared by the case shapes and the event data (pydantic, no I/O)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def encodable(value: object) -> object:
    """Refuse text no database stores faithfully: lone surrogates ("\\ud800") and NUL characters."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text contains characters that are not valid Unicode (lone surrogates)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            encodable(key)
            encodable(item)
    elif isinstance(value, list):
        for item in value:
            encodable(item)
    return value


MAX_AMOUNT = Decimal(10) ** 12
_ASCII_DECIMAL = re.compile(r"[0-9]{1,13}(\.[0-9]{1,2})?")
_SIGNED_ASCII_DECIMAL = re.compile(r"[+-]?[0-9]{1,13}(\.[0-9]{1,2})?")


def _ascii_amount(value: object, pattern: re.Pattern[str] = _ASCII_DECIMAL) -> object:
    """An amount is a JSON number or an ASCII decimal string (SPEC §10.8).

    Python's `Decimal` reads "1_000" and "١٢٣" (Arabic-Indic digits), and pydantic passes such
    strings through; a figure that a clerk cannot read back as it was typed is refused here.
    """
    if isinstance(value, bool):  # pydantic would read `true` as 1; an amount given as a boolean is a mistake
        raise ValueError("an amount must be a number or a decimal string")
    if isinstance(value, str) and not pattern.fullmatch(value):
        raise ValueError("an amount is written with ASCII digits, an optional '.' and at most 2 decimals")
    return value


def _ascii_signed_amount(value: object) -> object:
    return _ascii_amount(value, _SIGNED_ASCII_DECIMAL)


def _positive_zero(value: Decimal) -> Decimal:
    # "-0" passes `ge=0`; shown as "-0.00" it would read as a negative amount
    return value.quantize(Decimal("0.01")).copy_abs()


Amount = Annotated[
    Decimal,
    BeforeValidator(_ascii_amount),
    Field(ge=0, le=MAX_AMOUNT, decimal_places=2, allow_inf_nan=False),
    AfterValidator(_positive_zero),
]
"""Yuan, never negative, at most 10^12, at most 2 decimals; accepted as a number or an ASCII decimal string."""

SignedAmount = Annotated[
    Decimal,
    BeforeValidator(_ascii_signed_amount),
    Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, decimal_places=2, allow_inf_nan=False),
]
"""A signed figure (points added or taken) written as `Amount` is, with an optional leading sign."""


EARLIEST_DAY = date(1990, 1, 1)
LATEST_DAY = date(2100, 12, 31)
EARLIEST = datetime.combine(EARLIEST_DAY, time(), CHINA_TZ)
LATEST = datetime.combine(LATEST_DAY, time.max, CHINA_TZ)
BOUNDS_TEXT = "between 1990-01-01 and 2100-12-31 (China time)"


def day_in_bounds(value: date) -> date:
    """SPEC §10.8: every accepted date lies in 1990-01-01..2100-12-31; outside, working-day and
    month arithmetic would run off `date`'s range (year 1, year 9999) instead of refusing."""
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"a date must lie {BOUNDS_TEXT}")
    return value


def time_in_bounds(value: datetime) -> datetime:
    """A time with an offset, or one without taken as Asia/Shanghai (SPEC §6), in §10.8's range.

    The year is checked before any conversion: `astimezone` of 0001-01-01T00:00+14:00 overflows.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=CHINA_TZ)
    if not (EARLIEST_DAY.year - 1 <= value.year <= LATEST_DAY.year + 1 and EARLIEST <= value <= LATEST):
        raise ValueError(f"a time must lie {BOUNDS_TEXT}")
    return value


Day = Annotated[date, AfterValidator(day_in_bounds)]
"""A calendar date of SPEC §10.8's range; the one date type of every body, event and query parameter."""

Timestamp = Annotated[datetime, AfterValidator(time_in_bounds)]
"""ISO 8601; one without an offset is taken as Asia/Shanghai (SPEC §6); in SPEC §10.8's range."""

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
