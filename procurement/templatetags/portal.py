"""Template helpers for the portal pages: amounts in 元/万元 (written by ``procurement.formats``), status badges,
deadlines, paging links."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from procurement.formats import amount
from procurement.modes import plugin_badge_colour
from procurement.navigation import home_panels_html, nav_links
from procurement.plan_checks import PRICE_BAND_HIGH, PRICE_BAND_LOW
from procurement.units import is_countable

register = template.Library()

TEN_THOUSAND = Decimal("10000")
CENT = Decimal("0.01")

# Bootstrap colour per status value of the core's models; a mode declares its own statuses' colours in its
# plugin (``ModePlugin.badge_colours``). The label always comes from the model's choices.
BADGE_COLOURS = {
    # Project
    "draft": "secondary",
    "collecting": "primary",
    "aggregated": "info",
    "confirmed": "info",
    "procuring": "warning",
    "awarded": "success",
    "completed": "dark",
    "terminated": "danger",
    # SubPlan
    "submitted": "success",
    "withdrawn": "warning",
    "frozen": "dark",
    # Contract
    "signed": "primary",
    "published": "info",
    "filed": "success",
    "accepted": "success",
    "paid": "dark",
    # An import job (导入任务)
    "queued": "secondary",
    "running": "primary",
    "succeeded": "success",
    "failed": "danger",
}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _amount(value, *, unit: str, divisor: Decimal = Decimal(1)) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{amount(number / divisor)} {unit}"


@register.filter
def yuan(value) -> str:
    """An amount in 元 with thousands separators: 1234567.5 → "1,234,567.50 元"."""
    return _amount(value, unit="元")


@register.filter
def yuan_as_wan(value) -> str:
    """An amount held in 元, shown in 万元 (the unit of the budget tables): 1234567 → "123.46 万元"."""
    return _amount(value, unit="万元", divisor=TEN_THOUSAND)


@register.filter
def wan(value) -> str:
    """An amount already in 万元: 1234.5 → "1,234.50 万元"."""
    return _amount(value, unit="万元")


@register.filter
def figure(value, places: int = 2) -> str:
    """A number under a heading that names its unit, grouped by thousands: 1234.5 → "1,234.50"
    (``figure:4`` → "1,234.5000"); "—" when there is none."""
    number = _decimal(value)
    return "—" if number is None else amount(number, int(places))


@register.filter
def qty(value) -> str:
    """A quantity without needless decimals: 10.00 → "10", 2.50 → "2.5", with thousands separators."""
    number = _decimal(value)
    if number is None:
        return "—"
    if number == number.to_integral_value():
        return f"{number.to_integral_value():,}"
    return f"{number.normalize():,f}"


@register.simple_tag
def status_badge(obj, field: str = "status") -> str:
    """A coloured badge with the Chinese label of ``obj``'s status."""
    value = getattr(obj, field, "")
    label = getattr(obj, f"get_{field}_display", lambda: value)()
    colour = BADGE_COLOURS.get(value) or plugin_badge_colour(value) or "secondary"
    return format_html('<span class="badge status-badge text-bg-{}" data-status="{}">{}</span>', colour, value, label)


def _today() -> date:
    return timezone.localdate()


@register.simple_tag
def due_badge(due: date | None, done: date | None = None) -> str:
    """The state of a legal deadline: done, overdue, due today, or how many days are left."""
    if due is None:
        return ""
    if done is not None:
        return mark_safe('<span class="badge text-bg-light border">已完成</span>')
    left = (due - _today()).days
    if left < 0:
        return format_html('<span class="badge text-bg-danger">已逾期 {} 天</span>', -left)
    if left == 0:
        return mark_safe('<span class="badge text-bg-warning">今日到期</span>')
    return format_html('<span class="badge text-bg-light border">剩余 {} 天</span>', left)


@register.filter
def countdown(deadline: datetime | None) -> str:
    """Time left before ``deadline``, in Chinese: "剩余 3 天 4 小时", "剩余 25 分钟", "已截止"."""
    if deadline is None:
        return "未设置截止时间"
    seconds = int((deadline - timezone.now()).total_seconds())
    if seconds <= 0:
        return "已截止"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"剩余 {days} 天 {hours} 小时"
    if hours:
        return f"剩余 {hours} 小时 {minutes} 分钟"
    return f"剩余 {max(minutes, 1)} 分钟"


@register.filter
def closing_soon(deadline: datetime | None, hours: int = 72) -> bool:
    if deadline is None:
        return False
    return 0 < (deadline - timezone.now()).total_seconds() <= int(hours) * 3600


@register.simple_tag(takes_context=True)
def page_url(context, page_number, param: str = "page") -> str:
    """The current URL's query string with ``page`` replaced: keeps search and filters across pages."""
    query = context["request"].GET.copy()
    query[param] = page_number
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def nav_active(context, *url_names: str) -> str:
    match = getattr(context.get("request"), "resolver_match", None)
    return "active" if match is not None and match.view_name in url_names else ""


@register.simple_tag(takes_context=True)
def portal_nav(context, me: dict | None) -> list:
    """The top navigation's links for the signed-in user (``me``, from ``portal_user``): the core's and every
    registered mode's (``procurement.navigation``), the current page's marked active."""
    return nav_links(context.get("request"), me)


@register.simple_tag(takes_context=True)
def home_panels(context, kind: str) -> str:
    """The sections the registered modes add to the home of ``kind`` (``Organization.Kind``), rendered."""
    return mark_safe(home_panels_html(context.get("request"), kind, context.flatten()))  # rendered templates


HOME_URL_OF_KIND = {
    "finance": "finance-home",
    "center": "center-home",
    "agency": "center-home",
    "budget_unit": "unit-home",
    "supplier": "supplier-home",
}


@register.simple_tag(takes_context=True)
def portal_user(context) -> dict | None:
    """Who is signed in, for the header and the navigation: primary kind and organizations (once per request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(request, "_portal_user", None)
    if cached is None:
        from procurement import access
        from procurement.selectors.accounts import acting_organizations

        organizations = acting_organizations(user)
        kind = access.primary_kind(user)
        cached = {
            "kind": kind,
            "kind_label": organizations[0].get_kind_display() if organizations else "",
            "organizations": organizations,
            "organization": organizations[0] if organizations else None,
            "home_url_name": HOME_URL_OF_KIND.get(kind or "", "workbench"),
            "display_name": user.get_full_name() or user.get_username(),
        }
        request._portal_user = cached
    return cached


@register.filter
def control(bound_field):
    """Render a form field's widget, marked ``is-invalid`` when it has errors (Bootstrap)."""
    attrs = {}
    if bound_field.errors:
        attrs["class"] = f"{bound_field.field.widget.attrs.get('class', '')} is-invalid".strip()
    return bound_field.as_widget(attrs=attrs)


@register.filter
def choice_list(bound_field) -> bool:
    """Whether the field is a list of radio buttons or check boxes (rendered one Bootstrap ``form-check`` each)."""
    from django import forms

    return isinstance(bound_field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))


@register.filter
def local_url(url: str) -> str:
    """``url`` if it is a path on this site, else "" (a stored link never leads off-site)."""
    url = (url or "").strip()
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else ""


@register.filter
def lookup(mapping, key):
    """``mapping[key]``, or ``key`` itself when absent: turns a stored status value into its label."""
    try:
        return mapping.get(key, key)
    except AttributeError:
        return key


@register.filter
def countable(unit_of_measure: str) -> bool:
    """Whether quantities in this unit of measure are whole numbers (procurement.units)."""
    return is_countable(unit_of_measure)


@register.filter
def price_band_low(reference_price) -> Decimal | None:
    """The lowest budget per unit not flagged, for a reference price (procurement.plan_checks)."""
    value = _decimal(reference_price)
    return None if value is None else (value * PRICE_BAND_LOW).quantize(Decimal("0.01"))


@register.filter
def price_band_high(reference_price) -> Decimal | None:
    """The highest budget per unit not flagged, for a reference price (procurement.plan_checks)."""
    value = _decimal(reference_price)
    return None if value is None else (value * PRICE_BAND_HIGH).quantize(Decimal("0.01"))
