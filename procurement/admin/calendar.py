"""Admin: the working-day calendar (工作日历) — loaded years, holidays and 调休 working days.

A year with no ``CalendarYear`` row counts Monday–Friday as working days; the changelists and the
admin index warn about the years that matter (this year, next year, years of open deadlines).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from procurement.models import CalendarDay, CalendarYear
from procurement.services import calendar as calendar_services
from procurement.services.errors import ServiceError

WEEKDAY_NAMES = "一二三四五六日"


def warn_missing_calendar_years(request) -> None:
    warning = calendar_services.calendar_missing_warning(calendar_services.calendar_missing_years())
    if warning:
        messages.warning(request, warning)


def _days_of_year(kind: str) -> Coalesce:
    count = (
        CalendarDay.objects.filter(date__year=OuterRef("year"), kind=kind)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "source", "note"]
        help_texts = {
            "source": "选择“chinesecalendar 软件包”保存时将自动载入该年度的节假日和调休工作日；"
                      "软件包尚无该年度数据时请选择“手工维护”，再在“节假日与调休”中逐日录入。",
        }

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year")
        known = calendar_services.package_years()
        if cleaned.get("source") == CalendarYear.Source.CHINESECALENDAR and year is not None and year not in known:
            self.add_error("source", f"chinesecalendar 软件包没有{year}年的节假日安排（仅有{known.start}—"
                                     f"{known.stop - 1}年），请选择“手工维护”")
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    list_display = ["year", "source", "holiday_count", "workday_count", "loaded_at", "note"]
    list_filter = ["source"]
    search_fields = ["year", "note"]
    readonly_fields = ["loaded_at"]
    actions = ["reload_from_package"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            holiday_days=_days_of_year(CalendarDay.Kind.HOLIDAY),
            workday_days=_days_of_year(CalendarDay.Kind.WORKDAY),
        )

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "year"] if obj is not None else self.readonly_fields

    @admin.display(description="工作日放假天数", ordering="holiday_days")
    def holiday_count(self, obj: CalendarYear) -> int:
        return obj.holiday_days

    @admin.display(description="周末调休上班天数", ordering="workday_days")
    def workday_count(self, obj: CalendarYear) -> int:
        return obj.workday_days

    def save_model(self, request, obj: CalendarYear, form, change: bool) -> None:
        from_package = obj.source == CalendarYear.Source.CHINESECALENDAR
        if from_package and (not change or "source" in form.changed_data):
            result = calendar_services.calendar_load_year(year=obj.year, force=True)
            obj.pk = result.calendar_year.pk
            obj.refresh_from_db()
            messages.info(request, f"{obj.year}年：已从 chinesecalendar 载入，工作日放假{result.holidays}天，"
                                   f"周末调休上班{result.workdays}天")
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="从 chinesecalendar 重新载入所选年度（覆盖手工修改）", permissions=["change"])
    def reload_from_package(self, request, queryset) -> None:
        for year in queryset.order_by("year").values_list("year", flat=True):
            try:
                result = calendar_services.calendar_load_year(year=year, force=True)
            except ServiceError as error:
                self.message_user(request, f"{year}年：{error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{year}年：已重新载入，工作日放假{result.holidays}天，"
                                           f"周末调休上班{result.workdays}天", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        warn_missing_calendar_years(request)
        return super().changelist_view(request, extra_context)


class CalendarYearFilter(admin.SimpleListFilter):
    title = "年度"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(day.year), f"{day.year}年") for day in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind", CalendarYearFilter]
    search_fields = ["name", "date"]
    date_hierarchy = "date"
    ordering = ["-date"]
    list_per_page = 50

    @admin.display(description="星期", ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return f"星期{WEEKDAY_NAMES[obj.date.weekday()]}"

    def changelist_view(self, request, extra_context=None):
        warn_missing_calendar_years(request)
        return super().changelist_view(request, extra_context)
