"""``{% hub_section template context %}``: one section of the lead's project hub (``volume.hub``), rendered like
``{% include template %}`` with the section's own context added on top of the page's."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def hub_section(context, template_name: str, section: dict) -> str:
    found = context.template.engine.get_template(template_name)
    with context.push(**section):
        return found.render(context)
