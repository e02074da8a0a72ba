"""The bureau's numbered documents over HTTP (SPEC §12) on a version-2 case: issued by the steps that
need them, drawn up on demand, served (送达回证), downloaded as HTML and PDF, refused to others."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import time_machine
from pypdf import PdfReader

from service.core.config import Settings
from service.core.runtime import Runtime
from service.documents.render import documents_for_archive
from tests.helpers import Api, bearer, penalty_case, ruling_case
from tests.integration.cases.v2_support import District, at, district_people, person, to_reviewed, v2_settings

LEGAL_BASIS = "《中华人民共和国商标法》第六十条第二款"
YEAR = datetime.now(UTC).year  # the number's year is the issuing day's (China time; tests do not run at New Year)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def _docs(api: Api, token: str, case_id: str) -> list[dict]:
    response = api.get(token, f"/cases/{case_id}/bureau-documents")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _decided_case(api: Api, people: District) -> str:
    case_id = api.create(people.officer.token, penalty_case())["id"]
    to_reviewed(api, people, case_id, 50000)
    api.ok(people.supervisor.token, case_id, "notify_penalty", {"proposed_fine": 50000})
    api.ok(people.supervisor.token, case_id, "decide", {"fine": 50000, "legal_basis": LEGAL_BASIS, "waived": True})
    return case_id


def _pdf(api: Api, token: str, case_id: str, doc_id: str, params: dict | None = None,
         accept: str | None = None) -> PdfReader:
    headers = {**bearer(token), **({"Accept": accept} if accept else {})}
    response = api.client.get(f"/api/v1/cases/{case_id}/bureau-documents/{doc_id}", headers=headers, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(response.content))


def _fonts(reader: PdfReader) -> list[tuple[str, bool]]:
    """(base font, embedded?) for every font the pages use."""
    found = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptors = [font.get("/FontDescriptor")]
            descriptors += [d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])]
            embedded = any(d is not None and any(k in d.get_object() for k in ("/FontFile", "/FontFile2",
                                                                                 "/FontFile3"))
                           for d in descriptors)
            found.append((str(font.get("/BaseFont")), embedded))
    return found


def test_the_steps_issue_their_documents_numbered_per_district_kind_and_year(api: Api) -> None:
    people = district_people(api)
    case_id = _decided_case(api, people)
    docs = _docs(api, people.officer.token, case_id)
    assert [d["kind"] for d in docs] == ["filing_approval", "investigation_report", "review_opinion",
                                         "penalty_notice", "penalty_decision"]
    assert [d["event"] for d in docs] == ["accept", "conclude_investigation", "pass_review", "notify_penalty",
                                          "decide"]
    by_kind = {d["kind"]: d for d in docs}
    assert by_kind["penalty_notice"]["number"] == f"东市监罚告〔{YEAR}〕1号"
    assert by_kind["penalty_decision"]["number"] == f"东市监处罚〔{YEAR}〕1号"
    assert by_kind["penalty_decision"]["title"] == "行政处罚决定书"

    second = _decided_case(api, people)
    decision = {d["kind"]: d for d in _docs(api, people.officer.token, second)}["penalty_decision"]
    assert decision["number"] == f"东市监处罚〔{YEAR}〕2号"


def test_events_that_need_no_document_issue_none(api: Api) -> None:
    people = district_people(api)
    case_id = api.create(people.officer.token, penalty_case())["id"]
    api.ok(people.officer.token, case_id, "add_note", {"text": "电话联系当事人"})
    assert _docs(api, people.officer.token, case_id) == []


def test_the_decision_downloads_as_html_and_as_a_pdf_with_its_text_and_embedded_fonts(api: Api) -> None:
    people = district_people(api)
    case_id = _decided_case(api, people)
    case_number = api.get(people.officer.token, f"/cases/{case_id}").json()["number"]
    decision = {d["kind"]: d for d in _docs(api, people.officer.token, case_id)}["penalty_decision"]

    html = api.get(people.officer.token, f"/cases/{case_id}/bureau-documents/{decision['id']}")
    assert html.status_code == 200 and html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-disposition"].startswith("inline;")
    assert "行政处罚决定书" in html.text and decision["number"] in html.text and LEGAL_BASIS in html.text
    assert "罚款人民币50000" in html.text

    for reader in (_pdf(api, people.officer.token, case_id, decision["id"], params={"format": "pdf"}),
                   _pdf(api, people.officer.token, case_id, decision["id"], accept="application/pdf")):
        text = "".join(page.extract_text() for page in reader.pages)
        assert "行政处罚决定书" in text and decision["number"] in text
        assert "某商贸有限公司" in text
        fonts = _fonts(reader)
        assert fonts and all(embedded for _, embedded in fonts), fonts
        box = reader.pages[0].mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)  # A4
    assert case_number in "".join(page.extract_text() for page in reader.pages) or case_number in html.text

    # rendered from the stored row: the same bytes of HTML twice
    again = api.get(people.officer.token, f"/cases/{case_id}/bureau-documents/{decision['id']}")
    assert again.text == html.text


def test_a_service_records_the_document_the_way_the_recipient_and_issues_a_service_receipt(api: Api) -> None:
    people = district_people(api)
    case_id = _decided_case(api, people)
    decision = {d["kind"]: d for d in _docs(api, people.officer.token, case_id)}["penalty_decision"]
    api.ok(people.officer.token, case_id, "record_service", {
        "document": "decision", "document_id": decision["id"], "way": "mail", "recipient": "某商贸有限公司法定代表人",
        "served_at": "2026-11-20T10:00:00+08:00"})
    receipt = _docs(api, people.officer.token, case_id)[-1]
    assert receipt["kind"] == "service_receipt" and receipt["title"] == "送达回证"
    assert receipt["number"] == f"东市监送〔{YEAR}〕1号"
    html = api.get(people.officer.token, f"/cases/{case_id}/bureau-documents/{receipt['id']}").text
    assert decision["number"] in html and "邮寄送达" in html and "某商贸有限公司法定代表人" in html
    assert "2026年11月20日" in html

    history = api.get(people.officer.token, f"/cases/{case_id}/history").json()["items"]
    served = history[-1]
    assert served["event"] == "record_service" and served["data"]["document_id"] == decision["id"]
    assert served["data"]["way"] == "mail"


def test_a_service_of_another_cases_document_is_refused(api: Api) -> None:
    people = district_people(api)
    one, other = _decided_case(api, people), _decided_case(api, people)
    foreign = _docs(api, people.officer.token, other)[0]
    response = api.fire(people.officer.token, one, "record_service",
                        {"document": "decision", "document_id": foreign["id"]})
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"
    response = api.fire(people.officer.token, one, "record_service", {"document": "decision", "way": "pigeon"})
    assert response.status_code == 422
    assert [d["kind"] for d in _docs(api, people.officer.token, one)][-1] == "penalty_decision"


def test_a_document_drawn_up_on_demand_is_numbered_and_audited(api: Api) -> None:
    people = district_people(api)
    case_id = _decided_case(api, people)
    before = api.get(people.officer.token, f"/cases/{case_id}").json()["version"]
    response = api.client.post(f"/api/v1/cases/{case_id}/bureau-documents", json={"kind": "penalty_decision"},
                               headers=bearer(people.supervisor.token))
    assert response.status_code == 201, response.text
    again = response.json()
    assert again["number"] == f"东市监处罚〔{YEAR}〕2号" and again["event"] is None
    html = api.get(people.officer.token, f"/cases/{case_id}/bureau-documents/{again['id']}").text
    assert LEGAL_BASIS in html  # the decision's data, from the decide event
    case = api.get(people.officer.token, f"/cases/{case_id}").json()
    assert case["version"] == before + 1
    last = api.get(people.officer.token, f"/cases/{case_id}/history").json()["items"][-1]
    assert last["event"] == "issue_document" and last["data"]["number"] == again["number"]
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True


def test_refusals(api: Api) -> None:
    people = district_people(api)
    case_id = _decided_case(api, people)
    doc = _docs(api, people.officer.token, case_id)[0]
    stranger = api.principal("officer", "150603")
    for path in (f"/cases/{case_id}/bureau-documents", f"/cases/{case_id}/bureau-documents/{doc['id']}"):
        response = api.get(stranger, path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"

    def post(token: str, body: dict, case: str = case_id):
        return api.client.post(f"/api/v1/cases/{case}/bureau-documents", json=body, headers=bearer(token))

    refused = post(stranger, {"kind": "closing_approval"})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    unknown = post(people.officer.token, {"kind": "love_letter"})
    assert unknown.status_code == 422 and unknown.json()["error"]["fields"] == ["kind"]
    assert post(people.officer.token, {"kind": "closing_approval", "extra": 1}).status_code == 422
    receipt = post(people.officer.token, {"kind": "service_receipt"})
    assert receipt.status_code == 422 and receipt.json()["error"]["code"] == "validation_error"
    reviewer = post(people.reviewer.token, {"kind": "closing_approval"})
    assert reviewer.status_code == 403 and reviewer.json()["error"]["code"] == "forbidden"
    wrong_track = post(people.officer.token, {"kind": "ruling"})
    assert wrong_track.status_code == 409 and wrong_track.json()["error"]["code"] == "guard_failed"

    fresh = api.create(people.officer.token, penalty_case())["id"]
    too_early = post(people.officer.token, {"kind": "penalty_decision"}, fresh)
    assert too_early.status_code == 409 and too_early.json()["error"]["code"] == "guard_failed"
    assert post(people.officer.token, {"kind": "filing_approval"}, fresh).status_code == 201  # drafted before accept

    missing = api.get(people.officer.token, f"/cases/{case_id}/bureau-documents/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    other_case_doc = api.get(people.officer.token, f"/cases/{fresh}/bureau-documents/{doc['id']}")
    assert other_case_doc.status_code == 404
    bad_format = api.get(people.officer.token, f"/cases/{case_id}/bureau-documents/{doc['id']}", format="docx")
    assert bad_format.status_code == 422
    assert api.get(people.officer.token, f"/cases/{case_id}/bureau-documents", kind="nope").status_code == 422


def test_the_ruling_track_issues_its_notices_on_accept(api: Api) -> None:
    panel = [person(api, "officer", "150600") for _ in range(3)]
    supervisor = person(api, "supervisor", "150600")
    case = api.create(panel[0].token, ruling_case(patent_type="design"))
    api.ok(supervisor.token, case["id"], "accept", {"panel": [p.id for p in panel]})
    docs = _docs(api, panel[0].token, case["id"])
    assert [d["kind"] for d in docs] == ["acceptance_notice", "defence_notice"]
    assert docs[0]["number"] == f"鄂市监裁受〔{YEAR}〕1号"
    html = api.get(panel[0].token, f"/cases/{case['id']}/bureau-documents/{docs[1]['id']}").text
    assert "答辩通知书" in html and "十五日内" in html


def test_documents_for_archive_gives_each_document_as_a_named_pdf(api: Api, runtime: Runtime) -> None:
    people = district_people(api)
    case_id = _decided_case(api, people)
    with runtime.db.read() as session:
        files = documents_for_archive(session, case_id)
    assert [name.split("_")[0] for name, _ in files] == ["立案审批表", "调查终结报告", "审核意见书", "行政处罚告知书",
                                                        "行政处罚决定书"]
    assert files[-1][0] == f"行政处罚决定书_东市监处罚〔{YEAR}〕1号.pdf"
    assert all(content.startswith(b"%PDF-") for _, content in files)


def test_a_hearing_issues_its_notice_and_a_decision_without_penalty_is_titled_so(api: Api) -> None:
    people = district_people(api)
    chair = person(api, "supervisor", "150602")
    sup, off = people.supervisor.token, people.officer.token
    with time_machine.travel(at("2026-03-02"), tick=True):  # a Monday
        case_id = api.create(off, penalty_case())["id"]
        to_reviewed(api, people, case_id, 200000)
        api.ok(sup, case_id, "notify_penalty", {"proposed_fine": 200000})
        api.ok(off, case_id, "request_hearing", {})
        api.ok(sup, case_id, "schedule_hearing", {"held_on": "2026-03-12"})
    with time_machine.travel(at("2026-03-12"), tick=True):
        api.ok(sup, case_id, "conclude_hearing", {"record": "听证笔录", "presided_by": chair.id})
    docs = _docs(api, off, case_id)
    notice = docs[-1]
    assert notice["kind"] == "hearing_notice" and notice["number"] == "东市监听〔2026〕1号"
    html = api.get(off, f"/cases/{case_id}/bureau-documents/{notice['id']}").text
    assert "2026年3月12日" in html and "听证通知书" in html

    other = api.create(off, penalty_case())["id"]
    to_reviewed(api, people, other, 0)
    api.ok(sup, other, "decide", {"fine": 0, "measures": ["order_to_stop"]})
    decision = _docs(api, off, other)[-1]
    assert decision["kind"] == "penalty_decision" and decision["title"] == "不予行政处罚决定书"
    html = api.get(off, f"/cases/{other}/bureau-documents/{decision['id']}").text
    assert "不予行政处罚决定书" in html and "责令停止违法行为" in html
    for d in docs[:-1]:
        assert api.get(off, f"/cases/{case_id}/bureau-documents/{d['id']}").status_code == 200


def test_every_kind_drawn_up_on_demand_renders(api: Api) -> None:
    people = district_people(api)
    case_id = _decided_case(api, people)
    for kind in ("filing_approval", "investigation_report", "review_opinion", "penalty_notice", "penalty_decision",
                 "closing_approval"):
        created = api.client.post(f"/api/v1/cases/{case_id}/bureau-documents", json={"kind": kind},
                                  headers=bearer(people.officer.token))
        assert created.status_code == 201, (kind, created.text)
        html = api.get(people.officer.token, f"/cases/{case_id}/bureau-documents/{created.json()['id']}")
        assert html.status_code == 200 and created.json()["number"] in html.text, kind

    panel = [person(api, "officer", "150600") for _ in range(3)]
    ruling = api.create(panel[0].token, ruling_case(patent_type="design"))["id"]
    api.ok(person(api, "supervisor", "150600").token, ruling, "accept", {"panel": [p.id for p in panel]})
    for kind in ("acceptance_notice", "defence_notice", "closing_approval"):
        created = api.client.post(f"/api/v1/cases/{ruling}/bureau-documents", json={"kind": kind},
                                  headers=bearer(panel[1].token))
        assert created.status_code == 201, (kind, created.text)
        assert api.get(panel[1].token, f"/cases/{ruling}/bureau-documents/{created.json()['id']}").status_code == 200
    early = api.client.post(f"/api/v1/cases/{ruling}/bureau-documents", json={"kind": "ruling"},
                            headers=bearer(panel[1].token))
    assert early.status_code == 409 and early.json()["error"]["code"] == "guard_failed"
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True
