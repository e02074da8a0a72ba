"""The machine itself, inspectable (`GET /state-machine`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from state_machines.export import as_json, as_mermaid
from state_machines.vocabulary import Track

from ..deps import CurrentActor

router = APIRouter(tags=["meta"])


@router.get("/state-machine", response_model=None)
def state_machine(actor: CurrentActor, track: Track = Track.penalty,
                  format: Literal["json", "mermaid"] = "json") -> dict | PlainTextResponse:
    if format == "mermaid":
        return PlainTextResponse(as_mermaid(track), media_type="text/vnd.mermaid; charset=utf-8")
    return as_json(track)
