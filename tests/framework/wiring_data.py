"""Test data of the wiring (round 2): one framework plan filled through the plan services, the way the center
would (reusing the plan slice's sections, participants and lot values), and small helpers for the walk."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from framework.models import FrameworkPlan
from framework.services import plans as plan_services
from procurement.models import Project, ProjectEvent
from tests.framework.plans_data import CLOSED_SECTIONS, lot_values


def pdf(name: str = "文件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% wiring\n", content_type="application/pdf")


def plan_fill(plan: FrameworkPlan, *, actor, category_code: str, **overrides) -> FrameworkPlan:
    """Every section of a closed plan (annex 8) filled, 3 purchasers, 3 suppliers and 1 expert surveyed, one lot
    of ``category_code`` (最高限制单价 5000元, price priority, 20% eliminated); the validity is the task's."""
    sections = {**CLOSED_SECTIONS, "s5": {"valid_from": plan.valid_from.isoformat(),
                                          "valid_until": plan.valid_until.isoformat()}}
    for section, values in sections.items():
        plan = plan_services.plan_section_save(plan=plan, section=section,
                                               values={**values, **overrides.get(section, {})}, actor=actor)
    for kind, names in (("purchaser", ("吉林省教育厅", "长春市第一中学", "南关区人民医院")),
                        ("supplier", ("甲电脑公司", "乙电脑公司", "丙电脑公司")), ("expert", ("李专家",))):
        for name in names:
            plan_services.participant_add(plan=plan, kind=kind, name=name, opinion="同意", actor=actor)
    plan_services.lot_add(plan=plan, values=lot_values(category_code=category_code, name="台式计算机（通用型）"),
                          actor=actor)
    plan.refresh_from_db()
    return plan


def status_of(project: Project) -> str:
    return Project.objects.values_list("status", flat=True).get(pk=project.pk)


def project_actions(project: Project) -> list[str]:
    return list(ProjectEvent.objects.filter(project=project).order_by("pk").values_list("action", flat=True))
