"""Reads of the arrangement table, and its three-dimension analysis (品目、预算金额、采购单位).

Seed 000 三(一)1(1) 拟定项目: the centralized procurement agency analyses finance's arrangement
table along three dimensions — category, budget amount and purchasing unit — and proposes the
categories to procure in batches. Seed 000 二(一): batch procurement is for categories inside the
government centralized catalog; gathering many units' small, scattered purchases into one batch
(以少汇多) and letting large purchasers carry small ones (以大带小) is what makes it pay.

Every figure here comes from aggregate queries (GROUP BY in the database); Python only loops over
the result rows (one per category, unit or region), never over the table's lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Case, Count, DecimalField, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from batch.models import Arrangement, ArrangementLine
from procurement import access
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

# The batch-candidate score (0–100), transparent: each part is shown with its weight.
MIN_UNITS = 3  # fewer units than this have nothing to gather
WEIGHT_BREADTH = 50  # 单位覆盖度: this category's units ÷ the most units of any catalog category
WEIGHT_SMALL = 30  # 小额单位占比: share of its units under SMALL_BELOW_WAN
WEIGHT_MIX = 20  # 大小搭配: 100 when large and small units both buy it, else 0
RECOMMEND_SMALL_SHARE = 50  # recommended with ≥ MIN_UNITS units and half of them small, or a large/small mix


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
        ))
    return result


@dataclass(frozen=True)
class _UnitProfile:
    minimum: Decimal
    maximum: Decimal
    median: Decimal
    bands: tuple[int, ...]


def _unit_profiles(arrangement_id: int) -> dict[int, _UnitProfile]:
    """Per category, over each unit's total for it: min, max, median and the units per band.

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
    sql = f"""
        WITH per_unit AS (
            SELECT {qn("category_id")} AS category_id, {qn("unit_id")} AS unit_id, SUM({qn("amount_wan")}) AS amount
            FROM {qn(ArrangementLine._meta.db_table)}
            WHERE {qn("arrangement_id")} = %s
            GROUP BY {qn("category_id")}, {qn("unit_id")}
        ), ranked AS (
            SELECT category_id, amount,
                   ROW_NUMBER() OVER (PARTITION BY category_id ORDER BY amount, unit_id) AS rn,
                   COUNT(*) OVER (PARTITION BY category_id) AS n_units
            FROM per_unit
        )
        SELECT category_id, MIN(amount), MAX(amount),
               AVG(CASE WHEN rn IN ((n_units + 1) / 2, (n_units + 2) / 2) THEN amount END),
               {", ".join(bands_sql)}
        FROM ranked
        GROUP BY category_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [arrangement_id, *params])
        rows = cursor.fetchall()
    return {
        row[0]: _UnitProfile(minimum=_dec(row[1]), maximum=_dec(row[2]), median=_dec(row[3]),
                             bands=tuple(int(n) for n in row[4:]))
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
class Candidate:
    rank: int
    stats: CategoryStats
    breadth: Decimal  # 单位覆盖度 0–100
    small_share: Decimal  # 小额单位占比 0–100
    mix: Decimal  # 大小搭配 0 or 100
    score: Decimal
    recommended: bool
    reasoning: str


def batch_candidates(*, arrangement: Arrangement, categories: list[CategoryStats] | None = None) -> list[Candidate]:
    """The categories inside the centralized catalog, ranked as batch candidates, with the reasoning.

    score = 单位覆盖度 × 50% + 小额单位占比 × 30% + 大小搭配 × 20% (see the weights above).
    """
    if categories is None:
        categories = category_analysis(arrangement=arrangement)
    in_catalog = [c for c in categories if c.in_centralized_catalog]
    if not in_catalog:
        return []
    most_units = max(c.unit_count for c in in_catalog)
    scored = []
    for stats in in_catalog:
        breadth = _percent(Decimal(stats.unit_count), Decimal(most_units))
        small_share = _percent(Decimal(stats.small_units), Decimal(stats.unit_count))
        mixed = stats.unit_count >= MIN_UNITS and stats.small_units > 0 and stats.large_units > 0
        mix = HUNDRED if mixed else ZERO
        score = ((breadth * WEIGHT_BREADTH + small_share * WEIGHT_SMALL + mix * WEIGHT_MIX) / 100).quantize(
            ONE_DECIMAL, ROUND_HALF_UP)
        recommended = stats.unit_count >= MIN_UNITS and (small_share >= RECOMMEND_SMALL_SHARE or mixed)
        scored.append((stats, breadth, small_share, mix, score, recommended))
    scored.sort(key=lambda s: (-s[4], -s[0].total_amount_wan, s[0].code))
    return [
        Candidate(rank=rank, stats=stats, breadth=breadth, small_share=small_share, mix=mix, score=score,
                  recommended=recommended,
                  reasoning=_reasoning(stats, breadth, small_share, mix, score, recommended, most_units))
        for rank, (stats, breadth, small_share, mix, score, recommended) in enumerate(scored, start=1)
    ]


def _reasoning(stats: CategoryStats, breadth: Decimal, small_share: Decimal, mix: Decimal, score: Decimal,
               recommended: bool, most_units: int) -> str:
    parts = [
        f"纳入政府集中采购目录；共{stats.unit_count}家单位安排{stats.line_count}条，"
        f"合计{_wan(stats.total_amount_wan)}万元（占全表{stats.share}%），"
        f"单位平均{_wan(stats.average_per_unit_wan)}万元、中位数{_wan(stats.median_per_unit_wan)}万元。"
    ]
    if stats.small_units:
        gathered = "，小额分散，汇总后可形成批量规模（以少汇多）" if stats.unit_count >= MIN_UNITS else ""
        parts.append(f"其中{stats.small_units}家（{small_share}%）单位金额不足{SMALL_BELOW_WAN}万元{gathered}。")
    else:
        parts.append(f"没有单位金额不足{SMALL_BELOW_WAN}万元。")
    if mix:
        parts.append(f"另有{stats.large_units}家单位金额在{LARGE_FROM_WAN}万元及以上"
                     f"（最高{_wan(stats.max_per_unit_wan)}万元），可带动小额单位共同采购（以大带小）。")
    parts.append(f"得分 = 单位覆盖度{breadth}（{stats.unit_count}÷{most_units}家）×{WEIGHT_BREADTH}% + "
                 f"小额单位占比{small_share}×{WEIGHT_SMALL}% + 大小搭配{mix.quantize(ONE_DECIMAL)}×{WEIGHT_MIX}% "
                 f"= {score}。")
    if recommended:
        parts.append("建议纳入批量集中采购。")
    elif stats.unit_count < MIN_UNITS:
        parts.append(f"仅{stats.unit_count}家单位安排，不足{MIN_UNITS}家，暂不建议批量集中采购。")
    else:
        parts.append("小额单位不足一半且没有大额单位带动，批量集中采购的规模效益有限，暂不建议。")
    return "".join(parts)


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


def _wan(value: Decimal) -> str:
    # Half up, as the tables beside the reasoning show it (a bare format would round half to even).
    return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"
