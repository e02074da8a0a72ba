"""Issue 23, typed API: every operation documents its answer, and real answers fit the documented models.

(1) Every operation of the OpenAPI (whatever its router: a new route fails here until typed) has a
2xx response with a schema (a `$ref` to a model, or a typed content for a file or text answer,
listed in `NOT_JSON_MODELS` with the reason), and its refusals documented with the error envelope.
The only routes left out of the schema are the board's HTML pages (`include_in_schema=False`).
(2) Answers of a real session (both databases), validated with the models: the models forbid
keys they do not declare, so a key added to or dropped from an answer fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, get_args, get_origin

import pytest
import time_machine
from fastapi.routing import APIRoute

try:  # FastAPI 0.150 keeps an included router as one entry of `app.routes`; this walks into it
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI flattens included routers into `app.routes`
    def iter_route_contexts(routes):
        return routes
from fastapi.testclient import TestClient
from pydantic import BaseModel

from service.app import create_app
from service.assistance.schemas import AssistanceOut, AssistancePage
from service.audit.schemas import AuditEventPage, VerifyOut
from service.campaigns.schemas import (
    CampaignOut,
    CampaignPage,
    CampaignProgressOut,
    InspectionOut,
    InspectionPage,
    RegisterEntryOut,
    RegisterEntryPage,
)
from service.casefile.schemas import (
    AttachmentListOut,
    AttachmentOut,
    FilesVerifyOut,
    ReviewedCaseOut,
    ReviewResultsOut,
    ReviewRoundOut,
)
from service.cases import routes as cases_routes
from service.cases.schemas import CaseOut, CasePage, EventPage, HealthOut, StateMachineOut
from service.core.runtime import Runtime
from service.core.schemas import ErrorEnvelope
from service.credit.schemas import (
    DishonestEntryOut,
    DishonestEntryPage,
    PartyDetailOut,
    PartySearchOut,
    PublicationPage,
    TypicalCaseOut,
    TypicalCasePage,
)
from service.deadlines import service as deadlines
from service.deadlines.schemas import EscalationPage, NotificationPage, NotificationReadOut
from service.documents.schemas import BureauDocumentPage
from service.handoffs.schemas import DocumentPage, HandoffOut, HandoffPage
from service.principals.schemas import AgencyOut, AgencyPage, PrincipalOut, PrincipalPage, TokenOut
from service.reports.schemas import BulletinOut, CaseDetailsReportOut, MonthlyReportOut, SubmissionOut, SubmissionPage
from state_machines.types import CHINA_TZ
from tests.helpers import Api, bearer, penalty_case
from tests.integration.campaigns.support import finding_case
from tests.integration.casefile.samples import png
from tests.integration.cases.v2_support import district_people, to_reviewed, v2_settings
from tests.integration.credit.listing_support import ok as listing_ok
from tests.integration.credit.listing_support import penalise, propose

# Operations whose 2xx is not (only) a JSON model, with why; they still document a typed content.
NOT_JSON_MODELS = {
    ("get", "/metrics"): "Prometheus text exposition (text/plain), not JSON",
    ("get", "/api/v1/reports/action-plans/{district}/{year}/attachment"): "the plan's file as it was sent",
    ("get", "/api/v1/cases/{case_id}/bureau-documents/{document_id}"): "the document itself, HTML or PDF",
    ("get", "/api/v1/cases/{case_id}/attachments/{attachment_id}/content"): "the uploaded file, its own type",
    ("get", "/api/v1/cases/{case_id}/archive"): "the archive (卷宗), a signed ZIP",
    ("get", "/api/v1/archive/public-key"): "the archive key, PEM",
}
# Operations that answer no error envelope (no authentication, no input), with why.
NO_ENVELOPE = {
    ("get", "/healthz"): "the health check answers 200 or 503 with its own body (HealthOut)",
    ("get", "/metrics"): "Prometheus scrapes it: text, no JSON refusals",
    ("get", "/api/v1/archive/public-key"): "public, no parameters: it refuses nothing",
}
# Routes left out of the schema: modules whose routes are HTML pages for people, not the API.
HTML_MODULES = ("service.board",)
# Operations documented with a model that the session below does not call, with why.
NOT_EXERCISED = {
    ("post", "/api/v1/handoffs/{handoff_id}/retry"): "needs a failed delivery (tests/integration/handoffs); "
                                                     "answers HandoffOut like GET /handoffs/{id}, validated here",
    ("post", "/api/v1/handoffs/{handoff_id}/callback"): "needs a signed partner (tests/integration/handoffs); "
                                                        "answers HandoffOut like /answer, validated here",
}
ERROR_STATUSES = ("401", "403", "404", "409", "422")


def all_operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_every_operation_documents_a_typed_2xx_and_the_error_envelope(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = list(all_operations(spec))
    assert len(operations) >= 80
    untyped, no_envelope = [], []
    for method, path, operation in operations:
        ok = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        assert ok, (method, path)
        [(code, response)] = ok.items()
        content = response.get("content", {})
        json_schema = content.get("application/json", {}).get("schema", {})
        if (method, path) in NOT_JSON_MODELS:
            assert content and all(c.get("schema", {}).get("type") == "string" for c in content.values()), path
            continue
        ref = json_schema.get("$ref", "")
        if not ref.startswith("#/components/schemas/") or ref.rsplit("/", 1)[1] not in spec["components"]["schemas"]:
            untyped.append((method, path, code, json_schema))
        if (method, path) not in NO_ENVELOPE:
            for status in ERROR_STATUSES:
                ref = operation["responses"].get(status, {}).get("content", {}).get("application/json", {})
                if ref.get("schema", {}).get("$ref") != "#/components/schemas/ErrorEnvelope":
                    no_envelope.append((method, path, status))
    assert untyped == []
    assert no_envelope == []
    # the documented models are the ones the code has, and forbid undeclared keys
    schemas = spec["components"]["schemas"]
    assert schemas["CaseOut"]["additionalProperties"] is False
    assert set(schemas["ErrorEnvelope"]["properties"]) == {"error"}
    listed = {(m, p) for m, p, _ in operations}
    assert set(NOT_EXERCISED) <= listed and set(NOT_JSON_MODELS) <= listed and set(NO_ENVELOPE) <= listed
    # one name per model: a generated client needs it (FastAPI names a clash `service__<domain>__schemas__Name`)
    assert not [name for name in schemas if name.startswith("service__")]


def test_only_the_html_pages_are_left_out_of_the_schema(client: TestClient) -> None:
    hidden = {(route.path, getattr(route, "original_route", route).endpoint.__module__)
              for route in iter_route_contexts(client.app.routes)
              if isinstance(getattr(route, "original_route", route), APIRoute) and not route.include_in_schema}
    assert hidden and all(module.startswith(HTML_MODULES) for _, module in hidden), hidden


def test_the_event_route_still_returns_its_answer_unvalidated() -> None:
    """The hot path documents CaseOut but keeps `response_model=None`: no validation at run time."""
    route = next(r for r in cases_routes.router.routes if r.path == "/cases/{case_id}/events")
    assert route.response_model is None and route.response_field is None
    assert route.responses[200]["model"] is CaseOut


def test_documented_routes_keep_their_cheap_dict_answer() -> None:
    """The other routes answer through a plain `dict` as before (pydantic-core serialises it; FastAPI's
    Python encoder would cost ~20 ms a page): the documented model is not checked at run time."""
    route = next(r for r in cases_routes.router.routes if r.path == "/cases" and "GET" in r.methods)
    assert get_origin(route.response_model) is Annotated and get_args(route.response_model)[0] is dict
    assert route.responses[200]["model"] is CasePage


def valid(model: type[BaseModel], response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    answer = response.json()
    model.model_validate(answer)
    return answer


def at(day: str, hour: int = 10) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour - 8, tzinfo=UTC)


def sweep(runtime: Runtime, day: str) -> None:
    with runtime.db.write() as session:
        deadlines.sweep(session, runtime.rules, at(day))


def test_real_answers_validate_against_the_documented_models(api: Api, runtime: Runtime) -> None:
    c = api.client
    officer, supervisor = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    other_officer = api.principal("officer", "150603")
    city, auditor = api.principal("city"), api.principal("auditor")

    def get(model: type[BaseModel], token: str, path: str, status: int = 200, **params) -> dict:
        return valid(model, api.get(token, path, **params), status)

    def post(model: type[BaseModel], token: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        return valid(model, c.post(f"/api/v1{path}", json=body, headers=bearer(token)), status)

    # cases: create, read, list, events, history
    with time_machine.travel(at("2025-09-26"), tick=False):
        case = post(CaseOut, officer, "/cases", penalty_case(received_at="2025-09-26T09:00:00+08:00",
                                                                  amounts={"illegal_turnover": 80000}), 201)
        bare = post(CaseOut, officer, "/cases", penalty_case(
            parties={"respondent": {"name": "张三", "id_number": "11010519491231002X"}}, tags=[], amounts=None,
            sector=None, venue=None), 201)
    assert "complainant" not in bare["parties"] and bare["parties"]["respondent"]["id_number"] != "11010519491231002X"
    sweep(runtime, "2025-10-20")  # a due-soon notice to the officer and the supervisor
    sweep(runtime, "2025-10-24")  # overdue: escalated to the city
    get(CaseOut, officer, f"/cases/{case['id']}")
    get(CasePage, officer, "/cases")
    get(CasePage, officer, "/cases", limit=1)
    accepted = valid(CaseOut, api.fire(supervisor, case["id"], "accept"))
    assert accepted["state"] == "filed"
    post(CaseOut, supervisor, f"/cases/{case['id']}/events", {"event": "ask_city",
                                                               "data": {"question": "平行进口商品是否构成商标侵权？"}})
    referred = post(CaseOut, supervisor, f"/cases/{case['id']}/events", {
        "event": "refer_to_police", "data": {"grounds": "非法经营额 8 万元，涉嫌假冒注册商标罪"}})
    assert referred["state"] == "awaiting_police"
    history = get(EventPage, officer, f"/cases/{case['id']}/history")
    assert [e["event"] for e in history["items"]][:2] == ["create", "accept"]
    get(EventPage, officer, f"/cases/{case['id']}/history", limit=2)

    # refusals: the envelope
    valid(ErrorEnvelope, api.fire(officer, case["id"], "no_such_event"), 422)
    refused = valid(ErrorEnvelope, api.fire(supervisor, case["id"], "accept"), 409)
    assert isinstance(refused["error"].get("allowed_events", []), list)
    valid(ErrorEnvelope, api.fire(officer, case["id"], "accept"), 403)
    valid(ErrorEnvelope, api.get(other_officer, f"/cases/{case['id']}"), 404)
    valid(ErrorEnvelope, api.get("not-a-token", "/cases"), 401)
    valid(ErrorEnvelope, api.get(officer, "/cases", bogus="1"), 422)
    valid(ErrorEnvelope, api.get(officer, "/reports/bulletin", **{"from": "2025-01-01", "to": "2025-12-31"}), 403)

    # handoffs and the case's documents
    handoffs = get(HandoffPage, city, "/handoffs", case_id=case["id"])
    kinds = {h["kind"]: h for h in handoffs["items"]}
    assert {"difficult_case", "criminal_referral"} <= set(kinds)
    get(HandoffPage, supervisor, "/handoffs", limit=1)
    get(HandoffOut, supervisor, f"/handoffs/{kinds['criminal_referral']['id']}")
    answered = post(HandoffOut, city, f"/handoffs/{kinds['difficult_case']['id']}/answer",
                    {"decision": "answered", "note": "不构成侵权，但应核实来源"})
    assert answered["answers"] and answered["status"] == "closed"
    get(DocumentPage, officer, f"/cases/{case['id']}/documents")

    # notifications and escalations
    inbox = get(NotificationPage, officer, "/notifications")
    assert inbox["items"]
    post(NotificationReadOut, officer, f"/notifications/{inbox['items'][0]['id']}/read")
    get(NotificationPage, officer, "/notifications", unread="true")
    escalations = get(EscalationPage, city, "/escalations")
    assert escalations["items"]

    # assistance
    request = post(AssistanceOut, officer, "/assistance-requests", {
        "case_id": bare["id"], "kind": "investigation", "to_district": "150603", "request": "请协查仓库"}, 201)
    get(AssistancePage, other_officer, "/assistance-requests", direction="received")
    get(AssistanceOut, officer, f"/assistance-requests/{request['id']}")
    post(AssistanceOut, other_officer, f"/assistance-requests/{request['id']}/events", {"event": "accept"})
    post(AssistanceOut, other_officer, f"/assistance-requests/{request['id']}/events", {
        "event": "reply", "data": {"findings": "仓库存有同款白酒 20 箱", "date": "2025-10-25", "place": "康巴什区"}})
    assert get(AssistanceOut, officer, f"/assistance-requests/{request['id']}")["replies"]

    # reports, as JSON
    month = {"month": "2025-10"}
    get(MonthlyReportOut, city, "/reports/monthly", **month)
    get(MonthlyReportOut, supervisor, "/reports/monthly", **month)
    get(CaseDetailsReportOut, city, "/reports/case-details", **month)
    get(BulletinOut, city, "/reports/bulletin", **{"from": "2025-01-01", "to": "2025-12-31"})
    get(BulletinOut, city, "/reports/summary", year=2025, period="annual", format="json")
    post(SubmissionOut, supervisor, "/reports/monthly/submissions", month, 201)
    assert get(SubmissionPage, city, "/reports/monthly/submissions")["items"]
    get(SubmissionOut, city, "/reports/monthly/submissions/150602/2025-10/versions/1")

    # principals and agencies
    admin = api.admin
    people = get(PrincipalPage, admin, "/principals")
    get(PrincipalPage, supervisor, "/principals")  # a supervisor's view: id, name, role
    officer_id = next(p["id"] for p in people["items"] if p["role"] == "officer")
    valid(PrincipalOut, c.patch(f"/api/v1/principals/{officer_id}", json={"name": "王警官"}, headers=bearer(admin)))
    post(TokenOut, admin, f"/principals/{officer_id}/token")
    get(AgencyPage, admin, "/agencies")
    get(AgencyPage, city, "/agencies")
    valid(AgencyOut, c.patch("/api/v1/agencies/court-150600", json={"channel": {
        "type": "email", "address": "court@example.cn"}}, headers=bearer(admin)))

    # audit
    events = get(AuditEventPage, auditor, "/audit/events")
    assert {e["stream_type"] for e in events["items"]} >= {"case", "handoff"}
    get(AuditEventPage, auditor, "/audit/events", limit=2)
    assert get(VerifyOut, auditor, "/audit/verify")["ok"]

    # the machine and the health check
    get(StateMachineOut, supervisor, "/state-machine")
    get(StateMachineOut, supervisor, "/state-machine", version=2, track="ruling")
    valid(HealthOut, c.get("/healthz"))


@pytest.fixture
def v2_client(database_url: str) -> Iterator[TestClient]:
    rt = Runtime.from_settings(v2_settings(database_url)).start()
    with TestClient(create_app(rt)) as client:
        yield client
    rt.db.engine.dispose()


def test_a_version_2_case_validates_with_its_keys(v2_client: TestClient) -> None:
    api = Api(v2_client)
    people = district_people(api)
    case = valid(CaseOut, v2_client.post("/api/v1/cases", json=penalty_case(), headers=bearer(people.officer.token)),
                 201)
    assert case["machine_version"] == 2 and "officers" in case and "surcharge" in case
    reviewed = to_reviewed(api, people, case["id"], 5000)
    CaseOut.model_validate(reviewed)
    assert reviewed["deadlines"] and all("label" in d for d in reviewed["deadlines"])
    valid(EventPage, api.get(people.officer.token, f"/cases/{case['id']}/history"))


def test_real_answers_of_credit_campaigns_the_case_file_and_documents(api: Api) -> None:
    """The routes typed after the first round (credit, campaigns, the case file, the bureau's documents)."""
    c, a = api.client, "150602"
    officer, supervisor = api.principal("officer", a), api.principal("supervisor", a)
    city, auditor, reviewer = api.principal("city"), api.principal("auditor"), api.principal("reviewer", "150600")
    today = datetime.now(UTC).astimezone(CHINA_TZ).date()

    def get(model: type[BaseModel], token: str, path: str, **params) -> dict:
        return valid(model, api.get(token, path, **params))

    def post(model: type[BaseModel], token: str, path: str, body: dict, status: int = 200) -> dict:
        return valid(model, c.post(f"/api/v1{path}", json=body, headers=bearer(token)), status)

    def patch(model: type[BaseModel], token: str, path: str, body: dict) -> dict:
        return valid(model, c.patch(f"/api/v1{path}", json=body, headers=bearer(token)))

    # credit: parties, the 失信 list, typical cases
    decided = penalise(api, officer, supervisor)
    respondent = decided["parties"]["respondent"]
    get(PartySearchOut, officer, "/parties", credit_code=respondent["credit_code"])
    assert get(PartySearchOut, officer, "/parties", name=respondent["name"][:4])["suggestions"]
    get(PartySearchOut, city, "/parties", grade="A")
    assert get(PartyDetailOut, officer, f"/parties/{respondent['id']}")["cases"]
    entry = valid(DishonestEntryOut, propose(api, supervisor, decided), 201)
    for token, name, data in ((supervisor, "notify", None), (supervisor, "record_statement", {"waived": True}),
                              (city, "consent", {"decision": "鄂市监信〔2026〕1号"}), (supervisor, "listed", None)):
        DishonestEntryOut.model_validate(listing_ok(api, token, entry["id"], name, data))
    assert get(DishonestEntryOut, city, f"/dishonest-list/{entry['id']}")["steps"]
    get(DishonestEntryPage, city, "/dishonest-list")
    assert get(PublicationPage, city, "/dishonest-list/publication")["items"]
    closed = [api.create(officer, penalty_case(a))["id"] for _ in range(2)]
    for case_id in closed:
        api.ok(supervisor, case_id, "reject", reason="不属于本部门管辖")
    for token, name, data in ((officer, "record_service", {"document": "decision"}),
                              (officer, "record_payment", {"reference": "缴款书 0042"}),
                              (officer, "record_publication", {}), (supervisor, "close", {})):
        api.ok(token, decided["id"], name, data)
    post(TypicalCaseOut, city, "/typical-cases", {"case_id": decided["id"], "summary": "销售假冒白酒"}, 201)
    assert get(TypicalCasePage, city, "/typical-cases")["items"]

    # the bureau's documents, the case file and its review
    assert get(BureauDocumentPage, officer, f"/cases/{decided['id']}/bureau-documents")["items"]
    open_case = api.create(officer, penalty_case(a))
    uploaded = valid(AttachmentOut, c.post(f"/api/v1/cases/{open_case['id']}/attachments", headers=bearer(officer),
                                           files={"file": ("现场照片.png", png(), "image/png")}), 201)
    post(AttachmentOut, officer, f"/cases/{open_case['id']}/attachments/{uploaded['id']}/detach", {"reason": "重复"})
    assert get(AttachmentListOut, officer, f"/cases/{open_case['id']}/attachments")["items"][0]["detached"]
    assert get(FilesVerifyOut, auditor, "/audit/verify/files")["ok"]
    review = post(ReviewRoundOut, city, "/case-file-reviews", {
        "title": "案卷评查", "period_from": f"{today.year}-01-01", "period_to": today.isoformat(), "districts": [a],
        "sample_size": 2}, 201)
    base = f"/case-file-reviews/{review['id']}"
    for sampled in review["cases"]:
        post(ReviewedCaseOut, reviewer, f"{base}/cases/{sampled['case_id']}/score", {"deductions": [
            {"item": "evidence", "points": 5, "comment": "现场照片未注明拍摄时间"}]})
    post(ReviewedCaseOut, supervisor, f"{base}/cases/{review['cases'][0]['case_id']}/rectification",
         {"rectification": "已补注拍摄时间"})
    get(ReviewRoundOut, supervisor, base)
    post(ReviewRoundOut, city, f"{base}/close", {})
    assert get(ReviewResultsOut, city, f"{base}/results")["districts"]

    # campaigns, registers, inspections and their cases
    period = {"start": (today - timedelta(days=5)).isoformat(), "end": (today + timedelta(days=5)).isoformat()}
    campaign = post(CampaignOut, city, "/campaigns", {"kind": "other", "name": "商标专项整治", "period": period,
                                                      "districts": [a], "targets": {"inspections": 2}}, 201)
    patch(CampaignOut, city, f"/campaigns/{campaign['id']}", {"name": "商标侵权专项整治"})
    get(CampaignPage, officer, "/campaigns")
    get(CampaignOut, officer, f"/campaigns/{campaign['id']}")
    market = post(RegisterEntryOut, city, "/registers", {"kind": "market", "name": "东胜区批发市场", "district": a,
                                                         "status": "cultivating"}, 201)
    platform = post(RegisterEntryOut, city, "/registers", {"kind": "platform", "name": "某电商平台"}, 201)
    store = {"kind": "store", "name": "某旗舰店", "platform_id": platform["id"], "district": a}
    post(RegisterEntryOut, city, "/registers", store, 201)
    assert get(RegisterEntryOut, city, f"/registers/{platform['id']}")["stores"] == 1
    patch(RegisterEntryOut, city, f"/registers/{market['id']}", {"status": "model"})
    finding = {"date": today.isoformat(), "market_id": market["id"], "method": "on_site", "result": "problem_found",
               "findings": "销售假冒注册商标的白酒"}
    with_case = post(InspectionOut, officer, f"/campaigns/{campaign['id']}/inspections",
                     {**finding, "case": finding_case(1)}, 201)
    assert with_case["case"]["number"]
    later = post(InspectionOut, officer, f"/campaigns/{campaign['id']}/inspections", finding, 201)
    post(InspectionOut, officer, f"/inspections/{later['id']}/case", finding_case(2), 201)
    get(InspectionOut, officer, f"/inspections/{later['id']}")
    get(InspectionPage, officer, f"/campaigns/{campaign['id']}/inspections")
    assert get(RegisterEntryPage, officer, "/registers")["items"]
    assert get(CampaignProgressOut, city, f"/campaigns/{campaign['id']}/progress")["total"]["inspections"] == 2
