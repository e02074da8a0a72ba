"""The listing stream of SPEC §11: every step, every refusal (status and code), the audit chain."""

from __future__ import annotations

import time_machine

from tests.helpers import Api, penalty_case
from tests.integration.credit.listing_support import (
    CITY,
    GROUND,
    A,
    B,
    at,
    listed,
    ok,
    penalise,
    propose,
    refused,
    step,
)


def test_a_listing_walks_propose_notify_statement_consent_listed_audited(api: Api) -> None:
    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    city, other_supervisor = api.principal("city"), api.principal("supervisor", B)
    with time_machine.travel(at("2026-03-02"), tick=False):  # a Monday
        case = penalise(api, officer, supervisor)
        entry = propose(api, supervisor, case)
        assert entry.status_code == 201, entry.text
        entry = entry.json()
        assert entry["state"] == "proposed" and entry["basis"] == GROUND and entry["until"] is None
        assert entry["legacy"] is False and entry["listed_on"] is None
        eid = entry["id"]

        refused(step(api, city, eid, "consent"), 409, "invalid_transition")  # a listing without notice
        refused(step(api, supervisor, eid, "listed"), 409, "invalid_transition")
        refused(step(api, officer, eid, "notify"), 403, "forbidden")
        refused(step(api, other_supervisor, eid, "notify"), 404, "not_found")  # not yet published
        notified = ok(api, supervisor, eid, "notify", {"served_at": "2026-03-02"})
        assert notified["state"] == "notified" and notified["statement_due"] == "2026-03-09"  # 5 working days

        refused(step(api, city, eid, "consent"), 409, "guard_failed")  # the party's period still runs
        refused(step(api, officer, eid, "record_statement", {}), 422, "validation_error")
        ok(api, officer, eid, "record_statement", {"statement": "已停止销售", "defence": "进货渠道合法",
                                                    "hearing_requested": True})
    with time_machine.travel(at("2026-03-10"), tick=False):
        refused(step(api, city, eid, "consent"), 409, "guard_failed")  # the hearing asked for is not held
        ok(api, supervisor, eid, "record_statement", {"hearing_held": True})
        refused(step(api, supervisor, eid, "consent"), 403, "forbidden")
        refused(step(api, city, eid, "consent", {"listed_on": "2026-03-10"}), 422, "validation_error")
        consented = ok(api, city, eid, "consent", {"decision": "鄂市监信〔2026〕3号"})
        assert consented["state"] == "consented"
        until_given = step(api, supervisor, eid, "listed", {"until": "9999-12-31"})
        assert "until" in str(refused(until_given, 422, "validation_error")["fields"])
        refused(step(api, city, eid, "listed"), 403, "forbidden")
        done = ok(api, supervisor, eid, "listed")
    assert done["state"] == "listed" and done["listed_on"] == "2026-03-10" and done["until"] == "2029-03-10"
    refused(step(api, supervisor, eid, "expire"), 422, "validation_error")  # the sweep's, not an API event

    shown = api.get(other_supervisor, f"/dishonest-list/{eid}").json()  # published: every district reads it
    assert [s["event"] for s in shown["steps"]] == ["propose", "notify", "record_statement", "record_statement",
                                                    "consent", "listed"]
    assert shown["steps"][1]["data"]["clock"] == "listing_statement" and shown["steps"][1]["data"]["owner"] == "party"
    assert shown["steps"][-1]["data"]["until"] == "2029-03-10"
    history = api.get(api.principal("auditor"), "/audit/events", case_id=eid).json()["items"]
    assert [e["event"] for e in history][-1] == "listed"
    assert api.get(city, "/audit/verify").json()["ok"] is True
    assert api.get(city, "/dishonest-list", state="listed").json()["items"][0]["id"] == eid


def test_proposal_refusals(api: Api) -> None:
    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    b_officer, b_supervisor = api.principal("officer", B), api.principal("supervisor", B)
    open_case = api.create(officer, penalty_case(A))
    refused(propose(api, supervisor, open_case), 409, "guard_failed")  # a case not decided
    case = penalise(api, officer, supervisor)
    refused(propose(api, officer, case), 403, "forbidden")
    refused(propose(api, supervisor, case, until="2099-12-31"), 422, "validation_error")
    assert "until" in str(propose(api, supervisor, case, until="2099-12-31").json()["error"]["fields"])
    refused(propose(api, supervisor, case, basis="随意"), 422, "validation_error")
    refused(propose(api, supervisor, case, basis="专利侵权"), 422, "validation_error")  # a ruling, not a penalty
    refused(propose(api, supervisor, case, detail=""), 422, "validation_error")
    complainant = case["parties"]["complainant"]["id"]
    refused(propose(api, supervisor, case, party_id=complainant), 422, "validation_error")
    refused(propose(api, b_supervisor, case), 404, "not_found")  # another district's case
    b_case = penalise(api, b_officer, b_supervisor, penalty_case(B))
    refused(propose(api, supervisor, b_case), 404, "not_found")
    first = propose(api, supervisor, case)
    assert first.status_code == 201
    refused(propose(api, supervisor, case), 409, "guard_failed")  # one listing under way per case
    no_penalty = api.create(officer, penalty_case(A))
    api.ok(supervisor, no_penalty["id"], "accept")
    api.ok(supervisor, no_penalty["id"], "notify_penalty", {"proposed_fine": 0})
    warned = api.fire(supervisor, no_penalty["id"], "decide", {"fine": 0, "waived": True})
    if warned.status_code == 200:
        refused(propose(api, supervisor, warned.json()), 409, "guard_failed")  # no fine, nothing to list on


def test_consent_before_the_statement_period_ends_only_if_the_party_waived(api: Api) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    with time_machine.travel(at("2026-03-02"), tick=False):
        case = penalise(api, officer, supervisor)
        eid = propose(api, supervisor, case).json()["id"]
        ok(api, supervisor, eid, "notify")
        refused(step(api, city, eid, "consent"), 409, "guard_failed")
        ok(api, officer, eid, "record_statement", {"waived": True})
        assert ok(api, city, eid, "consent")["state"] == "consented"
        assert ok(api, supervisor, eid, "listed")["until"] == "2029-03-02"


def test_refuse_needs_a_reason_and_ends_the_listing(api: Api) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    with time_machine.travel(at("2026-03-02"), tick=False):
        case = penalise(api, officer, supervisor)
        eid = propose(api, supervisor, case).json()["id"]
        ok(api, supervisor, eid, "notify")
        refused(step(api, city, eid, "refuse"), 422, "validation_error")
        refused(step(api, supervisor, eid, "refuse", reason="x"), 403, "forbidden")
        assert ok(api, city, eid, "refuse", reason="情节不属严重")["state"] == "refused"
        refused(step(api, supervisor, eid, "listed"), 409, "invalid_transition")
        assert propose(api, supervisor, case).status_code == 201  # a refused listing may be proposed anew


def test_the_city_teams_own_case_records_the_regional_bureaus_approval(api: Api) -> None:
    officer, supervisor, city = (api.principal("officer", CITY), api.principal("supervisor", CITY),
                                 api.principal("city"))
    with time_machine.travel(at("2026-03-02"), tick=False):
        case = penalise(api, officer, supervisor, penalty_case(CITY), district=CITY)
        eid = propose(api, supervisor, case).json()["id"]
        ok(api, supervisor, eid, "notify")
        ok(api, supervisor, eid, "record_statement", {"waived": True})
        error = refused(step(api, city, eid, "consent"), 422, "validation_error")
        assert error["fields"] == ["approval_document"]
        ok(api, city, eid, "consent", {"approval_document": "内市监信函〔2026〕8号"})
    steps = api.get(city, f"/dishonest-list/{eid}").json()["steps"]
    assert steps[-1]["data"]["approval_document"] == "内市监信函〔2026〕8号"


def test_repair_at_11_months_is_refused_at_12_allowed_with_the_citys_consent(api: Api) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    with time_machine.travel(at("2026-03-02"), tick=False):
        entry = listed(api, supervisor, city, penalise(api, officer, supervisor))
    eid = entry["id"]
    conditions = {"penalty_performed": True, "no_new_serious_violation": True, "credit_commitment_signed": True}
    body = {"conditions": conditions, "credit_commitment": "本单位郑重承诺：依法诚信经营，不再销售侵权商品。"}
    with time_machine.travel(at("2027-02-02"), tick=False):  # 11 months
        refused(step(api, supervisor, eid, "apply_repair", body), 409, "guard_failed")
    with time_machine.travel(at("2027-03-01"), tick=False):  # one day short of a year
        refused(step(api, supervisor, eid, "apply_repair", body), 409, "guard_failed")
    with time_machine.travel(at("2027-03-02"), tick=False):  # 12 months
        refused(step(api, supervisor, eid, "apply_repair", {**body, "conditions": {**conditions,
                                                            "penalty_performed": False}}), 409, "guard_failed")
        refused(step(api, supervisor, eid, "apply_repair", {"conditions": conditions}), 422, "validation_error")
        refused(step(api, city, eid, "apply_repair", body), 403, "forbidden")
        applied = ok(api, supervisor, eid, "apply_repair", body)
        assert applied["state"] == "repair_applied"
        refused(step(api, supervisor, eid, "repair"), 403, "forbidden")
        repaired = ok(api, city, eid, "repair", {"decision": "鄂市监信修〔2027〕1号"})
        assert repaired["state"] == "repaired"
        assert api.get(city, "/dishonest-list/publication").json()["items"] == []
    steps = api.get(city, f"/dishonest-list/{eid}").json()["steps"]
    assert steps[-2]["data"]["credit_commitment"].startswith("本单位郑重承诺")
    assert api.get(city, "/audit/verify").json()["ok"] is True


def test_the_city_may_refuse_a_repair_and_the_entry_stays_listed(api: Api) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    with time_machine.travel(at("2026-03-02"), tick=False):
        eid = listed(api, supervisor, city, penalise(api, officer, supervisor))["id"]
    with time_machine.travel(at("2027-06-01"), tick=False):
        ok(api, supervisor, eid, "apply_repair", {"conditions": {
            "penalty_performed": True, "no_new_serious_violation": True, "credit_commitment_signed": True},
            "credit_commitment": "承诺书"})
        refused(step(api, city, eid, "refuse_repair"), 422, "validation_error")
        assert ok(api, city, eid, "refuse_repair", reason="仍有未履行的处罚")["state"] == "listed"


def test_without_consent_configured_listed_follows_notice(api: Api, runtime) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    runtime.settings.listing_consent = False
    with time_machine.travel(at("2026-03-02"), tick=False):
        eid = propose(api, supervisor, penalise(api, officer, supervisor)).json()["id"]
        ok(api, supervisor, eid, "notify")
        refused(step(api, city, eid, "consent"), 422, "validation_error")  # no such step configured
        refused(step(api, supervisor, eid, "listed"), 409, "guard_failed")  # the statement period runs
    with time_machine.travel(at("2026-03-10"), tick=False):
        assert ok(api, supervisor, eid, "listed")["state"] == "listed"


def test_ids_are_masked_and_the_feed_minimises_personal_data(api: Api) -> None:
    from tests.helpers import ID_NUMBER

    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    body = penalty_case(A, parties={"respondent": {"name": "张三", "id_number": ID_NUMBER}})
    case = penalise(api, officer, supervisor, body)
    entry = propose(api, supervisor, case, detail=f"张三（身份证{ID_NUMBER}）销售假冒白酒")
    assert entry.status_code == 201, entry.text
    eid = entry.json()["id"]
    ok(api, supervisor, eid, "notify")
    ok(api, supervisor, eid, "record_statement", {"waived": True})
    ok(api, city, eid, "consent")
    ok(api, supervisor, eid, "listed")
    org = penalise(api, officer, supervisor)
    listed(api, supervisor, city, org)
    feed = api.get(city, "/dishonest-list/publication").json()["items"]
    assert {i["party_name"] for i in feed} == {"张某", "某商贸有限公司"}
    person = next(i for i in feed if i["party_name"] == "张某")
    assert person["credit_code"] is None and "id_number" not in person and person["authority"]
    texts = [api.get(city, "/dishonest-list/publication", format=f).content.decode("utf-8-sig")
             for f in ("json", "csv", "html")]
    texts += [api.get(city, "/dishonest-list", format=f).content.decode("utf-8-sig") for f in ("json", "csv")]
    for text in texts:
        assert ID_NUMBER not in text
    for text in texts[:3]:
        assert "张三" not in text and "张某" in text
    assert "<table" in texts[2] and "严重违法失信名单" in texts[2]
    import io

    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(api.get(city, "/dishonest-list/publication", format="xlsx").content))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value is not None]
    assert "张某" in cells and not any("张三" in c or ID_NUMBER in c for c in cells)
    assert api.get(api.principal("partner", agency="police-150602"), "/dishonest-list/publication").status_code == 403


def test_the_feeds_files_never_hold_a_formula(api: Api) -> None:
    from tests.helpers import credit_code

    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    name = '=HYPERLINK("http://example.invalid","某公司")'
    case = penalise(api, officer, supervisor, penalty_case(A, parties={"respondent": {
        "name": name, "credit_code": credit_code(7)}}))
    listed(api, supervisor, city, case)
    csv_text = api.get(city, "/dishonest-list/publication", format="csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text and ",=HYPERLINK" not in csv_text
    import io

    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(api.get(city, "/dishonest-list/publication", format="xlsx").content)).worksheets[0]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "'" + name in values and name not in values


def test_the_feeds_files_keep_an_all_digit_credit_code_as_text(api: Api) -> None:
    """Identifiers are text in every export (issue 16 §4): 914403001922038216 as a number reads back …272."""
    import io

    from openpyxl import load_workbook

    from tests.helpers import CREDIT_CODE

    assert CREDIT_CODE.isdigit()
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    case = penalise(api, officer, supervisor, penalty_case(A))
    listed(api, supervisor, city, case)
    for path in ("/dishonest-list", "/dishonest-list/publication"):
        sheet = load_workbook(io.BytesIO(api.get(city, path, format="xlsx").content)).worksheets[0]
        header, row = ([c.value for c in r] for r in sheet.iter_rows(min_row=2, max_row=3))
        assert row[header.index("统一社会信用代码")] == CREDIT_CODE, (path, row)
        if "行政处罚决定书文号（案件编号）" in header:
            assert row[header.index("行政处罚决定书文号（案件编号）")] == case["number"]
