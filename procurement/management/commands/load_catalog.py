"""python manage.py load_catalog [--file PATH] [--centralized CODE[:LIMIT] ...] [--default-centralized]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from procurement.reference_data import (
    DEFAULT_CATALOG_FILE,
    DEFAULT_CENTRALIZED_CATALOG,
    catalog_flag_centralized,
    catalog_load,
    centralized_entries_parse,
)
from procurement.services.errors import ServiceError


class Command(BaseCommand):
    help = "载入政府采购品目分类目录（财库〔2022〕31号），可重复执行；可同时标记纳入政府集中采购目录的品目及限额。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--file", default=str(DEFAULT_CATALOG_FILE),
            help="品目目录CSV文件（列：code,name,level,parent_code,description），默认为系统自带的2022版目录",
        )
        parser.add_argument(
            "--centralized", action="append", default=[], metavar="品目编码[:限额]",
            help="将品目标记为纳入政府集中采购目录，可附集中采购限额（元），如 A02010105:500000；可多次使用",
        )
        parser.add_argument(
            "--default-centralized", action="store_true",
            help=f"按内置的演示清单标记{len(DEFAULT_CENTRALIZED_CATALOG)}个常见集中采购品目（台式计算机、打印机、空调机、办公家具等）",
        )

    def handle(self, *args, **options) -> None:
        try:
            entries = dict(DEFAULT_CENTRALIZED_CATALOG) if options["default_centralized"] else {}
            entries.update(centralized_entries_parse(options["centralized"]))
            with transaction.atomic():
                result = catalog_load(path=options["file"])
                flagged = catalog_flag_centralized(entries=entries) if entries else 0
        except ServiceError as exc:
            raise CommandError(f"品目目录未载入，数据库未作任何修改：\n{exc.message}") from exc

        self.stdout.write(self.style.SUCCESS(
            f"品目目录载入完成：共{result.total}个品目，新增{result.created}个，"
            f"更新{result.updated}个，未变{result.unchanged}个。"
        ))
        if result.not_in_file:
            self.stdout.write(self.style.WARNING(
                f"数据库中另有{result.not_in_file}个品目不在本文件中，已保留未删除。"
            ))
        if entries:
            self.stdout.write(self.style.SUCCESS(
                f"已标记{len(entries)}个品目纳入政府集中采购目录（其中{flagged}个有变化）。"
            ))
