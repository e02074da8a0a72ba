"""End-to-end smoke of a running ipcase, run with the interpreter of the venv it was installed in.

It uses only what the installed package depends on (httpx), touches no file of the checkout, and
drives every path that renders a template: each letter kind, each report format, the board,
the state-machine export. Usage: python smoke.py BASE_URL ADMIN_TOKEN; exit 0 when all is well.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile

import httpx

LETTER_KINDS = {"criminal_referral", "procuratorate_copy", "major_case", "filing_supervision", "difficult_case",
                "judicial_confirmation", "litigation", "assistance"}
CREDIT_CODE = "914403001922038216"


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
        items = self.call(token, "GET", "/api/v1/handoffs", params={"case_id": case_id}).json()["items"]
        return next(h for h in items if h["kind"] == kind and h["status"] != "closed")


def run(base: str, admin: str) -> None:
    s = Smoke(base, admin)
    officer, supervisor = s.principal("officer", "150602"), s.principal("supervisor", "150602")
    city_officer, city_supervisor = s.principal("officer", "150600"), s.principal("supervisor", "150600")
    city, police = s.principal("city"), s.principal("partner", agency="police-150602")
    letters: set[str] = set()

    def documents(case_id: str) -> None:
        for doc in s.call(city, "GET", f"/api/v1/cases/{case_id}/documents").json()["items"]:
            assert "<html" in doc["html"].lower() or "<" in doc["html"], doc["kind"]
            letters.add(doc["kind"])

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
    missing = LETTER_KINDS - letters
    assert not missing, f"letters never rendered: {sorted(missing)}"

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


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2])
    print("smoke: ok")
