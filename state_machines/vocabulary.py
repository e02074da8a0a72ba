"""Names the whole service shares: roles, states with their Chinese labels, kinds and tracks.

Kept as plain data so that the API schema, the machine and the reports read one source.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    officer = "officer"
    supervisor = "supervisor"
    city = "city"
    auditor = "auditor"
    partner = "partner"
    admin = "admin"
    reviewer = "reviewer"  # 审核人员 of the review unit (法制审核机构), machine version 2 (SPEC §10.2)


class Track(StrEnum):
    ruling = "ruling"
    penalty = "penalty"


CITY_DIVISION = "150600"

STATE_LABELS: dict[str, str] = {
    "received": "已收到",
    "filed": "已立案/受理",
    "rejected": "不予立案/受理",
    "transferring": "移送待接收",
    "transferred_out": "已移送管辖",
    "mediating": "调解中",
    "mediated": "已达成调解协议",
    "awaiting_confirmation": "待司法确认",
    "penalty_notice": "已告知",
    "hearing": "听证",
    "decided": "已作出处罚决定",
    "ruled": "已作出裁决",
    "awaiting_police": "移送公安待回复",
    "with_police": "公安已立案",
    "in_litigation": "诉讼中",
    "suspended": "中止",
    "closed": "结案",
    "withdrawn": "已撤回",
}
STATES: tuple[str, ...] = tuple(STATE_LABELS)
FINAL_STATES: frozenset[str] = frozenset({"rejected", "transferred_out", "closed", "withdrawn"})
NON_FINAL_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in FINAL_STATES)

STATE_LABELS_V2: dict[str, str] = {
    **STATE_LABELS,
    "investigated": "调查终结",
    "in_review": "审核中",
    "reviewed": "审核通过",
    "heard": "听证结束",
    "in_administrative_review": "行政复议中",
}
"""Version 2 (SPEC §10.3) adds states; `STATES` stays version 1's (§3)."""
STATES_V2: tuple[str, ...] = tuple(STATE_LABELS_V2)
NON_FINAL_STATES_V2: tuple[str, ...] = tuple(s for s in STATES_V2 if s not in FINAL_STATES)
MACHINE_VERSIONS: tuple[int, ...] = (1, 2)
LATEST_MACHINE_VERSION = MACHINE_VERSIONS[-1]

PATENT_TYPES: dict[str, str] = {
    "invention": "发明",
    "utility_model": "实用新型",
    "design": "外观设计",
    "none": "无授权专利",  # patent_counterfeit only (SPEC §10.9)
}

KINDS: dict[str, tuple[Track, str]] = {
    "patent_dispute": (Track.ruling, "专利侵权纠纷"),
    "patent_counterfeit": (Track.penalty, "假冒专利"),
    "trademark_infringement": (Track.penalty, "商标侵权"),
    "trademark_violation": (Track.penalty, "商标一般违法"),
    "geographical_indication": (Track.penalty, "地理标志违法"),
    "special_symbol": (Track.penalty, "特殊标志/奥林匹克标志侵权"),
    "abnormal_filing": (Track.penalty, "非正常申请/无资质专利代理"),
}

SOURCES: dict[str, str] = {
    "complaint": "投诉",
    "report": "举报",
    "inspection": "检查",
    "online_platform": "网络平台",
    "superior": "上级交办",
    "transfer": "移送",
}

SECTORS: dict[str, str] = {
    "food": "食品",
    "drug": "药品",
    "home_appliance": "家用电器",
    "daily_goods": "日用品",
    "green_product": "绿色低碳环保产品",
    "electronics": "电子信息产品",
    "equipment": "重大技术装备",
    "new_material": "重点新材料",
    "seed": "种子",
    "cement": "水泥",
    "public_health": "公共卫生",
    "pandemic_supply": "防疫物资",
    "children_vision": "儿童视力",
    "other": "其他",
}

VENUES: dict[str, str] = {
    "mall": "商场超市",
    "market": "专业市场",
    "park": "创业园区",
    "fair": "商品交易会",
    "exhibition": "展会",
    "online_platform": "网络交易平台",
    "other": "其他",
}

AMOUNT_FIELDS: tuple[str, ...] = (
    "case_value",
    "illegal_turnover",
    "illegal_gains",
    "direct_loss",
    "unsold_stock_value",
)
"""Amounts an officer records at intake or with `record_amounts`."""

DECISION_AMOUNT_FIELDS: tuple[str, ...] = ("fine", "confiscation", "compensation")
"""Amounts set by decisions (decide, mediation_succeeded), never by `record_amounts`."""

OUTCOMES: tuple[str, ...] = (
    "penalty",
    "no_penalty",
    "ruled",
    "mediated",
    "dismissed",
    "criminal",
    "confirmed",
    "litigation_upheld",
    "rejected",
    "withdrawn",
    "transferred",
)


def track_of(kind: str) -> Track:
    return KINDS[kind][0]
