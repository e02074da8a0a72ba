"""Response shapes of the principals' and agencies' routes (issue 23)."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict

from service.core.schemas import Out, Page


class TokenOut(Out):
    """A principal's id and its token, shown this once."""

    id: str
    token: str


class PrincipalOut(Out):
    """A principal as admins see it; a supervisor sees `id`, `name` and `role` only."""

    id: str
    name: str
    role: str
    district: str | None = None
    agency: str | None = None
    disabled: bool | None = None
    legal_qualified: bool | None = None
    created_at: datetime | None = None
    username: str | None = None
    """The board's sign-in name (issue 23)."""
    password_set: bool | None = None
    """Whether a board password is set (the password itself is never shown)."""


class PrincipalPage(Page[PrincipalOut]):
    """A page of `PrincipalOut`."""


class ChannelOut(Out):
    """How an agency is reached; its address only to admins, its secret never (`secret_set`)."""

    model_config = ConfigDict(extra="allow")

    type: str
    url: str | None = None
    address: str | None = None
    secret_set: bool | None = None


class AgencyOut(Out):
    code: str
    kind: str
    division: str | None
    name: str
    channel: ChannelOut


class AgencyPage(Page[AgencyOut]):
    """A page of `AgencyOut`."""
