"""The board's case page: what the case holds, its handoffs and letters, its history and the
machine's Mermaid diagram, and a form for each event the reader may fire now, fired through the
API's own command (`fire_from_form`); a handoff's letter.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from service.board.forms import controls, data_of
from service.board.labels import DUTY_DONE, EVENT_LABELS, ROLE_LABELS, event_label
from service.board.signin import _field, _page, _signed_form, _signed_in
from service.cases import queries
from service.cases.commands import EventRequest
from service.cases.event_writer import EventWriter
from service.core.errors import STATUS
from service.core.middleware import EVENTS_FIRED
from service.core.models import Agency, District, Principal
from service.handoffs import answers as handoff_answers
from service.oversight import service as oversight
from state_machines.clocks_v2 import CLOCK_LABELS_V2
from state_machines.errors import DomainError
from state_machines.event_data_v2 import EVENT_DATA_BY_VERSION, REASON_REQUIRED_BY_VERSION
from state_machines.export import as_mermaid
from state_machines.principals import Actor
from state_machines.vocabulary import KINDS, SECTORS, SOURCES, STATE_LABELS_V2, VENUES, Track

router = APIRouter(include_in_schema=False)


@router.get("/board/cases/{case_id}")
def case_page(case_id: str, request: Request) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    done = request.query_params.get("done", "")
    return _case_view(request, actor, who, case_id, done=event_label(done) if done in EVENT_LABELS else None)


UNFORMED = frozenset({"attach", "detach"})
"""Events whose data is a stored file: the attachments API uploads it; no form here."""
REFUSALS = {"validation_error": "填写有误，请检查标出的项目", "guard_failed": "不满足办理条件",
            "invalid_transition": "案件当前状态下不能办理此事项，请刷新页面", "forbidden": "您无权办理此事项",
            "version_conflict": "案件已被他人更新，请刷新页面后重试", "not_found": "没有这个案件，或无权查看"}
FIELD_REFUSALS = {"validation_error": "此项填写有误", "guard_failed": "此项不满足办理条件"}


def _event_forms(session, shown: dict) -> list[dict]:
    """A form for each event the reader may fire now (from the case's `allowed_events`)."""
    version = shown["machine_version"]
    models = EVENT_DATA_BY_VERSION.get(version, EVENT_DATA_BY_VERSION[1])
    needs_reason = REASON_REQUIRED_BY_VERSION.get(version, REASON_REQUIRED_BY_VERSION[1])
    people = [(pid, f"{name}（{ROLE_LABELS.get(role, role)}）") for pid, name, role in session.execute(
        select(Principal.id, Principal.name, Principal.role).where(
            Principal.district == shown["district"], Principal.disabled.is_(False),
            Principal.role.in_(("officer", "supervisor", "reviewer"))).order_by(Principal.role, Principal.name))]
    places = {"to_district": list(session.execute(select(District.code, District.name).order_by(District.code))),
              "agency": list(session.execute(select(Agency.code, Agency.name).order_by(Agency.code)))}
    forms = []
    for event in shown["allowed_events"]:
        if event in UNFORMED or event not in models:
            continue
        forms.append({"event": event, "label": event_label(event), "reason_required": event in needs_reason,
                      "controls": controls(models[event].model_json_schema(), people, places)})
    return forms


def _case_view(request: Request, actor: Actor, who: str, case_id: str, *, status: int = 200, done: str | None = None,
               failed: str | None = None, refusal: DomainError | None = None,
               submitted: dict[str, list[str]] | None = None, **extra: object) -> Response:
    """The case page: what the case holds, and a form for each event the reader may fire now.

    After a refused event, its form comes back open with what was typed and the refusal in
    Chinese beside each field the API's `error.fields` names.
    """
    runtime = request.app.state.runtime
    with runtime.db.read() as session:
        try:
            shown = queries.get_case(session, actor, case_id, runtime.rules)
            history = queries.history(session, actor, case_id)["items"]
        except DomainError:
            return _page(request, "login", 404, who=who, error="没有这个案件，或无权查看")
        names = dict(session.execute(select(Principal.id, Principal.name)).all())
        forms = _event_forms(session, shown)
        try:  # handoffs with their letters, as `GET /handoffs?case_id=` shows them to this reader
            handoffs = handoff_answers.list_handoffs(session, actor, case_id=case_id, agency=None, status=None,
                                                     limit=100, cursor=None)["items"]
        except DomainError:
            handoffs = []
        agencies = dict(session.execute(select(Agency.code, Agency.name)).all())
        for h in handoffs:
            h["agency_name"] = agencies.get(h["agency"], h["agency"])
        district_name = session.scalar(select(District.name).where(District.code == shown["district"]))
        orders = oversight.orders_for_case(session, actor, case_id)  # 督办 (SPEC §12)
    for item in history:
        item["actor"] = names.get(item["actor"], item["actor"])
    code = refusal.code if refusal else ""
    field_errors = {f: FIELD_REFUSALS.get(code, REFUSALS.get(code, "此项有误"))
                    for f in ((refusal.extra.get("fields") or []) if refusal else [])}
    for form in forms:
        form["open"] = form["event"] == failed
        form["values"] = submitted if form["open"] and submitted else {}
        form["errors"] = field_errors if form["open"] else {}
        form["key"] = secrets.token_urlsafe(16)
    respondent = shown["parties"].get("respondent", {}).get("name", "")
    officers = [names.get(o, o) for o in shown.get("officers") or
                ([shown["assigned_officer"]] if shown.get("assigned_officer") else [])]
    return _page(request, "case", status, who=who, case=shown, history=history, clock_labels=CLOCK_LABELS_V2,
                 respondent=respondent, kind_label=KINDS[shown["kind"]][1], forms=forms, done=done, handoffs=handoffs,
                 failed_label=event_label(failed) if failed else None, district_name=district_name,
                 refusal=REFUSALS.get(code, "请求未被接受") if refusal else None,
                 refusal_detail=refusal.message if refusal else None, officers=officers, orders=orders,
                 assigned_by_name=names.get(shown.get("assigned_by") or "", "市局"),
                 source_label=SOURCES.get(shown["source"], shown["source"]),
                 sector_label=SECTORS.get(shown["sector"] or "", shown["sector"] or ""),
                 venue_label=VENUES.get(shown["venue"] or "", shown["venue"] or ""),
                 labels=STATE_LABELS_V2, diagram=as_mermaid(Track(shown["track"]), current=shown["state"],
                                                            version=shown["machine_version"]),
                 **{"notice": DUTY_DONE.get(request.query_params.get("ok", "")), **extra})


@router.get("/board/handoffs/{handoff_id}/letter")
def handoff_letter(handoff_id: str, request: Request) -> Response:
    """A handoff's letter (移送书, 协助函 …) as the API holds it, for a reader who may see the handoff."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    with request.app.state.runtime.db.read() as session:
        try:
            handoff, case_row = handoff_answers.get_visible(session, actor, handoff_id[:36])
            shown = handoff_answers.handoff_json(session, handoff, case_row)
        except DomainError:
            return _page(request, "login", 404, who=who, error="没有这份文书，或无权查看")
    return _page(request, "letter", who=who, handoff=shown)


@router.post("/board/cases/{case_id}/events")
async def fire_from_form(case_id: str, request: Request) -> Response:
    """Fire an event from its form through the API's own command (`EventWriter.fire`, SPEC §3's
    refusal order): the form's version is the If-Match and its key the Idempotency-Key, so a stale
    form is refused and a double click records the event once. Success: back to the case page."""
    signed = await _signed_form(request)
    if isinstance(signed, Response):
        return signed
    actor, who, fields = signed
    event = _field(fields, "event")[:40]
    runtime = request.app.state.runtime
    with runtime.db.read() as session:
        try:
            version = queries.get_case(session, actor, case_id, runtime.rules)["machine_version"]
        except DomainError:
            return _page(request, "login", 404, who=who, error="没有这个案件，或无权查看")
    model = EVENT_DATA_BY_VERSION.get(version, EVENT_DATA_BY_VERSION[1]).get(event)
    data = data_of(fields, controls(model.model_json_schema(), [], {"to_district": [], "agency": []})) if model else {}
    body: dict = {"event": event, "data": data}
    reason = _field(fields, "reason").strip()
    if reason:
        body["reason"] = reason
    writer: EventWriter = request.app.state.events
    try:
        await writer.fire(EventRequest(actor, case_id, json.dumps(body).encode(), _field(fields, "version") or None,
                                       _field(fields, "key")[:200] or None))
    except DomainError as refusal:
        return _case_view(request, actor, who, case_id, status=STATUS.get(refusal.code, 400), failed=event,
                          refusal=refusal, submitted=fields)
    EVENTS_FIRED.labels(event).inc()
    return RedirectResponse(f"/board/cases/{case_id}?{urlencode({'done': event})}", status_code=303)
