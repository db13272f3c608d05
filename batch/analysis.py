"""Reads of the arrangement table, and its three-dimension analysis (品目、预算金额、采购单位).

Seed 000 三(一)1(1) 拟定项目: the centralized procurement agency analyses finance's arrangement
table along three dimensions — category, budget amount and purchasing unit — and proposes the
categories to procure in batches. Seed 000 二(一): batch procurement is for categories inside the
government centralized catalog. Seed 000 一(一)–(三) says what makes a category worth a batch: many
units buying the same thing (以少汇多), large buyers carrying small ones (以大带小), lower-level units
pooled with upper-level ones (以上领下). The score of ``batch_candidates`` rises with each of them and
with the category's share of the money; every sentence of its reasoning is generated from the same
figures the tables show (issue 7 point 9).

Every figure here comes from aggregate queries (GROUP BY in the database); Python only loops over
the result rows (one per category, unit or region), never over the table's lines.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Case, Count, DecimalField, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from batch.models import Arrangement, ArrangementLine
from procurement import access, formats
from procurement.models import Organization, Region

WAN = Decimal("0.0001")  # 万元 to four places
ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


# --- amount bands (预算金额维度), declared once --------------------------------------------------

@dataclass(frozen=True)
class AmountBand:
    """A band of one unit's amount for one category, in 万元: low ≤ amount < high."""

    key: str
    label: str
    low_wan: int | None
    high_wan: int | None


AMOUNT_BANDS = (
    AmountBand("under_1", "不足1万元", None, 1),
    AmountBand("1_to_5", "1万–5万元", 1, 5),
    AmountBand("5_to_20", "5万–20万元", 5, 20),
    AmountBand("20_to_100", "20万–100万元", 20, 100),
    AmountBand("100_up", "100万元及以上", 100, None),
)
SMALL_BELOW_WAN = 5  # a unit's amount under this is small and scattered (小额零星)
LARGE_FROM_WAN = 20  # a unit's amount from this on can carry small ones (以大带小)
SMALL_BANDS = tuple(i for i, b in enumerate(AMOUNT_BANDS) if b.high_wan is not None and b.high_wan <= SMALL_BELOW_WAN)
LARGE_BANDS = tuple(i for i, b in enumerate(AMOUNT_BANDS) if b.low_wan is not None and b.low_wan >= LARGE_FROM_WAN)

# The batch-candidate score (0–100), transparent: four parts, each 0–100, weighted (the weights add up to 100).
# Seed 000 一(一)–(三); the page, the export and every reasoning state them as declared here.
MIN_UNITS = 3  # fewer units than this have nothing to gather: never recommended
WEIGHT_GATHER = 50  # 单位覆盖（以少汇多）: units buying the category ÷ units in the whole table × 100
WEIGHT_CARRY = 20  # 大额带动（以大带小）: 100 when units at ≥ LARGE_FROM_WAN buy it together with smaller ones
WEIGHT_LEVELS = 15  # 级次覆盖（以上领下）: (its units' levels − 1) ÷ (the table's levels − 1) × 100
WEIGHT_SHARE = 15  # 金额占比: the category's share of the table's money, in %
RECOMMEND_FROM_SCORE = 20  # recommended: at least MIN_UNITS units and a score of at least this
LARGE_NAMES_SHOWN = 5  # the reasoning names this many of a category's large buyers, largest first
SCORE_PARTS = (  # (key, label, principle, weight): the page's chart and explanation, the export's columns
    ("gather", "单位覆盖", "以少汇多", WEIGHT_GATHER),
    ("carry", "大额带动", "以大带小", WEIGHT_CARRY),
    ("levels", "级次覆盖", "以上领下", WEIGHT_LEVELS),
    ("share", "金额占比", "资金规模", WEIGHT_SHARE),
)
LEVELS = (Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY)  # upper to lower


# --- what the user may see ------------------------------------------------------------------------

def arrangement_list(*, user) -> QuerySet[Arrangement]:
    """Finance staff see the tables of their bureau's region and below; the center sees the tables of
    its own level (seed 000 三(一)1(1): finance gives its table to 本级集中采购机构, which analyses it);
    a superuser sees all."""
    qs = Arrangement.objects.select_related("finance_bureau", "finance_bureau__region", "imported_by")
    if access.is_superuser(user):
        return qs
    q = access.under_regions("finance_bureau__region__path", access.region_paths(user, kind=Organization.Kind.FINANCE))
    for path in access.region_paths(user, kind=Organization.Kind.CENTER):
        q |= Q(finance_bureau__region__path=path)
    return qs.filter(q)


def importable_bureaus(*, user) -> QuerySet[Organization]:
    """The finance bureaus ``user`` may import a table for: those they act for with write rights."""
    bureaus = Organization.objects.filter(kind=Organization.Kind.FINANCE, is_active=True).select_related("region")
    if access.is_superuser(user):
        return bureaus
    return bureaus.filter(pk__in=access.org_ids(user, kind=Organization.Kind.FINANCE, write=True))


IMPORT_REFUSED = "只有财政部门经办人可以导入安排情况表。"


def import_bureaus_required(*, user) -> QuerySet[Organization]:
    """``importable_bureaus``, or 403 when there is none: the upload's door on the page and in the API alike,
    asked before the file is read (issue 8 point 4)."""
    bureaus = importable_bureaus(user=user)
    if not bureaus.exists():
        raise PermissionDenied(IMPORT_REFUSED)
    return bureaus


def arrangement_line_list(*, arrangement: Arrangement, q: str = "") -> QuerySet[ArrangementLine]:
    """The table's lines in file order, searchable by unit code or name and category code or name."""
    lines = arrangement.lines.select_related("unit", "unit__region", "category").order_by("row_number", "pk")
    q = q.strip()
    if q:
        lines = lines.filter(
            Q(unit__unit_code__startswith=q) | Q(unit__name__contains=q)
            | Q(category__code__startswith=q.upper()) | Q(category__name__contains=q)
        )
    return lines


# --- the overview -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Overview:
    line_count: int
    unit_count: int
    category_count: int
    total_quantity: Decimal
    total_amount_wan: Decimal
    catalog_amount_wan: Decimal  # inside the government centralized catalog
    catalog_category_count: int

    @property
    def catalog_share(self) -> Decimal:
        return _percent(self.catalog_amount_wan, self.total_amount_wan)


def arrangement_overview(*, arrangement: Arrangement) -> Overview:
    in_catalog = Q(category__in_centralized_catalog=True)
    row = ArrangementLine.objects.filter(arrangement=arrangement).aggregate(
        line_count=Count("id"),
        unit_count=Count("unit_id", distinct=True),
        category_count=Count("category_id", distinct=True),
        total_quantity=Coalesce(Sum("quantity"), Value(ZERO), output_field=DecimalField()),
        total_amount_wan=Coalesce(Sum("amount_wan"), Value(ZERO), output_field=DecimalField()),
        catalog_amount_wan=Coalesce(Sum("amount_wan", filter=in_catalog), Value(ZERO), output_field=DecimalField()),
        catalog_category_count=Count("category_id", distinct=True, filter=in_catalog),
    )
    return Overview(**{k: _dec(v) if isinstance(v, Decimal | float) else v for k, v in row.items()})


# --- 品目 (category) ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryStats:
    category_id: int
    code: str
    name: str
    in_centralized_catalog: bool
    line_count: int
    unit_count: int
    total_quantity: Decimal
    total_amount_wan: Decimal
    share: Decimal  # % of the table's total amount
    average_per_unit_wan: Decimal
    median_per_unit_wan: Decimal
    min_per_unit_wan: Decimal
    max_per_unit_wan: Decimal
    band_units: tuple[int, ...]  # units per AMOUNT_BANDS, by each unit's total for this category
    level_units: tuple[int, ...] = (0, 0, 0)  # units per LEVELS (省级, 市（州）级, 县（市、区）级)

    @property
    def small_units(self) -> int:
        return sum(self.band_units[i] for i in SMALL_BANDS)

    @property
    def large_units(self) -> int:
        return sum(self.band_units[i] for i in LARGE_BANDS)


def category_analysis(*, arrangement: Arrangement) -> list[CategoryStats]:
    """Per category: totals, units, lines, average and median per unit, units per amount band."""
    totals = (
        ArrangementLine.objects.filter(arrangement=arrangement)
        .values("category_id", "category__code", "category__name", "category__in_centralized_catalog")
        .annotate(line_count=Count("id"), unit_count=Count("unit_id", distinct=True),
                  total_quantity=Sum("quantity"), total_amount_wan=Sum("amount_wan"))
        .order_by("-total_amount_wan", "category__code")
    )
    profiles = _unit_profiles(arrangement.pk)
    grand_total = sum((_dec(row["total_amount_wan"]) for row in totals), ZERO)
    result = []
    for row in totals:
        profile = profiles[row["category_id"]]
        amount = _dec(row["total_amount_wan"])
        result.append(CategoryStats(
            category_id=row["category_id"],
            code=row["category__code"],
            name=row["category__name"],
            in_centralized_catalog=row["category__in_centralized_catalog"],
            line_count=row["line_count"],
            unit_count=row["unit_count"],
            total_quantity=_dec(row["total_quantity"]),
            total_amount_wan=amount,
            share=_percent(amount, grand_total),
            average_per_unit_wan=(amount / row["unit_count"]).quantize(WAN, ROUND_HALF_UP),
            median_per_unit_wan=profile.median,
            min_per_unit_wan=profile.minimum,
            max_per_unit_wan=profile.maximum,
            band_units=profile.bands,
            level_units=profile.levels,
        ))
    return result


@dataclass(frozen=True)
class _UnitProfile:
    minimum: Decimal
    maximum: Decimal
    median: Decimal
    bands: tuple[int, ...]
    levels: tuple[int, ...]


def _unit_profiles(arrangement_id: int) -> dict[int, _UnitProfile]:
    """Per category, over each unit's total for it: min, max, median, the units per band and per level.

    Two levels of grouping (unit within category, then category) and a median: one SQL statement
    with window functions, which both SQLite (≥ 3.25) and PostgreSQL run.
    """
    qn = connection.ops.quote_name
    bands_sql, params = [], []
    for band in AMOUNT_BANDS:
        conditions = []
        if band.low_wan is not None:
            conditions.append("amount >= %s")
            params.append(band.low_wan)
        if band.high_wan is not None:
            conditions.append("amount < %s")
            params.append(band.high_wan)
        bands_sql.append(f"SUM(CASE WHEN {' AND '.join(conditions)} THEN 1 ELSE 0 END)")
    levels_sql = []
    for level in LEVELS:
        levels_sql.append("SUM(CASE WHEN unit_level = %s THEN 1 ELSE 0 END)")
        params.append(str(level))
    line, organization, region = (qn(m._meta.db_table) for m in (ArrangementLine, Organization, Region))
    sql = f"""
        WITH per_unit AS (
            SELECT l.{qn("category_id")} AS category_id, l.{qn("unit_id")} AS unit_id,
                   MAX(r.{qn("level")}) AS unit_level, SUM(l.{qn("amount_wan")}) AS amount
            FROM {line} l
            JOIN {organization} o ON o.{qn("id")} = l.{qn("unit_id")}
            LEFT JOIN {region} r ON r.{qn("id")} = o.{qn("region_id")}
            WHERE l.{qn("arrangement_id")} = %s
            GROUP BY l.{qn("category_id")}, l.{qn("unit_id")}
        ), ranked AS (
            SELECT category_id, amount, unit_level,
                   ROW_NUMBER() OVER (PARTITION BY category_id ORDER BY amount, unit_id) AS rn,
                   COUNT(*) OVER (PARTITION BY category_id) AS n_units
            FROM per_unit
        )
        SELECT category_id, MIN(amount), MAX(amount),
               AVG(CASE WHEN rn IN ((n_units + 1) / 2, (n_units + 2) / 2) THEN amount END),
               {", ".join(bands_sql)}, {", ".join(levels_sql)}
        FROM ranked
        GROUP BY category_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [arrangement_id, *params])
        rows = cursor.fetchall()
    bands = len(AMOUNT_BANDS)
    return {
        row[0]: _UnitProfile(minimum=_dec(row[1]), maximum=_dec(row[2]), median=_dec(row[3]),
                             bands=tuple(int(n) for n in row[4:4 + bands]),
                             levels=tuple(int(n) for n in row[4 + bands:]))
        for row in rows
    }


# --- 采购单位 (unit) ---------------------------------------------------------------------------------

def unit_totals(*, arrangement: Arrangement) -> QuerySet:
    """Per budget unit (a values() queryset, to paginate or stream): lines, categories, totals."""
    in_catalog = Q(category__in_centralized_catalog=True)
    return (
        ArrangementLine.objects.filter(arrangement=arrangement)
        .values("unit_id", "unit__unit_code", "unit__name", "unit__region__name")
        .annotate(
            line_count=Count("id"),
            category_count=Count("category_id", distinct=True),
            total_quantity=Sum("quantity"),
            total_amount_wan=Sum("amount_wan"),
            catalog_amount_wan=Coalesce(Sum("amount_wan", filter=in_catalog), Value(ZERO),
                                        output_field=DecimalField(max_digits=18, decimal_places=4)),
        )
        .order_by("-total_amount_wan", "unit__unit_code")
    )


# --- 地区 (region) -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegionStats:
    region_id: int | None  # None: the bureau's own level (本级)
    name: str
    unit_count: int
    line_count: int
    category_count: int
    total_quantity: Decimal
    total_amount_wan: Decimal
    catalog_amount_wan: Decimal
    share: Decimal


def region_level_label(arrangement: Arrangement) -> str:
    return {
        Region.Level.PROVINCE: "市（州）",
        Region.Level.PREFECTURE: "县（市、区）",
    }.get(arrangement.finance_bureau.region.level, "本级")


def region_analysis(*, arrangement: Arrangement) -> list[RegionStats]:
    """Per region one level below the bureau's (a province's prefectures, a prefecture's counties).

    A unit at the bureau's own level counts under "<region>本级".
    """
    region = arrangement.finance_bureau.region
    level = Region.Level
    if region.level == level.PROVINCE:
        key = Case(When(unit__region__level=level.PREFECTURE, then=F("unit__region_id")),
                   When(unit__region__level=level.COUNTY, then=F("unit__region__parent_id")),
                   default=Value(None), output_field=IntegerField())
    elif region.level == level.PREFECTURE:
        key = Case(When(unit__region__level=level.COUNTY, then=F("unit__region_id")),
                   default=Value(None), output_field=IntegerField())
    else:
        key = Value(None, output_field=IntegerField())
    rows = list(
        ArrangementLine.objects.filter(arrangement=arrangement)
        .annotate(region_key=key)
        .values("region_key")
        .annotate(
            unit_count=Count("unit_id", distinct=True), line_count=Count("id"),
            category_count=Count("category_id", distinct=True),
            total_quantity=Sum("quantity"), total_amount_wan=Sum("amount_wan"),
            catalog_amount_wan=Sum("amount_wan", filter=Q(category__in_centralized_catalog=True)),
        )
        .order_by("-total_amount_wan")
    )
    names = Region.objects.in_bulk([r["region_key"] for r in rows if r["region_key"] is not None])
    grand_total = sum((_dec(r["total_amount_wan"]) for r in rows), ZERO)
    result = [
        RegionStats(
            region_id=r["region_key"],
            name=names[r["region_key"]].name if r["region_key"] in names else f"{region.name}本级",
            unit_count=r["unit_count"], line_count=r["line_count"], category_count=r["category_count"],
            total_quantity=_dec(r["total_quantity"]), total_amount_wan=_dec(r["total_amount_wan"]),
            catalog_amount_wan=_dec(r["catalog_amount_wan"]),
            share=_percent(_dec(r["total_amount_wan"]), grand_total),
        )
        for r in rows
    ]
    # Largest first; the bureau's own level (本级) leads, as in finance's own reports.
    return sorted(result, key=lambda s: (s.region_id is not None, -s.total_amount_wan, s.name))


# --- 批量采购建议 (batch candidates) -------------------------------------------------------------------

@dataclass(frozen=True)
class LargeBuyer:
    """A unit whose total for a category is at least LARGE_FROM_WAN (以大带小), named in the reasoning."""

    name: str
    amount_wan: Decimal


@dataclass(frozen=True)
class Candidate:
    rank: int
    stats: CategoryStats
    table_unit_count: int  # units in the whole table: the denominator of 单位覆盖
    gather: Decimal  # 单位覆盖（以少汇多）0–100
    carry: Decimal  # 大额带动（以大带小）0 or 100
    levels: Decimal  # 级次覆盖（以上领下）0–100
    score: Decimal
    recommended: bool
    reasoning: str
    large_buyers: tuple[LargeBuyer, ...] = ()  # the largest LARGE_NAMES_SHOWN, largest first

    @property
    def share(self) -> Decimal:
        """金额占比: the category's share of the table's money, as the by-category table shows it."""
        return self.stats.share

    @property
    def parts(self) -> tuple[tuple[str, str, str, int, Decimal], ...]:
        """(key, label, principle, weight, value) for each part of the score, in SCORE_PARTS order."""
        values = {"gather": self.gather, "carry": self.carry, "levels": self.levels, "share": self.share}
        return tuple((key, label, principle, weight, values[key]) for key, label, principle, weight in SCORE_PARTS)


def batch_candidates(*, arrangement: Arrangement, categories: list[CategoryStats] | None = None,
                     table_unit_count: int | None = None) -> list[Candidate]:
    """The categories inside the centralized catalog, ranked as batch candidates, with the reasoning.

    score = 单位覆盖 × WEIGHT_GATHER% + 大额带动 × WEIGHT_CARRY% + 级次覆盖 × WEIGHT_LEVELS% + 金额占比 × WEIGHT_SHARE%
    (each part 0–100, as shown: to one decimal); recommended with at least MIN_UNITS units and a score of
    at least RECOMMEND_FROM_SCORE.
    """
    if categories is None:
        categories = category_analysis(arrangement=arrangement)
    in_catalog = [c for c in categories if c.in_centralized_catalog]
    if not in_catalog:
        return []
    if table_unit_count is None:
        table_unit_count = ArrangementLine.objects.filter(arrangement=arrangement).aggregate(
            n=Count("unit_id", distinct=True))["n"]
    # The levels of government present in the table (all its categories): what 以上领下 can span.
    table_levels = sum(1 for i in range(len(LEVELS)) if any(c.level_units[i] for c in categories))
    large = _large_buyers(arrangement.pk, [c.category_id for c in in_catalog if c.large_units])
    scored = []
    for stats in in_catalog:
        gather = _percent(Decimal(stats.unit_count), Decimal(table_unit_count))
        carry = (HUNDRED if _carries(stats) else ZERO).quantize(ONE_DECIMAL)
        levels = _level_spread(stats, table_levels)
        score = ((gather * WEIGHT_GATHER + carry * WEIGHT_CARRY + levels * WEIGHT_LEVELS
                  + stats.share * WEIGHT_SHARE) / 100).quantize(ONE_DECIMAL, ROUND_HALF_UP)
        recommended = stats.unit_count >= MIN_UNITS and score >= RECOMMEND_FROM_SCORE
        scored.append((stats, gather, carry, levels, score, recommended))
    scored.sort(key=lambda s: (-s[4], -s[0].total_amount_wan, s[0].code))
    candidates = []
    for rank, (stats, gather, carry, levels, score, recommended) in enumerate(scored, start=1):
        candidate = Candidate(rank=rank, stats=stats, table_unit_count=table_unit_count, gather=gather,
                              carry=carry, levels=levels.quantize(ONE_DECIMAL), score=score, recommended=recommended,
                              reasoning="", large_buyers=tuple(large.get(stats.category_id, ())))
        candidates.append(replace(candidate, reasoning=_reasoning(candidate, table_levels)))
    return candidates


def candidate_rule_text() -> str:
    """How candidates are scored and recommended, in Chinese: the page and the export say it in these words."""
    definitions = {
        "gather": "采购该品目的单位数 ÷ 全表单位数 × 100",
        "carry": f"同时有金额{LARGE_FROM_WAN}万元及以上和{LARGE_FROM_WAN}万元以下的单位时为100，否则为0",
        "levels": "采购单位涉及的行政级次数减1，除以全表涉及的级次数减1，× 100",
        "share": "该品目占全表采购金额的百分比",
    }
    formula = " + ".join(f"{label}（{principle}：{definitions[key]}）× {weight}%"
                         for key, label, principle, weight in SCORE_PARTS)
    return (f"仅列纳入政府集中采购目录的品目；单位金额按各单位该品目金额合计计算。得分 = {formula}。"
            f"单位数不少于{MIN_UNITS}家且得分不低于{RECOMMEND_FROM_SCORE}分的，建议纳入批量集中采购。")


def _carries(stats: CategoryStats) -> bool:
    """以大带小: units at LARGE_FROM_WAN or more and units below it buy the category together."""
    return 0 < stats.large_units < stats.unit_count


def _level_spread(stats: CategoryStats, table_levels: int) -> Decimal:
    """以上领下: how many of the table's levels of government its units span beyond one, as 0–100."""
    levels = sum(1 for n in stats.level_units if n)
    if table_levels <= 1 or levels <= 1:
        return ZERO.quantize(ONE_DECIMAL)
    return _percent(Decimal(levels - 1), Decimal(table_levels - 1))


def _large_buyers(arrangement_id: int, category_ids: list[int]) -> dict[int, list[LargeBuyer]]:
    """Per category, its LARGE_NAMES_SHOWN largest units at LARGE_FROM_WAN or more: one statement."""
    if not category_ids:
        return {}
    qn = connection.ops.quote_name
    line, organization = qn(ArrangementLine._meta.db_table), qn(Organization._meta.db_table)
    marks = ", ".join(["%s"] * len(category_ids))
    sql = f"""
        WITH per_unit AS (
            SELECT {qn("category_id")} AS category_id, {qn("unit_id")} AS unit_id, SUM({qn("amount_wan")}) AS amount
            FROM {line}
            WHERE {qn("arrangement_id")} = %s AND {qn("category_id")} IN ({marks})
            GROUP BY {qn("category_id")}, {qn("unit_id")}
            HAVING SUM({qn("amount_wan")}) >= %s
        ), ranked AS (
            SELECT category_id, unit_id, amount,
                   ROW_NUMBER() OVER (PARTITION BY category_id ORDER BY amount DESC, unit_id) AS rn
            FROM per_unit
        )
        SELECT ranked.category_id, o.{qn("name")}, ranked.amount
        FROM ranked JOIN {organization} o ON o.{qn("id")} = ranked.unit_id
        WHERE ranked.rn <= %s
        ORDER BY ranked.category_id, ranked.rn
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [arrangement_id, *category_ids, LARGE_FROM_WAN, LARGE_NAMES_SHOWN])
        rows = cursor.fetchall()
    found: dict[int, list[LargeBuyer]] = {}
    for category_id, name, amount in rows:
        found.setdefault(category_id, []).append(LargeBuyer(name, _dec(amount)))
    return found


def _levels_text(stats: CategoryStats) -> str:
    return "、".join(f"{level.label}{n}家" for level, n in zip(LEVELS, stats.level_units, strict=True) if n)


def _reasoning(candidate: Candidate, table_levels: int) -> str:
    """Every sentence from the figures of ``candidate`` (those of the tables beside it) and the declared thresholds.

    A sentence names a part of the score (and its principle), states the figures it rests on, and draws
    only the conclusion those figures allow; the last sentence applies MIN_UNITS and RECOMMEND_FROM_SCORE.
    """
    stats = candidate.stats
    n, total = stats.unit_count, candidate.table_unit_count
    parts = [
        f"纳入政府集中采购目录；共{n}家单位安排{stats.line_count}条，合计{wan_text(stats.total_amount_wan)}万元"
        f"（占全表{stats.share}%），单位平均{wan_text(stats.average_per_unit_wan)}万元、中位数"
        f"{wan_text(stats.median_per_unit_wan)}万元。"
    ]
    small = f"，其中{stats.small_units}家金额不足{SMALL_BELOW_WAN}万元" if stats.small_units else ""
    parts.append(f"单位覆盖（以少汇多）：{n}家单位采购，占全表{total}家单位的{candidate.gather}%{small}。")

    large = stats.large_units
    if large:
        names = "、".join(f"{b.name}（{wan_text(b.amount_wan)}万元）" for b in candidate.large_buyers)
        more = f"等{large}家" if large > len(candidate.large_buyers) else ""
        head = f"大额带动（以大带小）：{large}家单位金额在{LARGE_FROM_WAN}万元及以上：{names}{more}"
        if candidate.carry:
            parts.append(f"{head}；与{n - large}家{LARGE_FROM_WAN}万元以下的单位同时采购，可以大带小。")
        else:
            parts.append(f"{head}；没有{LARGE_FROM_WAN}万元以下的单位，不计此项。")
    else:
        parts.append(f"大额带动（以大带小）：各单位金额均不足{LARGE_FROM_WAN}万元"
                     f"（最高{wan_text(stats.max_per_unit_wan)}万元），不计此项。")

    spread = sum(1 for count in stats.level_units if count)
    if table_levels <= 1:
        level = next((level.label for level, count in zip(LEVELS, stats.level_units, strict=True) if count), "同一级次")
        parts.append(f"级次覆盖（以上领下）：全表单位均为{level}单位，不计此项。")
    elif spread > 1:
        parts.append(f"级次覆盖（以上领下）：采购单位涵盖{_levels_text(stats)}，上下级单位需求可一并归集。")
    else:
        parts.append(f"级次覆盖（以上领下）：采购单位均为{_levels_text(stats)}（全表涉及{table_levels}个级次），"
                     "不计此项。")

    parts.append(
        "得分 = " + " + ".join(f"{label}{value}×{weight}%" for _, label, _, weight, value in candidate.parts)
        + f" = {candidate.score}。"
    )
    if n < MIN_UNITS:
        parts.append(f"仅{n}家单位安排，不足{MIN_UNITS}家，暂不建议批量集中采购。")
    elif candidate.recommended:
        parts.append(f"共{n}家单位（不少于{MIN_UNITS}家），得分{candidate.score}不低于建议线{RECOMMEND_FROM_SCORE}分，"
                     "建议纳入批量集中采购。")
    else:
        parts.append(f"得分{candidate.score}低于建议线{RECOMMEND_FROM_SCORE}分，暂不建议批量集中采购。")
    return "".join(parts)


# --- charts (issue 7 point 9: finance would rather look first) ------------------------------------------

CHARTED_CATEGORIES = 10  # the money and amount-band charts show the largest categories; the rest as one bar
CHARTED_CANDIDATES = 10


def _chartwan_text(value: Decimal) -> float:
    """万元 rounded as the tables beside the charts show them (two places, half up)."""
    return float(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def analysis_charts(*, categories: list[CategoryStats], regions: list[RegionStats],
                    candidates: list[Candidate]) -> dict:
    """The figures the analysis page draws (passed with ``json_script``; drawn by static/js/charts.js).

    The same figures as the tables beside the charts, rounded the same way; labels in Chinese.
    """
    top, rest = categories[:CHARTED_CATEGORIES], categories[CHARTED_CATEGORIES:]
    money = [{"name": c.name, "code": c.code, "amount": _chartwan_text(c.total_amount_wan), "share": float(c.share),
              "catalog": c.in_centralized_catalog} for c in top]
    if rest:
        rest_amount = sum((c.total_amount_wan for c in rest), ZERO)
        money.append({"name": f"其余{len(rest)}个品目", "code": "", "amount": _chartwan_text(rest_amount),
                      "share": float(sum((c.share for c in rest), ZERO)), "catalog": None})
    scored = candidates[:CHARTED_CANDIDATES]
    return {
        "categories": {"items": money, "shown": len(top), "total": len(categories)},
        "bands": {
            "labels": [band.label for band in AMOUNT_BANDS],
            "categories": [c.name for c in top],
            "units": [[c.band_units[i] for c in top] for i in range(len(AMOUNT_BANDS))],
        },
        "regions": [{"name": r.name, "amount": _chartwan_text(r.total_amount_wan), "share": float(r.share)}
                    for r in regions],
        "scores": {
            "parts": [{"label": f"{label}（{principle}）", "weight": weight}
                      for _, label, principle, weight in SCORE_PARTS],
            "threshold": RECOMMEND_FROM_SCORE,
            "items": [{"name": c.stats.name, "score": float(c.score), "recommended": c.recommended,
                       "values": [float(value) for *_, value in c.parts],
                       "points": [float((value * weight / 100).quantize(Decimal("0.01"), ROUND_HALF_UP))
                                  for _, _, _, weight, value in c.parts]}
                      for c in scored],
            "shown": len(scored), "total": len(candidates),
        },
    }


# --- helpers ----------------------------------------------------------------------------------

def _dec(value) -> Decimal:
    """An aggregate in 万元 as a Decimal to four places (SQLite sums decimals as floats)."""
    if value is None:
        return ZERO.quantize(WAN)
    if not isinstance(value, Decimal):
        value = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return value.quantize(WAN, ROUND_HALF_UP)


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return ZERO.quantize(ONE_DECIMAL)
    return (part * HUNDRED / whole).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def wan_text(value) -> str:
    """万元 as the analysis writes it everywhere (tables, reasoning, charts): two places, half up, grouped by 3.

    Half up, as Django's floatformat (a bare format would round half to even): ``procurement.formats.amount``.
    """
    return formats.amount(value)

