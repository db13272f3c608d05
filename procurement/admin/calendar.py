"""Admin: the working-day calendar (工作日历) — loaded years, holidays and 调休 working days.

A year with no ``CalendarYear`` row counts Monday–Friday as working days; the changelists and the
admin index warn about the years that matter (this year, next year, years of open deadlines).
Whoever may change the calendar gets a link to load the year (``load/``: from chinesecalendar
when the package knows it, otherwise the steps to enter it by hand); others are told to ask the
system administrator, since they could do nothing with the link.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from procurement.models import CalendarDay, CalendarYear
from procurement.services import calendar as calendar_services
from procurement.services.errors import ServiceError

WEEKDAY_NAMES = "一二三四五六日"


CALENDAR_CHANGE_PERMISSION = "procurement.change_calendaryear"
ASK_THE_ADMINISTRATOR = "您没有维护工作日历的权限，请联系系统管理员载入该年度日历。"


def may_load_calendar(user) -> bool:
    """Loading a year writes the calendar: the change permission on it (a superuser has every one)."""
    return user.has_perm(CALENDAR_CHANGE_PERMISSION)


def warn_missing_calendar_years(request) -> None:
    years = calendar_services.calendar_missing_years()
    if not years:
        return
    if not may_load_calendar(request.user):
        messages.warning(request, f"{calendar_services.calendar_missing_statement(years)}。{ASK_THE_ADMINISTRATOR}")
        return
    load_url = reverse("admin:procurement_calendaryear_load")
    links = format_html_join("　", '<a href="{}?year={}" data-testid="load-calendar-year">载入{}年日历</a>',
                             ((load_url, year, year) for year in years))
    messages.warning(request, format_html("{}：{}", calendar_services.calendar_missing_warning(years), links))


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


def _plausible_year(value) -> int | None:
    """A year the load form would accept the shape of (four digits, 2000–2100), else None."""
    text = str(value or "").strip()
    if len(text) != 4 or not text.isdigit():
        return None
    year = int(text)
    return year if 2000 <= year <= 2100 else None


class CalendarYearLoadForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100,
                              error_messages={"required": "请填写要载入的年度，例如 2027",
                                              "invalid": "年度应为四位数字，例如 2027"})

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not calendar_services.package_knows(year):
            raise forms.ValidationError(calendar_services.calendar_package_lacks(year))
        return year


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    change_list_template = "admin/procurement/calendaryear/change_list.html"
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
        extra_context = {**(extra_context or {}), "may_load_calendar": may_load_calendar(request.user)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        load = path("load/", self.admin_site.admin_view(self.load_year_view), name="procurement_calendaryear_load")
        return [load, *super().get_urls()]

    def load_year_view(self, request):
        """载入年度日历: one year from chinesecalendar, or the steps to enter it by hand."""
        if not may_load_calendar(request.user):
            raise PermissionDenied(ASK_THE_ADMINISTRATOR)
        missing = calendar_services.calendar_missing_years()
        if request.method == "POST":
            form = CalendarYearLoadForm(request.POST)
            if form.is_valid():
                return self._load_year(request, form.cleaned_data["year"])
            year = _plausible_year(form.data.get("year"))
        else:
            year = _plausible_year(request.GET.get("year")) or (missing or [None])[0]
            # The button loads from the package: offer it filled in only for a year the package knows.
            offered = year is not None and calendar_services.package_knows(year)
            form = CalendarYearLoadForm(initial={"year": year} if offered else {})
        known = calendar_services.package_years()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "载入年度日历",
            "form": form,
            "missing_years": missing,
            "missing_listed": "、".join(f"{missing_year}年" for missing_year in missing),
            "known_first": known.start,
            "known_last": known.stop - 1,
            "package_version": calendar_services.package_version(),
            "year": year,
            "package_knows": year is not None and calendar_services.package_knows(year),
            "manual_steps": calendar_services.calendar_manual_entry_steps(year) if year else [],
            "add_year_url": f"{reverse('admin:procurement_calendaryear_add')}?year={year or ''}&source=manual",
            "add_day_url": reverse("admin:procurement_calendarday_add"),
        }
        return TemplateResponse(request, "admin/procurement/calendaryear/load_year.html", context)

    def _load_year(self, request, year: int):
        try:
            result = calendar_services.calendar_load_year(year=year)
        except ServiceError as error:  # the package changed between the form and the load
            self.message_user(request, f"{year}年：{error.message}", messages.ERROR)
            return redirect("admin:procurement_calendaryear_load")
        if result.loaded:
            self.log_addition(request, result.calendar_year, [{"added": {}}])
            self.message_user(request, f"{year}年：已从 chinesecalendar 载入，工作日放假{result.holidays}天，"
                                       f"周末调休上班{result.workdays}天", messages.SUCCESS)
        else:
            self.message_user(request, f"{year}年：此前已载入，未作改动。如需用软件包的数据覆盖手工修改，请在列表中"
                                       "勾选该年度，执行「从 chinesecalendar 重新载入所选年度」", messages.INFO)
        return redirect("admin:procurement_calendaryear_changelist")


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
