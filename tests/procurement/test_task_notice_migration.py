"""The task notice's move from batch to the core keeps every row (procurement 0007, batch 0005)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("procurement", "0006_import_jobs"), ("batch", "0004_award_documents_and_experts")]
AFTER = [("procurement", "0007_task_notices"), ("batch", "0005_task_notice_to_core")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_notices_become_batch_notices_with_their_regions_and_tables():
    old = _migrate(BEFORE)
    try:
        Region = old.get_model("procurement", "Region")
        Organization = old.get_model("procurement", "Organization")
        Category = old.get_model("procurement", "Category")
        province = Region.objects.create(code="220000", name="吉林省", level="province", path="220000/")
        city = Region.objects.create(code="220100", name="长春市", level="prefecture", path="220000/220100/",
                                     parent=province)
        finance = Organization.objects.create(kind="finance", name="吉林省财政厅", region=province)
        center = Organization.objects.create(kind="center", name="吉林省政府采购中心", region=province)
        category = Category.objects.create(code="A02010105", name="台式计算机", level=4, path="A02010105/",
                                           in_centralized_catalog=True)
        OldTask = old.get_model("batch", "TaskNotice")
        task = OldTask.objects.create(year=2026, finance_bureau=finance, center=center, category=category,
                                      purchase_limit="50万元以下", scope="regions", cycle="half_yearly",
                                      status="acknowledged")
        task.scope_regions.set([city])
        table = old.get_model("batch", "ConfigurationTable").objects.create(
            center=center, task=task, title="台式计算机批量集中采购产品配置表", filled_on="2026-03-02")

        new = _migrate(AFTER)
        moved = new.get_model("procurement", "TaskNotice").objects.get(pk=task.pk)
        assert (moved.mode, moved.cycle, moved.status, moved.year) == ("batch", "half_yearly", "acknowledged", 2026)
        assert (moved.valid_from, moved.valid_until, moved.validity_months) == (None, None, None)
        assert list(moved.scope_regions.values_list("code", flat=True)) == ["220100"]
        assert new.get_model("batch", "ConfigurationTable").objects.get(pk=table.pk).task_id == task.pk
        tables = set(connection.introspection.table_names())
        assert {"procurement_tasknotice", "procurement_tasknotice_scope_regions"} <= tables
        assert not {"batch_tasknotice", "batch_tasknotice_scope_regions"} & tables
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
