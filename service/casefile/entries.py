"""Files other packages add to a case's archive: filled on import, like `service/cases/ports.py`.

The archive (`archive.build`) holds the catalogue, the attachments, the history and the
manifest; the bureau's numbered documents (立案审批表 … 结案审批表 as PDF) come from the documents
package, which registers a provider here when imported (`provide(documents_of)`), so the
case file needs no import of it. A provider returns the case's entries in catalogue order
(archives put the documents in the order of the procedure, before the evidence).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    name: str
    """The file's name in the archive's `documents/` folder, e.g. `行政处罚决定书.pdf`."""
    data: bytes
    title: str = ""
    """题名 in the catalogue (default: the name)."""
    number: str | None = None
    """文号, e.g. 东市监处罚〔2026〕12号."""
    date: str | None = None
    """YYYY-MM-DD."""


Provider = Callable[[Any, str], Iterable[Entry]]
"""`(session, case_id) -> entries`: read in the archive's transaction."""

_providers: list[Provider] = []


def provide(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def entries_of(session: Any, case_id: str) -> list[Entry]:
    return [entry for provider in _providers for entry in provider(session, case_id)]
