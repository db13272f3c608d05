"""Benchmarks (`make bench`): print the figures; they are measurements, not pass/fail unit tests.

Runs against a throw-away test database on whatever DATABASE_URL points at (SQLite by default,
PostgreSQL in production-like runs).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    os.environ.setdefault("ALLOW_INSECURE_KEY", "1")
    import django

    django.setup()


def timed(fn: Callable[[], object], *, repeat: int = 7) -> tuple[float, float]:
    """(median, best) wall time in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)


def build_project(units: int, lots: int = 3):
    from procurement.models import EligibleUnit, Lot, Organization, SubPlan
    from tests.factories import CenterFactory, ProjectFactory, province

    region = province()
    project = ProjectFactory(organizer=CenterFactory())
    lot_rows = Lot.objects.bulk_create([Lot(project=project, number=n, name=f"配置{n}") for n in range(1, lots + 1)])
    base = Organization.objects.count()
    orgs = Organization.objects.bulk_create([
        Organization(kind=Organization.Kind.BUDGET_UNIT, name=f"基准预算单位{base + i}", region=region,
                     unit_code=f"B{project.pk:04d}{i:06d}")
        for i in range(units)
    ], batch_size=1000)
    EligibleUnit.objects.bulk_create([EligibleUnit(project=project, unit=o) for o in orgs], batch_size=1000)
    SubPlan.objects.bulk_create([
        SubPlan(project=project, lot=lot, unit=o, quantity=Decimal(1 + i % 7), budget_yuan=Decimal(5000 + i % 13),
                status=SubPlan.Status.SUBMITTED)
        for i, o in enumerate(orgs) for lot in lot_rows
    ], batch_size=2000)
    return project


def bench_master_plan() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.selectors.plans import master_plan

    small, large = build_project(units=10), build_project(units=5000)
    median, best = timed(lambda: master_plan(project=large))
    plan = master_plan(project=large)
    print(f"总计划汇总 {plan.sub_plan_count:,} 条分计划: 中位 {median:.1f} ms, 最快 {best:.1f} ms（目标 < 200 ms）")
    with CaptureQueriesContext(connection) as q_small:
        master_plan(project=small)
    with CaptureQueriesContext(connection) as q_large:
        master_plan(project=large)
    print(f"总计划查询次数: 10 家单位 {len(q_small)} 次, 5,000 家单位 {len(q_large)} 次（须相同）")

    from django.test import Client
    from django.urls import reverse

    from tests.factories import member_of

    page_queries = []
    for project in (small, large):
        client = Client()
        client.force_login(member_of(project.organizer))
        url = reverse("batch:project-detail", args=[project.pk])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_HOST="127.0.0.1", secure=True)
        assert response.status_code == 200, response.status_code
        page_queries.append(len(queries))
    print(f"总计划页面查询次数: 10 家单位 {page_queries[0]} 次, 5,000 家单位 {page_queries[1]} 次（须相同）")


def bench_working_days() -> None:
    from procurement.deadlines import add_working_days

    start = date(2026, 1, 1)
    days = [start + timedelta(days=i) for i in range(365)]
    median, _ = timed(lambda: [add_working_days(d, 7) for d in days], repeat=3)
    print(f"工作日计算（365 次 +7 个工作日）: {median:.1f} ms，平均每次 {median / 365:.2f} ms")


def main() -> None:
    _setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    vendor = connection.vendor
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"== 基准测试（数据库: {vendor}）==")
        bench_working_days()
        bench_master_plan()
        from tests.batch.bench_arrangement import bench_arrangement_import

        bench_arrangement_import()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
