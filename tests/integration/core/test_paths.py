"""Full paths over HTTP: a penalty case and a ruling case from receipt to closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers import Api, penalty_case, ruling_case


def _history(api: Api, token: str, case_id: str) -> list[dict]:
    response = api.get(token, f"/cases/{case_id}/history")
    assert response.status_code == 200
    return response.json()["items"]


def test_full_penalty_path_is_audited_in_order(api: Api) -> None:
    officer = api.principal("officer", "150602")
    supervisor = api.principal("supervisor", "150602")
    auditor = api.principal("auditor")
    case = api.create(officer, penalty_case())
    assert case["number"].startswith("东市监知〔") and case["number"].endswith("0001号")
    assert case["state"] == "received" and case["state_label"] == "已收到" and case["version"] == 1
    assert case["amounts"]["case_value"] == "12000.50"
    cid = case["id"]
    steps = [
        (supervisor, "accept", None, None, "filed"),
        (officer, "add_note", {"text": "现场检查，扣押白酒 120 瓶"}, None, "filed"),
        (supervisor, "notify_penalty", {"proposed_fine": 150000, "served_at": "2026-03-02T10:00:00"}, None,
         "penalty_notice"),
        (officer, "request_hearing", None, None, "hearing"),
        (supervisor, "decide", {"fine": "80000", "confiscation": 1500}, None, "decided"),
        (officer, "record_payment", {"reference": "缴款书 0042"}, None, "decided"),
        (officer, "record_publication", None, None, "decided"),
        (supervisor, "close", None, None, "closed"),
    ]
    notify_at = datetime.now(UTC)
    for token, event, data, reason, state in steps:
        if event == "notify_penalty":
            data = {**data, "served_at": notify_at.isoformat()}
        case = api.ok(token, cid, event, data, reason)
        assert case["state"] == state, event
    assert case["outcome"] == "penalty"
    assert case["amounts"]["fine"] == "80000.00" and case["amounts"]["confiscation"] == "1500.00"
    assert case["version"] == 1 + len(steps)
    assert case["allowed_events"] == []
    history = _history(api, auditor, cid)
    assert [h["event"] for h in history] == ["create"] + [s[1] for s in steps]
    assert [h["seq"] for h in history] == list(range(1, len(steps) + 2))
    assert all(history[i]["prev_hash"] == history[i - 1]["hash"] for i in range(1, len(history)))
    assert history[0]["prev_hash"] == "0" * 64
    verify = api.get(auditor, "/audit/verify").json()
    assert verify == {"ok": True, "events_checked": len(history)}


def test_full_ruling_path_with_mediation_and_confirmation_request(api: Api) -> None:
    officer = api.principal("officer", "150600")
    supervisor = api.principal("supervisor", "150600")
    case = api.create(officer, ruling_case())
    assert case["track"] == "ruling" and case["number"].startswith("鄂市监知〔")
    assert [d["name"] for d in case["deadlines"]] == ["acceptance_decision"]
    cid = case["id"]
    api.ok(supervisor, cid, "accept")
    api.ok(officer, cid, "record_service", {"document": "request_copy"})
    api.ok(officer, cid, "record_defence")
    api.ok(officer, cid, "start_mediation", {"parties_consent": True})
    failed = api.ok(officer, cid, "mediation_failed", reason="被请求人拒绝赔偿")
    assert failed["state"] == "filed"
    api.ok(officer, cid, "start_mediation", {"parties_consent": True})
    mediated = api.ok(officer, cid, "mediation_succeeded",
                      {"agreement": "被请求人停止制造并赔偿 5 万元", "compensation": 50000})
    assert mediated["state"] == "mediated" and mediated["amounts"]["compensation"] == "50000.00"
    names = {d["name"]: d for d in mediated["deadlines"]}
    assert names["ruling"]["status"] == "met" and names["confirmation_application"]["status"] in ("running",
                                                                                                  "due_soon")
    assert "request_confirmation" in mediated["allowed_events"]
    closed = api.ok(supervisor, cid, "close")
    assert closed["state"] == "closed" and closed["outcome"] == "mediated"


def test_ruling_path_to_ruled_and_closed(api: Api) -> None:
    officer = api.principal("officer", "150600")
    supervisor = api.principal("supervisor", "150600")
    cid = api.create(officer, ruling_case())["id"]
    api.ok(supervisor, cid, "accept")
    ruled = api.ok(supervisor, cid, "rule", {"infringement_found": True, "order": "责令被请求人立即停止侵权行为"})
    assert ruled["state"] == "ruled" and ruled["state_label"] == "已作出裁决"
    closed = api.ok(supervisor, cid, "close")
    assert closed["outcome"] == "ruled"


def test_received_at_in_the_past_sets_the_year_of_the_number(api: Api) -> None:
    officer = api.principal("officer", "150603")
    received = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    case = api.create(officer, penalty_case("150603", received_at=received))
    year = int(received[:4])
    assert case["number"] in (f"康市监知〔{year}〕0001号", f"康市监知〔{year + 1}〕0001号")
    second = api.create(officer, penalty_case("150603"))
    assert second["number"].endswith("0001号") or second["number"].endswith("0002号")
    assert second["number"] != case["number"]
