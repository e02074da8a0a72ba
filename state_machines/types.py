"""Validated value types shared by the case shapes and the event data (pydantic, no I/O)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def _no_bool(value: object) -> object:
    # pydantic would read `true` as 1 for a Decimal; an amount given as a boolean is a mistake.
    if isinstance(value, bool):
        raise ValueError("an amount must be a number or a decimal string")
    return value


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


Amount = Annotated[
    Decimal,
    BeforeValidator(_no_bool),
    Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False),
    AfterValidator(lambda v: v.quantize(Decimal("0.01"))),
]
"""Yuan, never negative, at most 2 decimals; accepted as a number or a string."""


def _assume_china_time(value: datetime) -> datetime:
    return value.replace(tzinfo=CHINA_TZ) if value.tzinfo is None else value


Timestamp = Annotated[datetime, AfterValidator(_assume_china_time)]
"""ISO 8601; one without an offset is taken as Asia/Shanghai (SPEC §6)."""

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
