"""The three-dimension analysis of the arrangement table (品目、预算金额、采购单位) and its export.

Rules: seed 000 三(一)1(1) 拟定项目 (the agency analyses the table by category, budget amount and
purchasing unit and proposes batch categories) and 二(一) (batch procurement is for categories
inside the government centralized catalog); issue 3 point 2 (以少汇多 / 以大带小, reasoning shown,
exportable to Excel).
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from batch.analysis import (
    AMOUNT_BANDS,
    MIN_UNITS,
    RECOMMEND_FROM_SCORE,
    SCORE_PARTS,
    WEIGHT_CARRY,
    WEIGHT_GATHER,
    WEIGHT_LEVELS,
    WEIGHT_SHARE,
    arrangement_line_list,
    arrangement_list,
    arrangement_overview,
    batch_candidates,
    candidate_rule_text,
    category_analysis,
    importable_bureaus,
    region_analysis,
    unit_totals,
)
from batch.excel_export import analysis_export_filename, analysis_workbook_write
from batch.models import Arrangement, ArrangementLine
from procurement.models import Membership
from tests.factories import (
    BudgetUnitFactory,
    CategoryFactory,
    FinanceFactory,
    UserFactory,
    county,
    member_of,
    prefecture,
    province,
)

pytestmark = pytest.mark.django_db

D = Decimal


def arrangement_of(bureau, lines, *, year: int = 2026, is_current: bool = True) -> Arrangement:
    """An arrangement with ``lines`` of (unit, category, quantity, amount in 万元)."""
    arrangement = Arrangement.objects.create(year=year, finance_bureau=bureau, is_current=is_current,
                                             row_count=len(lines))
    ArrangementLine.objects.bulk_create([
        ArrangementLine(arrangement=arrangement, row_number=i + 4, serial=str(i + 1), unit=unit, category=category,
                        quantity=D(str(quantity)), amount_wan=D(str(amount)))
        for i, (unit, category, quantity, amount) in enumerate(lines)
    ])
    return arrangement


@pytest.fixture
def scene(world):
    """A province bureau; units at province level, in 长春市 (city and county) and 吉林市.

    Per unit (万元): 台式计算机 P1 0.8 (two lines), P2 3, C1 4, C2 30, J1 150 — small and large mixed;
    便携式计算机 P1 6, P2 8 — two mid-sized units; A4黑白打印机 P1 0.2, P2 0.3, C1 0.4, C2 0.5 — all small;
    物业管理服务 P1 100 — outside the centralized catalog.
    """
    bureau = world.finance  # 吉林省财政厅
    [p1] = world.units(1, name="吉林省教育厅", codes=["101001"])
    [p2] = world.units(1, name="吉林省卫生健康委员会", codes=["101002"])
    [c1] = world.units(1, name="长春市教育局", codes=["201001"], region=world.changchun)
    [c2] = world.units(1, name="南关区教育局", codes=["201002"], region=world.nanguan)
    [j1] = world.units(1, name="吉林市医院", codes=["202001"], region=world.jilin_city)
    desktop = CategoryFactory(code="A02010105", name="台式计算机")
    laptop = CategoryFactory(code="A02010108", name="便携式计算机")
    printer = CategoryFactory(code="A02021003", name="A4黑白打印机")
    service = CategoryFactory(code="C21040000", name="物业管理服务", level=2, in_centralized_catalog=False)
    arrangement = arrangement_of(bureau, [
        (p1, desktop, 1, "0.5"), (p1, desktop, 1, "0.3"), (p2, desktop, 5, 3), (c1, desktop, 6, 4),
        (c2, desktop, 50, 30), (j1, desktop, 250, 150),
        (p1, laptop, 10, 6), (p2, laptop, 12, 8),
        (p1, printer, 1, "0.2"), (p2, printer, 1, "0.3"), (c1, printer, 1, "0.4"), (c2, printer, 1, "0.5"),
        (p1, service, 1, 100),
    ])
    return {"bureau": bureau, "arrangement": arrangement, "units": (p1, p2, c1, c2, j1),
            "categories": (desktop, laptop, printer, service)}


def by_code(stats) -> dict:
    return {s.code: s for s in stats}


# --- 品目 -------------------------------------------------------------------------------------------

def test_per_category_totals_units_lines_and_quantities(scene):
    stats = by_code(category_analysis(arrangement=scene["arrangement"]))
    desktop = stats["A02010105"]
    assert (desktop.line_count, desktop.unit_count) == (6, 5)  # P1's two lines are one unit
    assert desktop.total_quantity == D("313.0000")
    assert desktop.total_amount_wan == D("187.8000")
    assert desktop.share == D("61.9")  # of 303.2 万元
    assert stats["C21040000"].in_centralized_catalog is False
    assert [s.code for s in category_analysis(arrangement=scene["arrangement"])] == [
        "A02010105", "C21040000", "A02010108", "A02021003"]  # largest amount first


def test_average_and_median_are_per_unit_not_per_line(scene):
    stats = by_code(category_analysis(arrangement=scene["arrangement"]))
    desktop, laptop, printer = stats["A02010105"], stats["A02010108"], stats["A02021003"]
    assert desktop.average_per_unit_wan == D("37.5600")  # 187.8 ÷ 5 units
    assert desktop.median_per_unit_wan == D("4.0000")  # 0.8, 3, 4, 30, 150
    assert laptop.median_per_unit_wan == D("7.0000")  # (6 + 8) ÷ 2
    assert printer.median_per_unit_wan == D("0.3500")  # (0.3 + 0.4) ÷ 2
    assert (desktop.min_per_unit_wan, desktop.max_per_unit_wan) == (D("0.8000"), D("150.0000"))


def test_amount_bands_count_units_by_their_total_for_the_category(scene):
    """Bands are declared once (AMOUNT_BANDS); P1's 0.5 + 0.3 is one unit under 1万元."""
    assert [b.label for b in AMOUNT_BANDS] == ["不足1万元", "1万–5万元", "5万–20万元", "20万–100万元", "100万元及以上"]
    stats = by_code(category_analysis(arrangement=scene["arrangement"]))
    assert stats["A02010105"].band_units == (1, 2, 0, 1, 1)
    assert stats["A02010108"].band_units == (0, 0, 2, 0, 0)
    assert stats["A02021003"].band_units == (4, 0, 0, 0, 0)
    assert stats["C21040000"].band_units == (0, 0, 0, 0, 1)  # 100万 is the lower bound of the top band


def test_the_category_analysis_is_two_queries_whatever_the_table_size(scene):
    """Aggregate queries, not Python loops over the lines."""
    with CaptureQueriesContext(connection) as small:
        category_analysis(arrangement=scene["arrangement"])
    p1 = scene["units"][0]
    many = [(BudgetUnitFactory(), scene["categories"][i % 3], 1, i % 50) for i in range(300)]
    bigger = arrangement_of(scene["bureau"], [*many, (p1, scene["categories"][3], 1, 1)], year=2027)
    with CaptureQueriesContext(connection) as large:
        stats = category_analysis(arrangement=bigger)
    assert len(small) == len(large) == 2
    assert sum(s.line_count for s in stats) == 301


# --- 采购单位 ------------------------------------------------------------------------------------

def test_per_unit_totals_with_the_amount_inside_the_catalog(scene):
    rows = list(unit_totals(arrangement=scene["arrangement"]))
    assert [r["unit__unit_code"] for r in rows] == ["202001", "101001", "201002", "101002", "201001"]
    p1 = rows[1]
    assert (p1["line_count"], p1["category_count"]) == (5, 4)
    assert p1["total_amount_wan"] == D("107.0000")
    assert p1["catalog_amount_wan"] == D("7.0000")  # 0.5 + 0.3 + 6 + 0.2: 物业管理服务 is outside
    assert rows[0]["unit__region__name"] == "吉林市"


# --- 地区 -------------------------------------------------------------------------------------------

def test_per_prefecture_totals_with_the_province_level_units_apart(scene):
    """A county's unit counts under its prefecture; a province-level unit under 吉林省本级."""
    regions = region_analysis(arrangement=scene["arrangement"])
    assert [(r.name, r.unit_count, r.line_count, r.total_amount_wan) for r in regions] == [
        ("吉林省本级", 2, 8, D("118.3000")),
        ("吉林市", 1, 1, D("150.0000")),
        ("长春市", 2, 4, D("34.9000")),
    ]
    assert regions[0].catalog_amount_wan == D("18.3000")
    assert regions[1].share == D("49.5")


def test_a_prefecture_bureau_sees_its_counties(scene):
    changchun = scene["units"][2].region
    bureau = FinanceFactory(name="长春市财政局", region=changchun)
    c1, c2 = scene["units"][2:4]
    arrangement = arrangement_of(bureau, [(c1, scene["categories"][0], 1, 2), (c2, scene["categories"][0], 1, 3)])
    regions = region_analysis(arrangement=arrangement)
    assert [(r.name, r.total_amount_wan) for r in regions] == [("长春市本级", D("2.0000")), ("南关区", D("3.0000"))]


# --- batch candidates ----------------------------------------------------------------------------

def test_only_categories_inside_the_centralized_catalog_are_candidates(scene):
    """Seed 000 二(一): batch procurement is for items inside the government centralized catalog."""
    codes = [c.stats.code for c in batch_candidates(arrangement=scene["arrangement"])]
    assert "C21040000" not in codes
    assert sorted(codes) == ["A02010105", "A02010108", "A02021003"]


def test_candidates_are_ranked_by_the_declared_score(scene):
    """Seed 000 一(一)–(三): the score rises with 以少汇多, 以大带小, 以上领下 and the category's share of the money."""
    candidates = batch_candidates(arrangement=scene["arrangement"])
    assert [(c.rank, c.stats.code, c.gather, c.carry, c.levels, c.share, c.score) for c in candidates] == [
        # 5/5 units; large (30, 150) with smaller; province, prefectures and a county of the table's 3 levels
        (1, "A02010105", D("100.0"), D("100.0"), D("100.0"), D("61.9"), D("94.3")),
        # 4/5 units; nothing at 20万 or more; 3 levels
        (2, "A02021003", D("80.0"), D("0.0"), D("100.0"), D("0.5"), D("55.1")),
        # 2/5 units, both provincial: under MIN_UNITS whatever its score
        (3, "A02010108", D("40.0"), D("0.0"), D("0.0"), D("4.6"), D("20.7")),
    ]
    assert [c.recommended for c in candidates] == [True, True, False]
    for candidate in candidates:
        assert_reasoning_agrees_with_the_figures(candidate)


def test_the_weights_are_declared_once_and_add_up_to_100():
    assert [(key, weight) for key, _, _, weight in SCORE_PARTS] == [
        ("gather", WEIGHT_GATHER), ("carry", WEIGHT_CARRY), ("levels", WEIGHT_LEVELS), ("share", WEIGHT_SHARE)]
    assert sum(weight for *_, weight in SCORE_PARTS) == 100
    rule = candidate_rule_text()
    assert f"单位覆盖（以少汇多：采购该品目的单位数 ÷ 全表单位数 × 100）× {WEIGHT_GATHER}%" in rule
    assert f"单位数不少于{MIN_UNITS}家且得分不低于{RECOMMEND_FROM_SCORE}分的，建议纳入批量集中采购" in rule


def test_each_candidate_carries_its_reasoning_with_the_numbers(scene):
    desktop, printer, laptop = batch_candidates(arrangement=scene["arrangement"])
    assert desktop.reasoning.startswith(
        "纳入政府集中采购目录；共5家单位安排6条，合计187.80万元（占全表61.9%），单位平均37.56万元、中位数4.00万元。")
    assert "单位覆盖（以少汇多）：5家单位采购，占全表5家单位的100.0%，其中3家金额不足5万元。" in desktop.reasoning
    assert ("大额带动（以大带小）：2家单位金额在20万元及以上：吉林市医院（150.00万元）、南关区教育局（30.00万元）；"
            "与3家20万元以下的单位同时采购，可以大带小。") in desktop.reasoning
    assert "级次覆盖（以上领下）：采购单位涵盖省级2家、市（州）级2家、县（市、区）级1家，上下级单位需求可一并归集。" \
        in desktop.reasoning
    assert ("得分 = 单位覆盖100.0×50% + 大额带动100.0×20% + 级次覆盖100.0×15% + 金额占比61.9×15% = 94.3。"
            in desktop.reasoning)
    assert desktop.reasoning.endswith("共5家单位（不少于3家），得分94.3不低于建议线20分，建议纳入批量集中采购。")
    assert "大额带动（以大带小）：各单位金额均不足20万元（最高0.50万元），不计此项。" in printer.reasoning
    assert "级次覆盖（以上领下）：采购单位均为省级2家（全表涉及3个级次），不计此项。" in laptop.reasoning
    assert laptop.reasoning.endswith("仅2家单位安排，不足3家，暂不建议批量集中采购。")


# --- issue 7 point 9: the analysis must not contradict its own numbers ---------------------------------

def assert_reasoning_agrees_with_the_figures(candidate) -> None:
    """Each sentence of the reasoning against the figures of the table beside it (no contradicted sentence)."""
    stats, text = candidate.stats, candidate.reasoning
    assert f"共{stats.unit_count}家单位安排{stats.line_count}条" in text
    assert f"（占全表{stats.share}%）" in text
    assert f"占全表{candidate.table_unit_count}家单位的{candidate.gather}%" in text
    if stats.small_units:
        assert f"其中{stats.small_units}家金额不足5万元" in text
    else:
        assert "金额不足5万元" not in text
    if stats.large_units:
        assert f"{stats.large_units}家单位金额在20万元及以上：" in text
        assert "均不足20万元" not in text and "没有大额" not in text
        for buyer in candidate.large_buyers:
            assert f"{buyer.name}（" in text
        if stats.large_units < stats.unit_count:
            assert f"与{stats.unit_count - stats.large_units}家20万元以下的单位同时采购，可以大带小。" in text
    else:
        assert "均不足20万元" in text and "可以大带小" not in text
    if candidate.levels > 0:
        assert "上下级单位需求可一并归集" in text and "不计此项。得分" not in text
    else:
        assert "上下级单位需求可一并归集" not in text
    parts = " + ".join(f"{label}{value}×{weight}%" for _, label, _, weight, value in candidate.parts)
    assert f"得分 = {parts} = {candidate.score}。" in text
    if candidate.recommended:
        assert candidate.score >= RECOMMEND_FROM_SCORE and stats.unit_count >= MIN_UNITS
        assert text.endswith("建议纳入批量集中采购。") and "暂不建议" not in text
    else:
        assert text.endswith("暂不建议批量集中采购。") and "建议纳入" not in text


@pytest.fixture
def twelve_units(world):
    """Issue 7 point 9's table: 12 units, five provincial, four in prefectures, three in counties."""
    changchun, jilin_city = world.changchun, world.jilin_city
    bureau = world.finance  # 吉林省财政厅
    provincial = [BudgetUnitFactory(unit_code=f"10100{i}", name=name) for i, name in enumerate(
        ("吉林大学", "吉林省人民医院", "吉林省教育厅", "吉林省公安厅", "吉林省图书馆"), start=1)]
    cities = [BudgetUnitFactory(unit_code=f"20100{i}", name=name, region=region) for i, (name, region) in enumerate(
        (("长春市第一医院", changchun), ("长春市教育局", changchun), ("吉林市财政局机关", jilin_city),
         ("吉林市图书馆", jilin_city)), start=1)]
    counties = [BudgetUnitFactory(unit_code=f"30100{i}", name=name,
                                  region=county(code, parent=changchun, name=name[:3]))
                for i, (code, name) in enumerate((("220102", "南关区教育局"), ("220103", "宽城区卫生局"),
                                                  ("220104", "朝阳区财政局")), start=1)]
    return bureau, provincial + cities + counties


def test_the_issue_example_desktops_bought_by_9_of_12_units_with_five_large_ones_is_recommended(twelve_units):
    """Issue 7 point 9: 台式计算机 (9 of 12 units, 74.7% of the money, five units at 20万元 or more) was ranked
    暂不建议 for 「没有大额单位带动」. None of its units is under 5万元: large ones carry 5万–20万 ones."""
    bureau, units = twelve_units
    desktop = CategoryFactory(code="A02010105", name="台式计算机")
    printer = CategoryFactory(code="A02021003", name="A4黑白打印机")
    paper = CategoryFactory(code="A05040101", name="复印纸")
    air = CategoryFactory(code="A02061804", name="空调机")
    service = CategoryFactory(code="C21040000", name="物业管理服务", level=2, in_centralized_catalog=False)
    # Nine units: four provincial, three in prefectures, two in counties; 199 万 in the five at 20万 or more.
    desktop_amounts = {0: "66", 1: "48", 2: "12", 3: "8", 5: "35", 6: "28", 7: "6", 9: "22", 10: "5.5"}
    lines = [(units[i], desktop, 10, amount) for i, amount in desktop_amounts.items()]
    lines += [(unit, printer, 1, "0.5") for unit in units[:6]]
    lines += [(unit, paper, 30, "1.25") for unit in units]
    lines += [(units[i], air, 4, amount) for i, amount in ((0, "10"), (1, "6"), (5, "4"))]
    lines += [(units[0], service, 1, 40)]
    arrangement = arrangement_of(bureau, lines)

    assert arrangement_overview(arrangement=arrangement).unit_count == 12
    stats = by_code(category_analysis(arrangement=arrangement))["A02010105"]
    assert (stats.unit_count, stats.share, stats.large_units, stats.small_units) == (9, D("74.7"), 5, 0)

    candidates = {c.stats.code: c for c in batch_candidates(arrangement=arrangement)}
    candidate = candidates["A02010105"]
    assert candidate.recommended and candidate.rank == 1
    assert (candidate.gather, candidate.carry, candidate.levels) == (D("75.0"), D("100.0"), D("100.0"))
    assert candidate.score == D("83.7")  # 75.0×50% + 100.0×20% + 100.0×15% + 74.7×15%
    assert ("5家单位金额在20万元及以上：吉林大学（66.00万元）、吉林省人民医院（48.00万元）、"
            "长春市第一医院（35.00万元）、长春市教育局（28.00万元）、南关区教育局（22.00万元）；"
            "与4家20万元以下的单位同时采购，可以大带小。") in candidate.reasoning
    assert "采购单位涵盖省级4家、市（州）级3家、县（市、区）级2家，上下级单位需求可一并归集。" in candidate.reasoning
    assert candidate.reasoning.endswith("共9家单位（不少于3家），得分83.7不低于建议线20分，建议纳入批量集中采购。")
    assert "没有大额单位" not in candidate.reasoning and "暂不建议" not in candidate.reasoning
    for each in candidates.values():
        assert_reasoning_agrees_with_the_figures(each)


def level_scene(levels_of_x: str):
    """Two catalog categories bought by four units each, the same amounts: X by ``levels_of_x``, Y by four
    provincial units; the table holds provincial, prefecture and county units."""
    changchun = prefecture()
    bureau = FinanceFactory(name="吉林省财政厅", region=province())
    provincial = [BudgetUnitFactory(unit_code=f"10100{i}", name=f"省直单位{i}") for i in range(1, 5)]
    city = BudgetUnitFactory(unit_code="201001", name="长春市教育局", region=changchun)
    counties = [BudgetUnitFactory(unit_code=f"30100{i}", name=f"南关区单位{i}", region=county(parent=changchun))
                for i in range(1, 3)]
    x = CategoryFactory(code="A02021003", name="A4黑白打印机")
    y = CategoryFactory(code="A05040101", name="复印纸")
    other = CategoryFactory(code="A02010105", name="台式计算机")
    x_units = {"province+county": provincial[:2] + counties, "province": provincial}[levels_of_x]
    lines = [(unit, x, 1, 1) for unit in x_units] + [(unit, y, 1, 1) for unit in provincial]
    lines += [(city, other, 1, 1)]
    return arrangement_of(bureau, lines), x, y


def test_a_category_bought_by_provincial_and_county_units_scores_higher_than_one_bought_at_one_level():
    """Seed 000 一(三) 以上领下: lower-level units pooled with upper-level ones."""
    arrangement, x, y = level_scene("province+county")
    by_name = {c.stats.name: c for c in batch_candidates(arrangement=arrangement)}
    spread, single = by_name[x.name], by_name[y.name]
    assert (spread.gather, spread.carry, spread.share) == (single.gather, single.carry, single.share)
    assert (spread.levels, single.levels) == (D("50.0"), D("0.0"))  # 2 of the table's 3 levels; 1 level
    assert spread.score - single.score == D("7.5")  # 50.0 × 15%
    assert "采购单位涵盖省级2家、县（市、区）级2家，上下级单位需求可一并归集。" in spread.reasoning
    assert "采购单位均为省级4家（全表涉及3个级次），不计此项。" in single.reasoning
    for candidate in by_name.values():
        assert_reasoning_agrees_with_the_figures(candidate)


def test_a_table_of_one_level_does_not_count_levels_for_anyone():
    arrangement, _, _ = level_scene("province")
    ArrangementLine.objects.filter(arrangement=arrangement, category__code="A02010105").delete()
    ArrangementLine.objects.filter(arrangement=arrangement, unit__region__level="county").delete()
    for candidate in batch_candidates(arrangement=arrangement):
        assert candidate.levels == 0
        assert "级次覆盖（以上领下）：全表单位均为省级单位，不计此项。" in candidate.reasoning


def test_more_units_score_higher_all_else_equal(scene):
    """以少汇多: the part rises with the share of the table's units buying the category."""
    p1, p2, c1, c2, j1 = scene["units"]
    desktop, laptop = scene["categories"][:2]
    arrangement = arrangement_of(scene["bureau"], [
        *[(u, desktop, 1, 1) for u in (p1, p2, c1, c2)], *[(u, laptop, 1, 1) for u in (p1, p2, c1)],
        (j1, scene["categories"][3], 1, 1),
    ], year=2027)
    first, second = batch_candidates(arrangement=arrangement)
    assert (first.stats.code, first.gather, second.gather) == ("A02010105", D("80.0"), D("60.0"))
    assert first.score > second.score


def test_all_large_buyers_carry_no_one():
    """以大带小 needs smaller units beside the large ones: a category bought only at 20万 or more does not count it."""
    bureau = FinanceFactory(name="吉林省财政厅", region=province())
    units = [BudgetUnitFactory(unit_code=f"10100{i}", name=f"省直单位{i}") for i in range(1, 4)]
    car = CategoryFactory(code="A02030501", name="轿车")
    (candidate,) = batch_candidates(arrangement=arrangement_of(bureau, [(u, car, 2, 40) for u in units]))
    assert candidate.carry == 0
    assert "3家单位金额在20万元及以上：" in candidate.reasoning
    assert "；没有20万元以下的单位，不计此项。" in candidate.reasoning
    assert_reasoning_agrees_with_the_figures(candidate)


def test_the_reasoning_names_five_large_buyers_at_most():
    bureau = FinanceFactory(name="吉林省财政厅", region=province())
    units = [BudgetUnitFactory(unit_code=f"10100{i}", name=f"省直单位{i}") for i in range(1, 9)]
    desktop = CategoryFactory(code="A02010105", name="台式计算机")
    lines = [(u, desktop, 1, 20 + i) for i, u in enumerate(units[:7])] + [(units[7], desktop, 1, 1)]
    (candidate,) = batch_candidates(arrangement=arrangement_of(bureau, lines))
    assert [b.name for b in candidate.large_buyers] == ["省直单位7", "省直单位6", "省直单位5", "省直单位4", "省直单位3"]
    assert "省直单位3（22.00万元）等7家；与1家20万元以下的单位同时采购" in candidate.reasoning


def test_too_few_units_are_not_recommended_whatever_the_score(scene):
    p1, p2, desktop = scene["units"][0], scene["units"][1], scene["categories"][0]
    arrangement = arrangement_of(scene["bureau"], [(p1, desktop, 1, 1), (p2, desktop, 1, 2)], year=2027)
    (candidate,) = batch_candidates(arrangement=arrangement)
    assert candidate.score >= RECOMMEND_FROM_SCORE  # 100% of the table's units, all its money
    assert candidate.recommended is False
    assert candidate.reasoning.endswith("仅2家单位安排，不足3家，暂不建议批量集中采购。")


def test_the_reasoning_rounds_amounts_half_up_as_the_tables_do(scene):
    """2.625万元 is 2.63 in the analysis tables (floatformat rounds half up): the reasoning says the same."""
    p1, p2, desktop = scene["units"][0], scene["units"][1], scene["categories"][0]
    arrangement = arrangement_of(scene["bureau"], [(p1, desktop, 1, "1.125"), (p2, desktop, 1, "1.5")], year=2027)
    (candidate,) = batch_candidates(arrangement=arrangement)
    assert "合计2.63万元" in candidate.reasoning


def test_no_catalog_category_means_no_candidates(scene):
    p1, service = scene["units"][0], scene["categories"][3]
    arrangement = arrangement_of(scene["bureau"], [(p1, service, 1, 5)], year=2027)
    assert batch_candidates(arrangement=arrangement) == []


# --- overview, lines and visibility -------------------------------------------------------------------

def test_the_overview_sums_the_whole_table(scene):
    overview = arrangement_overview(arrangement=scene["arrangement"])
    assert (overview.line_count, overview.unit_count, overview.category_count) == (13, 5, 4)
    assert overview.total_amount_wan == D("303.2000")
    assert overview.catalog_amount_wan == D("203.2000")
    assert overview.catalog_category_count == 3
    assert overview.catalog_share == D("67.0")


def test_lines_are_searched_by_unit_or_category(scene):
    arrangement = scene["arrangement"]
    assert arrangement_line_list(arrangement=arrangement, q="吉林市医院").count() == 1
    assert arrangement_line_list(arrangement=arrangement, q="2010").count() == 4  # 201001 and 201002
    assert arrangement_line_list(arrangement=arrangement, q="a0201").count() == 8  # codes A0201…
    assert arrangement_line_list(arrangement=arrangement, q="打印机").count() == 4
    assert arrangement_line_list(arrangement=arrangement).count() == 13


def test_finance_staff_see_the_tables_of_their_region_and_below(scene):
    """procurement/access.py: finance staff see their region and below."""
    province_table = scene["arrangement"]
    city_bureau = FinanceFactory(name="长春市财政局", region=scene["units"][2].region)
    city_table = arrangement_of(city_bureau, [])
    other_city_table = arrangement_of(FinanceFactory(name="吉林市财政局", region=scene["units"][4].region), [])
    assert set(arrangement_list(user=member_of(scene["bureau"]))) == {province_table, city_table, other_city_table}
    assert set(arrangement_list(user=member_of(city_bureau, role=Membership.Role.VIEWER))) == {city_table}
    assert not arrangement_list(user=member_of(scene["units"][0])).exists()
    assert arrangement_list(user=UserFactory(is_superuser=True)).count() == 3


def test_only_writing_members_of_a_bureau_may_import_for_it(scene):
    bureau = scene["bureau"]
    assert list(importable_bureaus(user=member_of(bureau))) == [bureau]
    assert not importable_bureaus(user=member_of(bureau, role=Membership.Role.VIEWER)).exists()
    assert not importable_bureaus(user=member_of(scene["units"][0])).exists()


# --- the Excel export ---------------------------------------------------------------------------------

def exported(arrangement) -> object:
    stream = BytesIO()
    analysis_workbook_write(arrangement=arrangement, stream=stream)
    stream.seek(0)
    return load_workbook(stream)


def test_the_export_has_the_four_sheets_with_chinese_headers(scene):
    workbook = exported(scene["arrangement"])
    assert workbook.sheetnames == ["按品目", "按单位", "按地区", "批量采购建议"]
    categories = workbook["按品目"]
    assert categories["A1"].value == "2026年度部门预算政府采购项目安排情况按品目分析"
    assert [c.value for c in categories[3]][:7] == [
        "品目编码", "品目名称", "纳入政府集中采购目录", "单位数（家）", "条数", "采购数量", "采购金额（万元）"]
    assert [c.value for c in categories[3]][-5:] == [f"{b.label}（家）" for b in AMOUNT_BANDS]
    assert [c.value for c in workbook["按单位"][3]][0:2] == ["单位代码", "预算单位"]
    assert workbook["按地区"]["A3"].value == "地区"
    assert [c.value for c in workbook["批量采购建议"][3]][3:8] == [
        "得分", "单位覆盖（以少汇多，权重50%）", "大额带动（以大带小，权重20%）", "级次覆盖（以上领下，权重15%）",
        "金额占比（资金规模，权重15%）"]
    assert workbook["批量采购建议"]["N3"].value == "分析理由"
    assert workbook["批量采购建议"]["A2"].value.endswith(candidate_rule_text())


def test_the_export_rows_carry_the_analysis_figures_with_number_formats(scene):
    workbook = exported(scene["arrangement"])
    desktop = [c.value for c in workbook["按品目"][4]]
    assert desktop[:7] == ["A02010105", "台式计算机", "是", 5, 6, 313, 187.8]
    assert desktop[-5:] == [1, 2, 0, 1, 1]
    assert workbook["按品目"]["G4"].number_format == "#,##0.00##"
    assert workbook["按品目"]["H4"].number_format == "0.0%"
    assert workbook["按品目"].column_dimensions["B"].width == 26
    assert workbook["按品目"].freeze_panes == "A4"
    assert [c.value for c in workbook["按单位"][4]][:2] == ["202001", "吉林市医院"]
    assert workbook.worksheets[1].max_row == 3 + 5
    assert [c.value for c in workbook["按地区"][4]][:3] == ["吉林省本级", 2, 8]
    first = [c.value for c in workbook["批量采购建议"][4]]
    desktop = batch_candidates(arrangement=scene["arrangement"])[0]
    assert first[:8] == [1, "A02010105", "台式计算机", 94.3, 100, 100, 100, 61.9]  # the page's score and parts
    assert first[12] == "是" and first[13] == desktop.reasoning
    assert workbook["批量采购建议"]["N4"].alignment.wrap_text is True


def test_the_export_file_name_names_year_and_bureau(scene):
    assert analysis_export_filename(scene["arrangement"]) == "2026年度安排情况表分析_吉林省财政厅.xlsx"
