"""The working-day calendar (工作日历): statutory holidays and adjusted working weekends (调休)."""

from __future__ import annotations

from django.db import models


class CalendarYear(models.Model):
    """A year whose holidays and 调休 days are loaded. Without it the year falls back to Mon–Fri."""

    class Source(models.TextChoices):
        CHINESECALENDAR = "chinesecalendar", "chinesecalendar 软件包"
        MANUAL = "manual", "手工维护"

    year = models.PositiveSmallIntegerField("年度", unique=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.MANUAL)
    loaded_at = models.DateTimeField("载入时间", auto_now=True)
    note = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "日历年度"
        verbose_name_plural = "日历年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """A day that differs from the Mon–Fri rule: a holiday on a weekday or a working weekend day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日（休息）"
        WORKDAY = "workday", "调休工作日（上班）"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    name = models.CharField("节日名称", max_length=32, blank=True)

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()
