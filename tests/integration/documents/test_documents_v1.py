"""Machine version 1 (SPEC §3) issues the documents its steps need too: 立案审批表 at accept, 告知书 at
notify_penalty, 决定书 at decide, 结案审批表 at close; each renders."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.helpers import Api, penalty_case


def test_a_version_1_penalty_path_issues_and_renders_its_documents(api: Api) -> None:
    officer, supervisor = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    case = api.create(officer, penalty_case())
    assert case["machine_version"] == 1
    cid = case["id"]
    api.ok(supervisor, cid, "accept")
    api.ok(supervisor, cid, "notify_penalty", {"proposed_fine": 150000, "served_at": datetime.now(UTC).isoformat()})
    api.ok(officer, cid, "request_hearing")
    api.ok(supervisor, cid, "decide", {"fine": "80000", "confiscation": 1500})
    api.ok(officer, cid, "record_service", {"document": "decision"})
    api.ok(officer, cid, "record_payment", {"reference": "缴款书 0042"})
    api.ok(officer, cid, "record_publication")
    api.ok(supervisor, cid, "close")
    docs = api.get(officer, f"/cases/{cid}/bureau-documents").json()["items"]
    assert [d["kind"] for d in docs] == ["filing_approval", "penalty_notice", "penalty_decision", "service_receipt",
                                         "closing_approval"]
    texts = {d["kind"]: api.get(officer, f"/cases/{cid}/bureau-documents/{d['id']}").text for d in docs}
    assert "罚款人民币80000" in texts["penalty_decision"] and "没收违法所得及非法财物1500" in texts["penalty_decision"]
    assert "罚款人民币150000" in texts["penalty_notice"]
    assert "行政处罚决定书" in texts["service_receipt"] and "直接送达" in texts["service_receipt"]
    assert "同意结案" in texts["closing_approval"]
    for d in docs:
        assert d["number"] in texts[d["kind"]] and case["number"] in texts[d["kind"]]
