"""The lead's project page (牵头单位项目页) is one hub: each step of 753号 adds its own section.

The projects slice renders the page; each step's module renders its section from its own template with its own
context (``hub_context(request, project) -> dict``), so the steps never edit each other's files.
"""

from __future__ import annotations

from importlib import import_module

# (section template, "module.function" returning the section's context), in the order of 753号's steps.
SECTIONS = (
    ("volume/projects/_section_responses.html", "volume.views.responses.hub_context"),
    ("volume/projects/_section_plans.html", "volume.views.plans.hub_context"),
    ("volume/projects/_section_execution.html", "volume.views.execution.hub_context"),
    ("volume/projects/_section_questions.html", "volume.views.questions.hub_context"),
)


def hub_sections(request, project) -> list[tuple[str, dict]]:
    """(template, context) of every section of ``project``'s hub page, in order."""
    found = []
    for template, dotted in SECTIONS:
        module, _, name = dotted.rpartition(".")
        found.append((template, getattr(import_module(module), name)(request, project)))
    return found
