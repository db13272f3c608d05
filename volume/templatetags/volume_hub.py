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


@register.inclusion_tag("volume/projects/_lead_crumbs.html", takes_context=True)
def lead_crumbs(context, project) -> dict:
    """The breadcrumbs back to the lead's project page, for a member of the lead unit (the other readers of a step's
    page, the agency and finance, go back to their workbench only)."""
    from procurement import access

    request = context.get("request")
    user = getattr(request, "user", None)
    return {"project": project, "leads": access.acts_for(user, project.organizer_id, write=False)}
