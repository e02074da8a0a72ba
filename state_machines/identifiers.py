"""Identifiers of parties: the unified social credit code and the resident ID number.

Both carry a check character, so a mistyped code is caught at intake instead of splitting
one respondent into two registry entries.
"""

from __future__ import annotations

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


def id_number_problem(number: str) -> str | None:
    """Why `number` is not a valid 18-digit resident ID number (GB 11643-1999), or None."""
    if len(number) != 18 or not number[:17].isdigit():
        return "a resident ID number has 17 digits and a check character"
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if number[17] != _ID_CHECK[total % 11]:
        return f"check character is {number[17]}, expected {_ID_CHECK[total % 11]}"
    return None


def mask_id_number(number: str) -> str:
    """Show the first 3 and last 4 characters only (SPEC §2: stored, shown masked)."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
