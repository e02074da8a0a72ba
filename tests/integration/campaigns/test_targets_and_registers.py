"""GI list-based supervision with targets met and missed; the e-commerce spot-check register; markets."""

from __future__ import annotations

import io

import time_machine
from openpyxl import load_workbook

from tests.helpers import Api

from .support import A, B, at, get, inspection, patch, post, refused

GI = {"kind": "gi", "name": "2027年地理标志产品专项检查", "districts": [A, B],
      "period": {"start": "2027-03-01", "end": "2027-04-30"},
      "targets": {"inspections_per_month": 2, "sampling_ratio": "0.5"}}


def _products(api: Api, city: str) -> tuple[dict, dict]:
    cashmere = post(api, city, "/registers", {"kind": "gi_product", "name": "鄂尔多斯羊绒",
                                              "category": "certification_mark", "holders": ["鄂尔多斯市羊绒协会"]})
    rice = post(api, city, "/registers", {"kind": "gi_product", "name": "达拉特旗黄河湿地大米", "district": "150621",
                                          "category": "protected_product"})
    return cashmere, rice


def test_gi_targets_met_and_missed(api: Api) -> None:
    city = api.principal("city")
    a_off, b_off = api.principal("officer", A), api.principal("officer", B)
    cashmere, rice = _products(api, city)
    assert cashmere["category_label"] == "证明商标" and cashmere["holders"] == ["鄂尔多斯市羊绒协会"]
    campaign = post(api, city, "/campaigns", GI)
    path = f"/campaigns/{campaign['id']}/inspections"
    with time_machine.travel(at("2027-04-15"), tick=False):
        for day, product, method in [("2027-03-05", cashmere, "sampling"), ("2027-03-20", rice, "on_site"),
                                     ("2027-04-02", cashmere, "sampling"), ("2027-04-10", rice, "on_site")]:
            post(api, a_off, path, inspection(day, place="东胜区羊绒制品店", product_id=product["id"], method=method))
        post(api, b_off, path, inspection("2027-03-12", place="康巴什区商场", product_id=cashmere["id"]))
        post(api, b_off, path, inspection("2027-03-13", place="康巴什区商场"))  # no listed product: not counted
        refused(post(api, a_off, path, inspection("2027-04-11", product_id=campaign["id"]), 422),
                "validation_error", "product_id")
        during = get(api, city, f"/campaigns/{campaign['id']}/progress")
    rows = {r["district"]: r["targets"] for r in during["districts"]}
    assert [m["status"] for m in rows[A]["inspections_per_month"]["months"]] == ["met", "met"]
    assert [m["status"] for m in rows[B]["inspections_per_month"]["months"]] == ["missed", "open"]
    assert rows[B]["sampling_ratio"]["status"] == "open"
    with time_machine.travel(at("2027-05-01"), tick=False):
        report = get(api, city, f"/campaigns/{campaign['id']}/progress")
        workbook = api.get(city, f"/campaigns/{campaign['id']}/progress", format="xlsx")
    rows = {r["district"]: r for r in report["districts"]}
    assert rows[A]["targets"]["inspections_per_month"]["status"] == "met"
    assert rows[A]["targets"]["sampling_ratio"] == {"target": "0.5", "done": "0.5000", "sampled": 2,
                                                    "inspections": 4, "status": "met"}
    assert rows[A]["targets_met"] is True
    assert [(m["month"], m["done"], m["status"]) for m in rows[B]["targets"]["inspections_per_month"]["months"]] == [
        ("2027-03", 1, "missed"), ("2027-04", 0, "missed")]
    assert rows[B]["targets"]["sampling_ratio"]["status"] == "missed" and rows[B]["targets_met"] is False
    assert workbook.status_code == 200 and workbook.headers["content-type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0][:3] == ["单位", "检查次数", "发现问题"]
    assert values[1][1] == 4 and "已完成" in values[1][5]
    assert values[2][1] == 2 and "未完成" in values[2][5]
    assert values[3][0] == "合计" and values[3][1] == 6
    # the GI register shows each product's checks (the city sees every district's)
    products = {p["name"]: p for p in get(api, city, "/registers", kind="gi_product")["items"]}
    assert products["鄂尔多斯羊绒"]["checks"] == 3 and products["达拉特旗黄河湿地大米"]["checks"] == 2
    # a district sees its own district's checks only
    mine = {p["name"]: p for p in get(api, b_off, "/registers", kind="gi_product")["items"]}
    assert mine["鄂尔多斯羊绒"]["checks"] == 1 and mine["达拉特旗黄河湿地大米"]["checks"] == 0
    # a district reads its own row of the progress
    assert [r["district"] for r in get(api, b_off, f"/campaigns/{campaign['id']}/progress")["districts"]] == [B]


def test_gi_targets_belong_to_gi_campaigns(api: Api) -> None:
    city = api.principal("city")
    refused(post(api, city, "/campaigns", {**GI, "kind": "blue_sky"}, 422), "validation_error",
            "targets.inspections_per_month")
    refused(post(api, city, "/campaigns", {**GI, "targets": {"sampling_ratio": "1.5"}}, 422), "validation_error",
            "targets.sampling_ratio")


def test_the_ecommerce_spot_check_register(api: Api) -> None:
    city, a_sup = api.principal("city"), api.principal("supervisor", A)
    a_off, b_sup = api.principal("officer", A), api.principal("supervisor", B)
    platform = post(api, city, "/registers", {"kind": "platform", "name": "某电商平台"})
    stores = [post(api, a_sup, "/registers", {
        "kind": "store", "name": f"鄂尔多斯羊绒旗舰店{n}", "district": A, "platform_id": platform["id"],
        "details": {"url": f"https://shop{n}.example.com", "authorisation": "商标使用许可合同（2026-2028）"}})
        for n in range(3)]
    assert stores[0]["platform_id"] == platform["id"] and get(api, city, f"/registers/{platform['id']}")["stores"] == 3
    # refusals
    refused(post(api, a_sup, "/registers", {"kind": "store", "name": "无平台网店", "district": A}, 422),
            "validation_error", "platform_id")
    refused(post(api, a_sup, "/registers", {"kind": "store", "name": "网店", "district": A,
                                            "platform_id": stores[0]["id"]}, 422), "validation_error", "platform_id")
    refused(post(api, a_sup, "/registers", {"kind": "store", "name": "网店", "district": A,
                                            "platform_id": platform["id"], "category": "collective_mark"}, 422),
            "validation_error", "category")
    refused(post(api, a_sup, "/registers", {"kind": "gi_product", "name": "无类别"}, 403), "forbidden")
    refused(post(api, city, "/registers", {"kind": "gi_product", "name": "无类别"}, 422), "validation_error",
            "category")
    refused(post(api, a_off, "/registers", {"kind": "platform", "name": "某平台"}, 403), "forbidden")
    refused(post(api, b_sup, "/registers", {"kind": "store", "name": "网店", "district": A,
                                            "platform_id": platform["id"]}, 403), "forbidden")
    refused(post(api, city, "/registers", {"kind": "market", "name": "某市场"}, 422), "validation_error", "district")
    campaign = post(api, city, "/campaigns", {"kind": "ecommerce", "name": "电商平台授权信息抽查", "districts": [A],
                                              "period": {"start": "2027-03-01", "end": "2027-03-31"},
                                              "targets": {"stores_checked": 2}})
    path = f"/campaigns/{campaign['id']}/inspections"
    with time_machine.travel(at("2027-03-20"), tick=False):
        first = post(api, a_off, path, {"date": "2027-03-10", "store_id": stores[0]["id"], "method": "online",
                                        "result": "compliant"})
        post(api, a_off, path, {"date": "2027-03-18", "store_id": stores[0]["id"], "method": "online",
                                "result": "problem_found", "findings": "授权已过期"})
        refused(post(api, a_off, path, {"date": "2027-03-18", "store_id": platform["id"], "method": "online",
                                        "result": "compliant"}, 422), "validation_error", "store_id")
        open_report = get(api, city, f"/campaigns/{campaign['id']}/progress")
    assert first["place"] == stores[0]["name"]
    assert open_report["districts"][0]["targets"]["stores_checked"] == {"target": 2, "done": 1, "status": "open"}
    with time_machine.travel(at("2027-03-31"), tick=False):
        post(api, a_off, path, {"date": "2027-03-31", "store_id": stores[1]["id"], "method": "online",
                                "result": "compliant"})
        done = get(api, city, f"/campaigns/{campaign['id']}/progress")
    assert done["districts"][0]["targets"]["stores_checked"]["status"] == "met"
    register = {s["name"]: s for s in get(api, a_off, "/registers", kind="store", platform_id=platform["id"])["items"]}
    checked = register["鄂尔多斯羊绒旗舰店0"]
    assert (checked["checks"], checked["findings"], checked["last_checked_on"], checked["last_result"]) == (
        2, 1, "2027-03-18", "problem_found")
    assert register["鄂尔多斯羊绒旗舰店2"]["checks"] == 0 and register["鄂尔多斯羊绒旗舰店2"]["last_result"] is None
    assert checked["details"]["authorisation"] == "商标使用许可合同（2026-2028）"


def test_model_markets_and_their_status(api: Api) -> None:
    city, a_sup, b_sup = api.principal("city"), api.principal("supervisor", A), api.principal("supervisor", B)
    market = post(api, a_sup, "/registers", {"kind": "market", "name": "东胜区某商贸城", "district": A,
                                             "status": "cultivating"})
    assert market["status_label"] == "培育中"
    promoted = patch(api, city, f"/registers/{market['id']}", {"status": "model", "reason": "验收合格"})
    assert promoted["status"] == "model" and promoted["version"] == 2
    refused(patch(api, b_sup, f"/registers/{market['id']}", {"status": "revoked"}, 403), "forbidden")
    refused(patch(api, city, f"/registers/{market['id']}", {}, 422), "validation_error")
    refused(patch(api, city, f"/registers/{market['id']}", {"status": "famous"}, 422), "validation_error", "status")
    platform = post(api, city, "/registers", {"kind": "platform", "name": "某平台"})
    refused(patch(api, city, f"/registers/{platform['id']}", {"status": "model"}, 422), "validation_error", "status")
    refused(post(api, city, "/registers", {"kind": "platform", "name": "某平台", "status": "model"}, 422),
            "validation_error", "status")
    models = get(api, a_sup, "/registers", kind="market", status="model")["items"]
    assert [m["id"] for m in models] == [market["id"]]
    refused(get(api, city, "/registers/nothing-here", 404), "not_found")
    events = get(api, city, "/audit/events", case_id=market["id"])["items"]
    assert [(e["event"], e["to_state"]) for e in events] == [("create", "cultivating"), ("amend", "model")]
    assert get(api, city, "/audit/verify")["ok"] is True
