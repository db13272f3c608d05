"""load_catalog: the MoF category catalog as a tree, idempotent, all-or-nothing."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from procurement.models import Category
from procurement.reference_data import DEFAULT_CATALOG_FILE, DEFAULT_CENTRALIZED_CATALOG

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,parent_code,description\n"


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_catalog", *args, stdout=out)
    return out.getvalue()


def write_csv(tmp_path: Path, body: str) -> str:
    path = tmp_path / "catalog.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


def snapshot() -> list[tuple]:
    return list(
        Category.objects.order_by("code").values_list(
            "id", "code", "name", "level", "parent_id", "path", "description", "in_centralized_catalog",
            "centralized_limit_yuan",
        )
    )


def test_load_catalog_creates_exactly_the_4274_codes_of_the_file():
    output = load()

    assert Category.objects.count() == 4274
    assert set(Category.objects.filter(level=0).values_list("code", flat=True)) == {"A", "B", "C"}
    assert Category.objects.filter(level=0, parent__isnull=False).count() == 0
    assert Category.objects.filter(level__gt=0, parent__isnull=True).count() == 0
    assert "新增4274个" in output


def test_loaded_tree_links_a02010104_to_its_ancestors_with_a_path():
    load()

    node = Category.objects.get(code="A02010104")
    chain = []
    while node is not None:
        chain.append((node.code, node.level))
        node = node.parent
    assert chain == [("A02010104", 4), ("A02010100", 3), ("A02010000", 2), ("A02000000", 1), ("A", 0)]
    desktop = Category.objects.get(code="A02010105")
    assert desktop.name == "台式计算机"
    assert desktop.path == "A/A02000000/A02010000/A02010100/A02010105/"
    # The path answers "this category and below" with one prefix match.
    assert Category.objects.filter(path__startswith="A/A02000000/A02010000/A02010100/").filter(
        code="A02010105").exists()


def test_second_run_changes_nothing_and_keeps_centralized_flags():
    load("--centralized", "A02010105:500000")
    before = snapshot()

    output = load()

    assert snapshot() == before
    assert "新增0个，更新0个，未变4274个" in output
    desktop = Category.objects.get(code="A02010105")
    assert desktop.in_centralized_catalog is True
    assert desktop.centralized_limit_yuan == Decimal("500000")


def test_reload_updates_a_renamed_category_and_keeps_its_flag(tmp_path):
    small = write_csv(tmp_path, "A,货物,0,,\nA02000000,设备,1,A,\nA02010000,信息化设备,2,A02000000,\n")
    load("--file", small, "--centralized", "A02010000:100")
    original_id = Category.objects.get(code="A02010000").pk

    renamed = write_csv(tmp_path, "A,货物,0,,\nA02000000,设备,1,A,\nA02010000,信息化设备（新）,2,A02000000,说明\n")
    output = load("--file", renamed)

    category = Category.objects.get(code="A02010000")
    assert category.pk == original_id
    assert (category.name, category.description) == ("信息化设备（新）", "说明")
    assert category.in_centralized_catalog is True
    assert "更新1个" in output


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("A,货物,0,,\nA02000000,设备,1,A,\nA02010000,信息化设备,2,A09000000,\n",
         "第4行：上级品目编码「A09000000」在文件中不存在"),
        ("A,货物,0,,\nA02000000,设备,1,A,\nA02000000,设备二,1,A,\n",
         "第4行：品目编码「A02000000」重复（已在第3行出现）"),
        ("A,货物,0,,\nA02000000,设备,one,A,\n", "第3行：品目「A02000000」的层级「one」不是非负整数"),
        ("A,货物,0,,\nA02-00,设备,1,A,\n", "第3行：品目编码「A02-00」格式不正确"),
        ("A,货物,0,,\nA02000000,设备,2,A,\n", "第3行：品目「A02000000」的层级为2，但上级品目「A」的层级为0"),
    ],
    ids=["unknown-parent", "duplicate-code", "bad-level", "bad-code", "level-mismatch"],
)
def test_malformed_csv_imports_nothing_and_names_the_line(tmp_path, body, message):
    path = write_csv(tmp_path, body)

    with pytest.raises(CommandError) as raised:
        load("--file", path)

    assert message in str(raised.value)
    assert "未作任何修改" in str(raised.value)
    assert Category.objects.count() == 0


def test_malformed_csv_leaves_a_loaded_catalog_untouched(tmp_path):
    load()
    before = snapshot()
    path = write_csv(tmp_path, "A,货物（改）,0,,\nA02000000,设备,1,A,\nA02010000,信息化设备,2,A99,\n")

    with pytest.raises(CommandError, match="第4行"):
        load("--file", path)

    assert snapshot() == before


def test_missing_file_is_reported_in_chinese(tmp_path):
    with pytest.raises(CommandError, match="找不到品目目录文件"):
        load("--file", str(tmp_path / "none.csv"))


def test_default_centralized_list_flags_existing_codes_with_limits():
    output = load("--default-centralized")

    flagged = dict(Category.objects.filter(in_centralized_catalog=True).values_list("code", "centralized_limit_yuan"))
    assert flagged == DEFAULT_CENTRALIZED_CATALOG
    assert Category.objects.get(code="A02010105").name == "台式计算机"
    assert f"已标记{len(DEFAULT_CENTRALIZED_CATALOG)}个品目" in output


def test_centralized_option_with_an_unknown_code_writes_nothing():
    with pytest.raises(CommandError, match="品目目录中不存在以下品目编码：A09999999"):
        load("--centralized", "A02010105:1000", "--centralized", "A09999999")

    # The load and the flags run in one transaction: nothing was written.
    assert Category.objects.count() == 0


def test_centralized_option_with_a_negative_limit_is_refused():
    with pytest.raises(CommandError, match="集中采购限额不能为负数"):
        load("--centralized", "A02010105:-1")


def test_default_file_is_the_shared_catalog_copy():
    assert DEFAULT_CATALOG_FILE.name == "procurement_catalog_2022.csv"
    assert sum(1 for _ in DEFAULT_CATALOG_FILE.open(encoding="utf-8")) == 4275  # header + 4,274 codes
