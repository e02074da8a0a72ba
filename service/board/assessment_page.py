"""督导考核 on the board (`/board/assessment?year=`): the city and auditors see every district side by
side, a district its own row; each figure links to the cases behind it. Scoped as `GET /assessment`."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.assessment import service as assessments
from service.board.forms import ascii_digits
from service.board.signin import _page, _signed_in
from state_machines.assessment import FIGURE_LABELS
from state_machines.errors import DomainError
from state_machines.types import CHINA_TZ

router = APIRouter(include_in_schema=False)


@router.get("/board/assessment")
def assessment_page(request: Request) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    raw = request.query_params.get("year") or str(datetime.now(UTC).astimezone(CHINA_TZ).year)
    if not (ascii_digits(raw) and len(raw) == 4 and assessments.FIRST_YEAR <= int(raw) <= assessments.LAST_YEAR):
        return _page(request, "assessment", 422, who=who, report=None, year=raw, error="年份无效（1990–2100）")
    runtime = request.app.state.runtime
    with runtime.db.read() as session:
        try:
            report = assessments.assessment(session, actor, runtime.settings, int(raw))
        except DomainError:
            return _page(request, "assessment", 403, who=who, report=None, year=raw, error="无权查看督导考核")
    return _page(request, "assessment", who=who, report=report, year=int(raw), error=None, labels=FIGURE_LABELS)
