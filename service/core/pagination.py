"""Cursor pagination for every list (`{items, next_cursor}`, SPEC §6): opaque keyset cursors.

A cursor is the keyset position of the last row shown, as JSON, followed by an HMAC over it
(SPEC §10.8: "anything the service did not issue is 422"). Two layers, on purpose:
- the MAC makes cursors opaque: a client cannot craft a position, so `["abc"]`, `[1e400]`, a
  list where an id stands or a naive time are refused before anything reads them;
- each position is checked by type anyway (a sequence number, an aware time in §10.8's range,
  an id), so a cursor that passes the MAC (a leaked key, a future bug in an issuer) still
  cannot reach SQL or date arithmetic with a value of the wrong kind.
The key comes from `IPCASE_CURSOR_SECRET`, else from the database URL: every worker of one
deployment derives the same key, so a cursor issued by one is accepted by the others and
survives restarts. Without the secret set, whoever knows the URL could forge a well-typed
cursor, which the second layer makes harmless.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select

from service.core.config import get_settings
from state_machines.errors import InvalidData
from state_machines.types import time_in_bounds

_MAC_BYTES = 16
_B64 = re.compile(r"[A-Za-z0-9_-]{1,400}")
_MAX_SEQ = 2**63 - 1  # BIGINT
_MAX_ID = 36  # String(36) ids


@lru_cache(maxsize=1)
def _key() -> bytes:
    settings = get_settings()
    material = settings.cursor_secret or settings.database_url
    return hashlib.sha256(b"ipcase cursor v1\0" + material.encode()).digest()


def _mac(payload: bytes) -> bytes:
    return hmac.new(_key(), payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not _B64.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(*parts: int | str) -> str:
    payload = json.dumps(parts, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_mac(payload))}"


def _bad_cursor() -> InvalidData:
    return InvalidData("bad cursor: pass back a next_cursor this service issued, unchanged", fields=["cursor"])


def _position(value: object, kind: type) -> object:
    if kind is int:
        if type(value) is not int or not 0 <= value <= _MAX_SEQ:
            raise ValueError
        return value
    if kind is str:
        if type(value) is not str or not 0 < len(value) <= _MAX_ID:
            raise ValueError
        return value
    if kind is datetime:
        if type(value) is not str or len(value) > 40:
            raise ValueError
        at = datetime.fromisoformat(value)
        if at.tzinfo is None:  # the service issues times with their offset only
            raise ValueError
        return time_in_bounds(at)
    raise TypeError(f"no cursor position of type {kind}")


def decode_cursor(cursor: str, shape: int | tuple[type, ...]) -> list:
    """The positions of a cursor this service issued, each of the type `shape` names.

    `shape` is a tuple of `int` (a sequence number), `str` (an id) or `datetime` (an aware time,
    returned parsed); a bare count `n` means n sequence numbers (the history and audit lists).
    """
    kinds = (int,) * shape if isinstance(shape, int) else shape
    try:
        body, _, mac = cursor.partition(".")
        payload = _unb64(body)
        if not hmac.compare_digest(_unb64(mac), _mac(payload)):
            raise ValueError
        parts = json.loads(payload)
        if not isinstance(parts, list) or len(parts) != len(kinds):
            raise ValueError
        return [_position(value, kind) for value, kind in zip(parts, kinds, strict=True)]
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error):
        raise _bad_cursor() from None


def by_time_and_id(query: Select, created_col, id_col, cursor: str | None, limit: int,
                   *, newest_first: bool = False) -> Select:
    """Order by (time, id) and continue after the cursor's row; one more row tells if there is a next page."""
    if cursor:
        at, last_id = decode_cursor(cursor, (datetime, str))
        if newest_first:
            query = query.where((created_col < at) | ((created_col == at) & (id_col < last_id)))
        else:
            query = query.where((created_col > at) | ((created_col == at) & (id_col > last_id)))
    order = (created_col.desc(), id_col.desc()) if newest_first else (created_col, id_col)
    return query.order_by(*order).limit(limit + 1)


def page(rows: Sequence[Any], limit: int, key: Callable[[Any], tuple]) -> tuple[list, str | None]:
    """Cut the extra row off and make the cursor of the last row shown."""
    rows = list(rows)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(*key(rows[-1])) if more and rows else None)
