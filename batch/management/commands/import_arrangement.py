"""python manage.py import_arrangement FILE --year YEAR [--bureau ID or name] [--replace]

The same import as the portal's upload page and the API (``batch.arrangement.arrangement_import``),
run by an operator on the server: all rows or none, every error listed, exit status 1 on failure.
When the bureau already has a current table for the year, the command names what depends on it and
stops; ``--replace`` confirms replacing it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from batch.arrangement import ArrangementImportError, ArrangementReplaceRequired, arrangement_import
from procurement import access
from procurement.models import Organization
from procurement.services.errors import ServiceError


class Command(BaseCommand):
    help = ("导入《部门预算政府采购项目安排情况表》（Excel .xlsx）：全部导入或全部不导入；"
            "同一财政部门同一年度已有现行表时，须加 --replace 确认才替换。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="文件", help="安排情况表Excel文件（.xlsx）")
        parser.add_argument("--year", type=int, required=True, help="年度，如 2026")
        parser.add_argument("--bureau", default="",
                            help="财政部门的内部编号或名称；平台只有一个财政部门时可省略")
        parser.add_argument("--replace", action="store_true",
                            help="确认替换该财政部门该年度的现行表（原表标记为已被替换，仍可查看）")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        bureau = self._bureau(options["bureau"].strip())
        try:
            result = arrangement_import(file=path, year=options["year"], finance_bureau=bureau,
                                        actor=access.SYSTEM, file_name=path.name, replace=options["replace"])
        except ArrangementReplaceRequired as error:
            raise CommandError(f"{error.message}如确需替换，请加上 --replace 参数重新执行。") from None
        except ArrangementImportError as error:
            raise CommandError(error.message) from None
        except (ServiceError, PermissionDenied) as error:
            raise CommandError(getattr(error, "message", str(error))) from None

        arrangement = result.arrangement
        self.stdout.write(self.style.SUCCESS(
            f"导入完成：{bureau.name}{arrangement.year}年度安排情况表（工作表「{result.sheet_title}」），"
            f"共{arrangement.row_count}行，采购数量合计{arrangement.total_quantity:f}，"
            f"采购金额合计{arrangement.total_amount_wan:f}万元。"
        ))
        self.stdout.write("合计行与各行之和一致。" if result.total_row_checked else "表中没有合计行，未核对合计。")
        if result.blank_rows:
            self.stdout.write(f"已跳过{result.blank_rows}个空行。")
        if result.superseded is not None:
            self.stdout.write(self.style.WARNING(
                f"已替换原{arrangement.year}年度安排情况表（第{result.superseded.pk}号，"
                f"{result.superseded.row_count}行），原表标记为已被替换，其明细和三维度分析仍可查看。"
            ))

    def _bureau(self, given: str) -> Organization:
        bureaus = Organization.objects.filter(kind=Organization.Kind.FINANCE, is_active=True).select_related("region")
        if given:
            lookup = Q(name=given) | Q(short_name=given)
            if given.isdigit():
                lookup |= Q(pk=int(given))
            found = list(bureaus.filter(lookup)[:2])
            if len(found) == 1:
                return found[0]
            if found:
                raise CommandError(f"名称「{given}」对应多个财政部门，请改用内部编号：{self._listing(bureaus)}")
            raise CommandError(f"没有找到财政部门「{given}」。可选：{self._listing(bureaus)}")
        found = list(bureaus[:2])
        if len(found) == 1:
            return found[0]
        if not found:
            raise CommandError("平台中还没有财政部门，请先在管理后台添加")
        raise CommandError(f"平台中有多个财政部门，请用 --bureau 指定：{self._listing(bureaus)}")

    @staticmethod
    def _listing(bureaus) -> str:
        return "；".join(f"{b.pk} {b.name}" for b in bureaus[:30])
