"""python manage.py seed_demo: a believable Jilin province with one login per role (idempotent)."""

from __future__ import annotations

import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from procurement.services.demo import DEFAULT_DEMO_PASSWORD, demo_password, demo_seed
from procurement.services.errors import ServiceError


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = (
        "生成演示数据：行政区划、品目目录、财政部门、采购中心、预算单位、供应商、演示项目，以及每种角色一个登录账号。"
        f"可重复执行。登录密码取环境变量 DEMO_PASSWORD，默认为 {DEFAULT_DEMO_PASSWORD}。"
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        try:
            result = demo_seed(password=demo_password())
        except ServiceError as exc:
            raise CommandError(f"演示数据生成失败，数据库未作任何修改：{exc.message}") from exc
        elapsed = time.monotonic() - started

        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪（用时{elapsed:.1f}秒）。"))
        label_width = max(_width(label) for label in result.counts)
        for label, (total, created) in result.counts.items():
            self.stdout.write(f"  {_pad(label, label_width)}  共{total}，本次新增{created}")
        if result.created_total == 0:
            self.stdout.write("  本次未新增任何数据（演示数据此前已生成）。")

        headers = ("用户名", "角色", "所属机构")
        rows = [(login.username, login.role, login.organization) for login in result.logins]
        widths = [max(_width(row[i]) for row in [headers, *rows]) for i in range(3)]
        self.stdout.write("")
        self.stdout.write("演示登录账号：")
        for row in [headers, *rows]:
            self.stdout.write("  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        self.stdout.write(self.style.WARNING(f"所有演示账号的密码：{result.password}"))
        self.stdout.write("（密码每次执行时都会重置为上述密码；可通过环境变量 DEMO_PASSWORD 指定。）")
        if settings.DEMO_PASSWORD_CHANGE_REQUIRED:
            self.stdout.write("（当前不是 make run 演示模式：用此密码登录后须先修改密码，才能使用平台其他功能。）")
