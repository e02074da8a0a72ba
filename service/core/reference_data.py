"""The default data set of SPEC §1: Ordos districts and the agencies around them."""

from __future__ import annotations

CITY = "150600"

DISTRICTS: dict[str, tuple[str, str]] = {
    "150600": ("鄂尔多斯市", "鄂市监知"),
    "150602": ("东胜区", "东市监知"),
    "150603": ("康巴什区", "康市监知"),
    "150621": ("达拉特旗", "达市监知"),
    "150622": ("准格尔旗", "准市监知"),
    "150623": ("鄂托克前旗", "鄂前市监知"),
    "150624": ("鄂托克旗", "鄂托市监知"),
    "150625": ("杭锦旗", "杭市监知"),
    "150626": ("乌审旗", "乌市监知"),
    "150627": ("伊金霍洛旗", "伊市监知"),
}

CROSS_REGION: dict[str, str] = {
    "150100": "呼和浩特市",
    "150200": "包头市",
    "150900": "乌兰察布市",
    "150800": "巴彦淖尔市",
}

_LOCAL_AGENCY_NAMES = {
    "bureau": "{place}市场监督管理局",
    "police": "{place}公安{unit}",
    "procuratorate": "{place}人民检察院",
    "court": "{place}{court}人民法院",
}


def default_agencies() -> list[dict[str, str]]:
    """Every agency of the default data set as `{code, kind, division, name}`."""
    rows: list[dict[str, str]] = []
    for division, (place, _prefix) in DISTRICTS.items():
        is_city = division == CITY
        for kind, template in _LOCAL_AGENCY_NAMES.items():
            name = template.format(
                place=place,
                unit="局" if is_city else "分局",
                court="中级" if is_city else "",
            )
            rows.append({"code": f"{kind}-{division}", "kind": kind, "division": division, "name": name})
    for kind, name in (("customs", "鄂尔多斯海关"), ("copyright", "鄂尔多斯市版权局"),
                       ("agriculture", "鄂尔多斯市农牧局")):
        rows.append({"code": f"{kind}-{CITY}", "kind": kind, "division": CITY, "name": name})
    for division, place in CROSS_REGION.items():
        rows.append({"code": f"bureau-{division}", "kind": "bureau", "division": division,
                     "name": f"{place}市场监督管理局"})
    rows.extend(version_2_agencies())
    return rows


def version_2_agencies() -> list[dict[str, str]]:
    """The agencies machine version 2 sends to (SPEC §10.3, §10.4): the people's government of the
    city and of each district (行政复议), and the 呼和浩特市中级人民法院, which hears invention and
    utility-model patent cases for the whole region (法释〔2022〕13号 art. 1)."""
    rows = [{"code": f"government-{division}", "kind": "government", "division": division,
             "name": f"{place}人民政府"} for division, (place, _prefix) in DISTRICTS.items()]
    rows.append({"code": "court-150100", "kind": "court", "division": "150100",
                 "name": "呼和浩特市中级人民法院"})
    return rows
