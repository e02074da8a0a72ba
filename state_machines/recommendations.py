"""Criminal-referral hints (法释〔2025〕5号) computed from a case's amounts.

A hint suggests `refer_to_police`; it never fires anything. A branch whose input the case
lacks is not evaluated. Thresholds are configuration (`Thresholds`); defaults are the
interpretation's figures in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Thresholds:
    tm_gains: Decimal = Decimal(30_000)
    tm_turnover: Decimal = Decimal(50_000)
    tm_gains_aggravated: Decimal = Decimal(20_000)
    tm_turnover_aggravated: Decimal = Decimal(30_000)
    tm_unsold_multiple: int = 3
    patent_gains: Decimal = Decimal(100_000)
    patent_turnover: Decimal = Decimal(200_000)
    patent_direct_loss: Decimal = Decimal(300_000)
    patent_gains_aggravated: Decimal = Decimal(50_000)
    patent_turnover_aggravated: Decimal = Decimal(100_000)


def _fmt(value: Decimal) -> str:
    return f"{value:,.0f}"


def referral_hints(kind: str, amounts: dict[str, Decimal | None], marks_count: int | None,
                   repeat: bool, t: Thresholds = Thresholds()) -> list[dict[str, str]]:
    gains, turnover = amounts.get("illegal_gains"), amounts.get("illegal_turnover")
    aggravated = (marks_count or 0) >= 2 or repeat
    reasons: list[str] = []
    if kind == "trademark_infringement":
        g_min = t.tm_gains_aggravated if aggravated else t.tm_gains
        s_min = t.tm_turnover_aggravated if aggravated else t.tm_turnover
        article = "法释〔2025〕5号 arts. 3, 5"
        if gains is not None and gains >= g_min:
            reasons.append(f"违法所得 {_fmt(gains)} ≥ {_fmt(g_min)}")
        if turnover is not None and turnover >= s_min:
            reasons.append(f"非法经营额/销售金额 {_fmt(turnover)} ≥ {_fmt(s_min)}")
        unsold = amounts.get("unsold_stock_value")
        if unsold is not None:
            stock_min = s_min * t.tm_unsold_multiple
            if unsold >= stock_min:
                reasons.append(f"尚未销售的侵权产品货值 {_fmt(unsold)} ≥ {_fmt(stock_min)}")
            elif turnover is not None and turnover + unsold >= stock_min:
                reasons.append(f"已销售与尚未销售合计 {_fmt(turnover + unsold)} ≥ {_fmt(stock_min)}")
    elif kind == "patent_counterfeit":
        g_min = t.patent_gains_aggravated if aggravated else t.patent_gains
        s_min = t.patent_turnover_aggravated if aggravated else t.patent_turnover
        article = "法释〔2025〕5号 art. 10"
        if gains is not None and gains >= g_min:
            reasons.append(f"违法所得 {_fmt(gains)} ≥ {_fmt(g_min)}")
        if turnover is not None and turnover >= s_min:
            reasons.append(f"非法经营额 {_fmt(turnover)} ≥ {_fmt(s_min)}")
        loss = amounts.get("direct_loss")
        if loss is not None and loss >= t.patent_direct_loss:
            reasons.append(f"权利人直接损失 {_fmt(loss)} ≥ {_fmt(t.patent_direct_loss)}")
    else:
        return []
    if not reasons:
        return []
    return [{"action": "refer_to_police", "reason": f"{'; '.join(reasons)} ({article}): 涉嫌犯罪，建议移送公安"}]
