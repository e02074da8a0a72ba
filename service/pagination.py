"""Cursor pagination for every list (`{items, next_cursor}`, SPEC §6): opaque keyset cursors."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select

from state_machines.errors import InvalidData


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list:
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(parts, list) or len(parts) != arity:
            raise ValueError
        return parts
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidData("bad cursor", fields=["cursor"]) from None


def by_time_and_id(query: Select, created_col, id_col, cursor: str | None, limit: int,
                   *, newest_first: bool = False) -> Select:
    """Order by (time, id) and continue after the cursor's row; one more row tells if there is a next page."""
    if cursor:
        created, last_id = decode_cursor(cursor, 2)
        try:
            at = datetime.fromisoformat(created)
        except (TypeError, ValueError):
            raise InvalidData("bad cursor", fields=["cursor"]) from None
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
