"""通报 on the board (issue 20): the issued bulletins, what each said of the reader's district, and the
rectifications due (a district: its own; the city: every district's, overdue first)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from service.board.labels import DUTY_DONE
from service.board.signin import _page, _signed_in
from service.bulletins import service as bulletins
from state_machines.errors import DomainError
from state_machines.principals import DISTRICT_ROLES, Actor, is_city
from state_machines.vocabulary import Role

router = APIRouter(include_in_schema=False)


@router.get("/board/bulletins")
def bulletins_page(request: Request) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    return bulletins_view(request, actor, who)


def bulletins_view(request: Request, actor: Actor, who: str, status: int = 200, **extra: object) -> Response:
    """The page; `extra` carries a refused 整改 form back to its row (service/board/duties_page.py)."""
    now = datetime.now(UTC)
    mine = actor.district if actor.role in DISTRICT_ROLES and not is_city(actor) else None
    with request.app.state.runtime.db.read() as session:
        try:
            shown = []
            for item in bulletins.list_bulletins(session, actor, limit=100)["items"]:
                if item["state"] != "issued":
                    continue
                detail = bulletins.detail_json(session, bulletins.visible(session, actor, item["id"]), now, actor)
                shown.append({**detail,
                              "rank": next((r["rank"] for r in detail["report"]["rows"] if r["district"] == mine),
                                           None),
                              "praised": [c for c in detail["commendations"] if mine in (None, c["district"])],
                              "criticised": [c for c in detail["criticisms"] if mine in (None, c["district"])]})
            rectifications = bulletins.rectification_list(session, actor, now, limit=500)["items"]
        except DomainError:
            return _page(request, "login", 403, who=who, error="该账号不阅读通报")
    rectifications.sort(key=lambda r: (r["state"] == "accepted", not r["overdue"], r["due_on"]))
    return _page(request, "bulletins", status, who=who, bulletins=shown, rectifications=rectifications, mine=mine,
                 answers=actor.role is Role.supervisor and mine is not None, city=is_city(actor),
                 **{"notice": DUTY_DONE.get(request.query_params.get("ok", "")), **extra})
