"""What a case event opens in other domains, and who else may read a case: filled in by them.

The cases package sits below handoffs and assistance in the layers (`pyproject.toml`), yet its
events open handoffs (`refer_to_police` …), transfer and designation requests, and an
assistance request shares a case with the asked district. Rather than import those domains
(the cycle issue 17 named), cases calls through this registry, which they fill when their
modules are imported; `service.app` and the CLI import every domain. A port used before its
provider registered raises at once instead of silently opening nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Opener = Callable[..., Any]
"""`(session, case, opening, actor_id, now, rules, reason)`: writes what the opening asks for."""
HandoffsOpener = Callable[..., Any]
"""`(session, case, parties, openings, rules, actor_id, now)`: the outbox's `open_handoffs`."""
Sharer = Callable[..., bool]
"""`(session, actor, case) -> bool`: the actor reads the case as a share."""
DocumentIssuer = Callable[..., Any]
"""`(session, case, parties, step, actor_id, now)`: numbers and records the documents the step
issues (`state_machines.documents`), in the event's transaction; the documents domain fills it."""


PenaltyFell = Callable[..., Any]
"""`(session, case, event, actor_id, now)`: the case's penalty decision is gone (credit revokes its listings)."""

PENALTY_FALLS = frozenset(("court_overturned", "administrative_review_revoked"))
"""The case events after which no penalty stands (SPEC §11: the listing is revoked at once)."""

_openers: dict[str, Opener] = {}
_handoffs: list[HandoffsOpener] = []
_sharers: list[Sharer] = []
_documents: list[DocumentIssuer] = []
_penalty_fell: list[PenaltyFell] = []
_case_ended: list[Callable[..., Any]] = []


def provide_opener(kind: str, opener: Opener) -> None:
    _openers[kind] = opener


def provide_handoffs(opener: HandoffsOpener) -> None:
    _handoffs[:] = [opener]


def provide_sharer(sharer: Sharer) -> None:
    if sharer not in _sharers:
        _sharers.append(sharer)


def provide_documents(issuer: DocumentIssuer) -> None:
    _documents[:] = [issuer]


def issue_documents(*args: Any) -> Any:
    if not _documents:
        raise RuntimeError("no documents domain registered: import service.documents.service before firing case events")
    return _documents[0](*args)


def provide_penalty_fell(hook: PenaltyFell) -> None:
    _penalty_fell[:] = [hook]


def penalty_fell(*args: Any) -> Any:
    if not _penalty_fell:
        raise RuntimeError("no credit registered to revoke listings: import service.credit.service")
    return _penalty_fell[0](*args)


def provide_case_ended(hook: Callable[..., Any]) -> None:
    """`(session, case, state, now)`: the case reached a final state by whatever path (reject,
    withdraw, close, transfer, designation, 提级管辖 …); oversight closes its open 督办 orders."""
    _case_ended[:] = [hook]


def case_ended(*args: Any) -> Any:
    if not _case_ended:
        raise RuntimeError("no oversight registered to close supervision orders: import service.oversight.service")
    return _case_ended[0](*args)


def open_handoffs(*args: Any) -> Any:
    if not _handoffs:
        raise RuntimeError("no outbox registered: import service.handoffs.outbox before firing case events")
    return _handoffs[0](*args)


def open_other(kind: str, *args: Any) -> Any:
    try:
        opener = _openers[kind]
    except KeyError:
        raise RuntimeError(f"no domain registered to open {kind!r}: import service.assistance.service") from None
    return opener(*args)


def shared(session: Any, actor: Any, case: Any) -> bool:
    return any(sharer(session, actor, case) for sharer in _sharers)
