"""manage.py load_calendar: load holidays and 调休 working days from the chinesecalendar package."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from procurement.services.calendar import (
    calendar_load_year,
    calendar_missing_warning,
    calendar_missing_years,
    package_version,
    package_years,
)
from procurement.services.errors import ServiceError


class Command(BaseCommand):
    help = "从 chinesecalendar 软件包载入法定节假日和调休工作日（只保存与周一至周五规则不同的日期）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, action="append", dest="years", metavar="YEAR",
                            help="要载入的年度，可重复指定")
        parser.add_argument("--all", action="store_true", dest="load_all", help="载入软件包已知的全部年度")
        parser.add_argument("--force", action="store_true",
                            help="重新载入已载入的年度（会覆盖管理后台中对该年度的手工修改）")

    def handle(self, *args, years: list[int] | None, load_all: bool, force: bool, **options) -> None:
        if not years and not load_all:
            raise CommandError("请指定 --year 年度 或 --all")
        known = package_years()
        targets = sorted(set(years or []) | (set(known) if load_all else set()))
        self.stdout.write(f"chinesecalendar {package_version()}：已知{known.start}—{known.stop - 1}年")
        failed = []
        for year in targets:
            try:
                result = calendar_load_year(year=year, force=force)
            except ServiceError as error:
                failed.append(year)
                self.stderr.write(self.style.ERROR(f"{year}年：{error.message}"))
                continue
            if result.loaded:
                self.stdout.write(self.style.SUCCESS(
                    f"{year}年：已载入，工作日放假{result.holidays}天，周末调休上班{result.workdays}天"
                ))
            else:
                self.stdout.write(f"{year}年：此前已载入，未作改动（如需重新载入请加 --force）")
        missing = calendar_missing_years()
        if missing:
            self.stdout.write(self.style.WARNING(calendar_missing_warning(missing)))
        if failed:
            raise CommandError(f"以下年度未能载入：{'、'.join(str(y) for y in failed)}")
