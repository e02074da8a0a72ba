"""Identifiers of parties: the unified social credit code and the resident ID number.

Both carry a check character, so a mistyped code is caught at intake instead of splitting
one respondent into two registry entries.
"""

from __future__ import annotations

import re
from datetime import date

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid 统一社会信用代码 (GB 32100-2015), or None."""
    if len(code) != 18:
        return "a unified social credit code has 18 characters"
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARS})
    if bad:
        return f"characters not allowed in a unified social credit code: {''.join(bad)}"
    if not code[2:8].isdigit():
        return "characters 3–8 of a unified social credit code are the division code (digits)"
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, expected {expected}"
    return None


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def id_number_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits (GB 11643-1999)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number_problem(number: str) -> str | None:
    """Why `number` is not a valid 18-digit resident ID number (GB 11643-1999), or None."""
    if len(number) != 18 or not _ASCII_DIGITS.fullmatch(number[:17]):
        return "a resident ID number has 17 digits and a check character"
    expected = id_number_check_character(number[:17])
    if number[17].upper() != expected:
        return f"check character is {number[17]}, expected {expected}"
    return None


# Provinces (GB/T 2260, first two digits) that issued the old 15-digit numbers: the only check
# those numbers carry besides the birth date.
_PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                        50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82})
_ASCII_DIGITS = re.compile(r"[0-9]+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
# A run of digits (ASCII or full-width) not touching another digit: `\b` would not do, since
# between a CJK character and a digit there is no word boundary ("身份证150602199001016207").
_ID_CANDIDATE = re.compile(r"(?<![0-9０-９])(?:[0-9０-９]{17}[0-9０-９XxＸｘ]|[0-9０-９]{15})(?![0-9０-９])")


def _plausible_birth(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return born.year >= 1850


def is_id_number(text: str) -> bool:
    """An ID number GB 11643 would accept: 18 characters whose check character matches, or the old
    15-digit form (GB 11643-1989: province, birth date YYMMDD of the 1900s, sequence, no check)."""
    text = text.translate(_FULLWIDTH)
    if len(text) == 18:
        return id_number_problem(text) is None
    return (len(text) == 15 and text.isascii() and text.isdigit() and int(text[:2]) in _PROVINCES
            and _plausible_birth("19" + text[6:12]))


def redact_id_numbers(text: str, replacement: str = "[身份证号已删除]") -> str:
    """Every valid ID number in `text` replaced, wherever it stands; other digit runs are left."""
    return _ID_CANDIDATE.sub(lambda m: replacement if is_id_number(m.group()) else m.group(), text)


def mask_id_number(number: str) -> str:
    """Show the first 3 and last 4 characters only (SPEC §2: stored, shown masked)."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
