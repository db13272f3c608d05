"""Units of measure (计量单位): which ones count whole things.

A lot declares its own unit of measure. A quantity in a countable unit — a computer (台), a set (套), a car
(辆) — is a whole number: 1.5 台 cannot be bought, delivered or signed for. Quantities in units that measure
(米, 吨, 千克, 升, 平方米, 小时 …) may carry two decimals, as every quantity does.
"""

from __future__ import annotations

from decimal import Decimal

# 个体量词: the measure words of things counted one by one (goods), and of services counted in whole
# occurrences (次, 项, 人次). Extend it here; nothing else decides.
COUNTABLE_UNITS = frozenset({
    "台", "套", "个", "辆", "把", "件", "张", "部", "只", "块", "支", "本", "册", "双", "顶", "副",
    "组", "箱", "盒", "桶", "包", "卷", "瓶", "袋", "座", "艘", "架", "根", "条", "扇", "间", "株",
    "棵", "头", "匹", "枚", "片", "具", "樘", "口", "面", "幅", "份", "批", "项", "次", "人次", "车次",
    "台套", "台次",
})


def is_countable(unit_of_measure: str) -> bool:
    """Whether quantities in ``unit_of_measure`` must be whole numbers."""
    return (unit_of_measure or "").strip() in COUNTABLE_UNITS


def whole_number_refusal(quantity: Decimal, unit_of_measure: str) -> str | None:
    """The Chinese refusal for a fractional quantity of a countable unit, or None when it is acceptable."""
    if is_countable(unit_of_measure) and quantity != quantity.to_integral_value():
        return f"计量单位为「{unit_of_measure}」的采购数量须为整数，不能填写{quantity.normalize():f}{unit_of_measure}"
    return None
