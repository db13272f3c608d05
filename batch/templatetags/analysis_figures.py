"""Figures of the arrangement analysis as its tables, charts and reasoning all write them."""

from __future__ import annotations

from django import template

from batch.analysis import wan_text

register = template.Library()


@register.filter
def wan_figure(value) -> str:
    """An amount in 万元 under a heading that names the unit: 1234.5 → "1,234.50" (two places, half up).

    The same text as the reasoning (``batch.analysis``) and the charts (static/js/charts.js) give it.
    """
    return "—" if value is None or value == "" else wan_text(value)
