"""End-to-end smoke of a running ipcase, run with the interpreter of the venv it was installed in.

It uses only what the installed package depends on (httpx), touches no file of the checkout, and
drives every path that renders a template: each letter kind, each report format, the board,
the state-machine export. Usage: python smoke.py BASE_URL ADMIN_TOKEN [v1|v2]; exit 0 when all
is well. `v1` (the default) walks machine version 1's cases and everything around them against a
server with IPCASE_MACHINE_VERSION=1; `v2` walks version 2's letters (行政复议答复书,
强制执行申请书) against a server on the default version. Each prints the letter kinds whose
documents it read (`letters: …`): the test compares the two runs' union with the letter templates
the wheel ships, so a new letter kind fails until it is walked here.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import UTC, datetime, timedelta

import httpx

CREDIT_CODE = "914403001922038216"
LEGAL_BASIS = "商标法第六十条第二款"


class Smoke:
    def __init__(self, base: str, admin: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.admin = admin

    def call(self, token: str, method: str, path: str, expect: int = 200, **kwargs) -> httpx.Response:
        response = self.http.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        if response.status_code != expect:
            raise AssertionError(f"{method} {path}: {response.status_code} (expected {expect}): {response.text[:500]}")
        return response

    def principal(self, role: str, district: str | None = None, agency: str | None = None) -> str:
        body = {"name": f"smoke-{role}", "role": role, **({"district": district} if district else {}),
                **({"agency": agency} if agency else {})}
        return self.call(self.admin, "POST", "/api/v1/principals", 201, json=body).json()["token"]

    def case(self, token: str, **overrides) -> dict:
        body = {"kind": "trademark_infringement", "district": "150602", "source": "complaint",
                "title": "销售假冒注册商标的白酒", "description": "安装包冒烟测试",
                "parties": {"respondent": {"name": "某商贸有限公司", "credit_code": CREDIT_CODE}},
                "amounts": {"case_value": 2000000}, **overrides}
        return self.call(token, "POST", "/api/v1/cases", 201, json=body).json()

    def fire(self, token: str, case_id: str, event: str, data: dict | None = None, reason: str | None = None) -> dict:
        body = {"event": event, **({"data": data} if data is not None else {}),
                **({"reason": reason} if reason else {})}
        return self.call(token, "POST", f"/api/v1/cases/{case_id}/events", json=body).json()

    def handoff(self, token: str, case_id: str, kind: str) -> dict:
        listed = items(self.call(token, "GET", "/api/v1/handoffs", params={"case_id": case_id}))
        return next(h for h in listed if h["kind"] == kind and h["status"] != "closed")

    def documents(self, token: str, case_id: str, letters: set[str]) -> dict[str, str]:
        """The case's letters by kind, as the reader opens them; their kinds join `letters`."""
        found = {}
        for doc in items(self.call(token, "GET", f"/api/v1/cases/{case_id}/documents")):
            assert "<html" in doc["html"].lower() and doc["title"] in doc["html"], doc["kind"]
            letters.add(doc["kind"])
            found[doc["kind"]] = doc["html"]
        return found


def items(response: httpx.Response) -> list[dict]:
    return response.json()["items"]


def run(base: str, admin: str) -> set[str]:
    """Machine version 1 (IPCASE_MACHINE_VERSION=1): its eight letter kinds, reports, the board."""
    s = Smoke(base, admin)
    officer, supervisor = s.principal("officer", "150602"), s.principal("supervisor", "150602")
    city_officer, city_supervisor = s.principal("officer", "150600"), s.principal("supervisor", "150600")
    city, police = s.principal("city"), s.principal("partner", agency="police-150602")
    letters: set[str] = set()

    def documents(case_id: str) -> None:
        s.documents(city, case_id, letters)

    # penalty track: a major case referred to the police, refused, then sent to the procuratorate
    referred = s.case(officer)
    s.fire(supervisor, referred["id"], "accept")
    s.fire(supervisor, referred["id"], "ask_city", {"question": "是否达到刑事立案标准？"})
    s.fire(supervisor, referred["id"], "refer_to_police", {"grounds": "非法经营额超过追诉标准"})
    referral = s.handoff(police, referred["id"], "criminal_referral")
    s.call(police, "POST", f"/api/v1/handoffs/{referral['id']}/answer", json={"decision": "declined", "note": "不构成"})
    s.fire(supervisor, referred["id"], "request_reconsideration", {"procuratorate": True})
    documents(referred["id"])

    # a decided penalty taken to court
    decided = s.case(officer, amounts={"case_value": 1000})
    s.fire(supervisor, decided["id"], "accept")
    s.fire(supervisor, decided["id"], "notify_penalty", {"proposed_fine": 5000})
    s.fire(supervisor, decided["id"], "decide", {"fine": 5000, "waived": True})
    s.fire(officer, decided["id"], "appeal")
    documents(decided["id"])
    # the bureau's own numbered documents: HTML and PDF (WeasyPrint, CJK fonts) from the installed templates
    issued = s.call(city, "GET", f"/api/v1/cases/{decided['id']}/bureau-documents").json()["items"]
    decision = next(d for d in issued if d["kind"] == "penalty_decision")
    html = s.call(city, "GET", f"/api/v1/cases/{decided['id']}/bureau-documents/{decision['id']}")
    assert "行政处罚决定书" in html.text and decided["number"] in html.text, html.text[:300]
    pdf = s.call(city, "GET", f"/api/v1/cases/{decided['id']}/bureau-documents/{decision['id']}",
                 params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF"), pdf.headers

    # ruling track: a mediated patent dispute sent for judicial confirmation (the city holds rulings)
    ruling = s.case(city_officer, kind="patent_dispute", district="150600", title="专利侵权纠纷", amounts={})
    s.fire(city_supervisor, ruling["id"], "accept")
    s.fire(city_officer, ruling["id"], "start_mediation", {"parties_consent": True})
    s.fire(city_officer, ruling["id"], "mediation_succeeded", {"agreement": "双方达成和解"})
    s.fire(city_officer, ruling["id"], "request_confirmation")
    documents(ruling["id"])

    # assistance from another region's bureau, and a transfer to another district
    asked = s.case(officer, amounts={})
    s.call(officer, "POST", "/api/v1/assistance-requests", 201,
           json={"case_id": asked["id"], "to_agency": "bureau-150100", "kind": "investigation", "request": "协查"})
    s.fire(supervisor, asked["id"], "transfer_jurisdiction", {"to_district": "150603"})
    documents(asked["id"])
    assert all(c["machine_version"] == 1 for c in (referred, decided, ruling, asked)), "run v1 needs version 1"

    # every report in every format, as its reader opens it
    for path in ("/api/v1/reports/monthly", "/api/v1/reports/case-details"):
        for fmt in ("json", "csv", "xlsx", "html"):
            body = s.call(city, "GET", path, params={"month": referred["received_at"][:7], "format": fmt}).content
            if fmt == "xlsx":
                assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None
            if fmt == "csv":
                assert body.startswith("\ufeff".encode())
    s.call(city, "GET", "/api/v1/reports/bulletin", params={"from": "2026-01-01", "to": "2026-12-31",
                                                            "format": "html"})
    s.call(city, "GET", "/api/v1/reports/summary", params={"year": 2026, "period": "annual", "format": "html"})

    # the city bureau's files (issue 20): every template they render ships in the wheel
    for fmt in ("json", "xlsx", "html"):
        s.call(city, "GET", "/api/v1/assessment", params={"year": 2026, "format": fmt})
    s.call(city, "GET", "/api/v1/reports/contacts", params={"year": 2026, "format": "xlsx"})
    s.call(city, "GET", "/api/v1/reports/summaries/city", params={"year": 2026, "period": "annual", "format": "html"})
    s.call(city, "GET", "/api/v1/reports/calendar")
    drafted = s.call(city, "POST", "/api/v1/bulletins", 201, json={"title": "冒烟测试通报"}).json()
    issued = s.call(city, "POST", f"/api/v1/bulletins/{drafted['id']}/issue").json()
    assert issued["number"], issued
    s.call(supervisor, "GET", f"/api/v1/bulletins/{drafted['id']}", params={"format": "html"})
    for path in ("/api/v1/assessment?year=2026&format=pdf", f"/api/v1/bulletins/{drafted['id']}?format=pdf"):
        pdf = s.http.get(path, headers={"Authorization": f"Bearer {city}"})
        assert (pdf.status_code == 200 and pdf.content.startswith(b"%PDF")) or pdf.status_code == 503, pdf.text[:300]

    # the state machine, the board and its vendored script
    for track in ("penalty", "ruling"):
        for fmt in ("json", "mermaid"):
            s.call(city, "GET", "/api/v1/state-machine", params={"track": track, "format": fmt})
    board = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
    form = board.get("/board/login").text
    assert "<form" in form
    hidden = dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    page = board.post("/board/login", data={**hidden, "token": supervisor})
    assert page.status_code == 200 and referred["number"] in page.text, page.text[:500]
    case_page = board.get(f"/board/cases/{referred['id']}")
    assert case_page.status_code == 200 and "stateDiagram" in case_page.text, case_page.text[:500]
    for path in ("/board/cases", "/board/intake", "/board/bulletins", "/board/assessment", "/board/campaigns"):
        shown = board.get(path)
        assert shown.status_code == 200 and "<html" in shown.text, (path, shown.status_code)
    assert s.http.get("/board/static/mermaid.min.js").status_code == 200
    assert s.http.get("/board/static/htmx.min.js").status_code == 200
    assert s.http.get("/healthz").status_code == 200 and s.http.get("/openapi.json").status_code == 200
    return letters


def _at(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def run_v2(base: str, admin: str) -> set[str]:
    """Machine version 2 (the default for new cases, SPEC §10): the letters only it writes.

    行政复议答复书 (§10.3, §10.7): a decided case whose party applies for administrative review; the
    government answers. 强制执行申请书: enforcement may be applied for only 10 days after a served
    demand and after the review (60 days) and suit (6 months) periods ran out (行政强制法 art. 53).
    No wait: the case is registered as received 9 months ago and its notice, decision and demand
    carry the days they were served (`received_at`, `served_at`: past days within §10.8's bounds,
    as a bureau records paper served earlier), so the window is open today.
    """
    s = Smoke(base, admin)
    district = "150602"
    officer, supervisor = s.principal("officer", district), s.principal("supervisor", district)
    co_officer = s.call(admin, "POST", "/api/v1/principals", 201,
                        json={"name": "smoke-co-officer", "role": "officer", "district": district}).json()["id"]
    reviewer = s.call(admin, "POST", "/api/v1/principals", 201,
                      json={"name": "smoke-reviewer", "role": "reviewer", "district": district,
                            "legal_qualified": True}).json()["token"]
    city = s.principal("city")
    government = s.principal("partner", agency=f"government-{district}")
    court = s.principal("partner", agency=f"court-{district}")
    letters: set[str] = set()

    def decided(fine: int, notice_at: str | None = None, decision_at: str | None = None, **create) -> dict:
        case = s.case(officer, amounts={"case_value": 1000}, **create)
        assert case["machine_version"] == 2, case["machine_version"]
        s.fire(supervisor, case["id"], "accept", {"co_officer": co_officer})
        s.fire(officer, case["id"], "conclude_investigation", {
            "facts": "销售假冒注册商标的白酒", "evidence": "现场检查笔录、扣押清单", "legal_basis": LEGAL_BASIS,
            "proposal": {"outcome": "penalty", "fine": fine}})
        s.fire(supervisor, case["id"], "submit_review", {})
        s.fire(reviewer, case["id"], "pass_review", {"opinion": "事实清楚，证据确凿，适用法律正确"})
        s.fire(supervisor, case["id"], "notify_penalty",
               {"proposed_fine": fine, **({"served_at": notice_at} if notice_at else {})})
        return s.fire(supervisor, case["id"], "decide",
                      {"fine": fine, "legal_basis": LEGAL_BASIS, "waived": True,
                       **({"served_at": decision_at} if decision_at else {})})

    def answer(token: str, handoff: dict, decision: str) -> None:
        answered = s.call(token, "POST", f"/api/v1/handoffs/{handoff['id']}/answer", json={"decision": decision})
        assert answered.json()["status"] == "closed", answered.text[:300]

    # administrative review: the party applies, the district's people's government upholds
    reviewed = decided(8000)
    assert s.fire(officer, reviewed["id"], "apply_administrative_review", {})["state"] == "in_administrative_review"
    review = s.handoff(government, reviewed["id"], "administrative_review")
    assert review["agency"] == f"government-{district}" and review["letter_title"] == "行政复议答复书", review
    answer(government, review, "upheld")
    assert s.call(supervisor, "GET", f"/api/v1/cases/{reviewed['id']}").json()["state"] == "decided"
    html = s.documents(city, reviewed["id"], letters)["administrative_review"]
    assert "行政复议法" in html and reviewed["number"] in html, html[:300]

    # enforcement: decided 8 months ago, unpaid, a demand served 20 days ago
    unpaid = decided(50000, notice_at=_at(250), decision_at=_at(240), received_at=_at(270))
    s.fire(officer, unpaid["id"], "demand_payment", {"served_at": _at(20)})
    applied = s.fire(supervisor, unpaid["id"], "apply_enforcement", {})
    assert applied["enforcement_applied"] is True and applied["state"] == "decided", applied
    enforcement = s.handoff(court, unpaid["id"], "enforcement")
    assert enforcement["agency"] == f"court-{district}" and enforcement["letter_title"] == "强制执行申请书"
    answer(court, enforcement, "accepted")
    html = s.documents(city, unpaid["id"], letters)["enforcement"]
    assert "行政强制法" in html and "50000.00" in html and LEGAL_BASIS in html, html[:300]

    # every case reads on this server, version 1's of an earlier run too (SPEC §10.1: a case keeps its version)
    versions = {c["machine_version"] for c in items(s.call(city, "GET", "/api/v1/cases", params={"limit": 500}))}
    assert 2 in versions, versions
    return letters


if __name__ == "__main__":
    phase = sys.argv[3] if len(sys.argv) > 3 else "v1"
    walked = {"v1": run, "v2": run_v2}[phase](sys.argv[1], sys.argv[2])
    print("letters:", " ".join(sorted(walked)))
    print("smoke: ok")
