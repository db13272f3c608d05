"""The admin answers to the same access policy as pages and API: scoped lists, no data outside."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from notices.models import Notice
from procurement.models import Award, Category, EligibleUnit, Filing, Lot, Project, ProjectEvent
from procurement.services.demo import center_group_ensure
from procurement.services.events import event_record
from tests.factories import (
    BudgetUnitFactory,
    ContractFactory,
    FinanceFactory,
    LotFactory,
    ProjectFactory,
    SubPlanFactory,
    SupplierFactory,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    """Two centers, each with a project, a sub-plan and a contract; an operator of the first."""
    ours, theirs = world.center, world.city_center  # 吉林省政府采购中心, 长春市政府采购中心
    operator = member_of(ours, username="center_op", is_staff=True)
    operator.groups.add(center_group_ensure())
    own_project = ProjectFactory(organizer=ours, title="本中心的台式计算机项目")
    other_project = ProjectFactory(organizer=theirs, title="其他中心的打印机项目")
    return {
        "operator": operator,
        "ours": ours,
        "theirs": theirs,
        "project": (own_project, other_project),
        "subplan": (SubPlanFactory(lot=LotFactory(project=own_project)),
                    SubPlanFactory(lot=LotFactory(project=other_project), unit=BudgetUnitFactory(name="外部单位乙"))),
        "contract": (ContractFactory(project=own_project, title="本中心项目合同甲"),
                     ContractFactory(project=other_project, title="其他中心项目合同乙")),
    }


def url(model_name: str, view: str, *args) -> str:
    return reverse(f"admin:procurement_{model_name}_{view}", args=args)


def marker(obj) -> str:
    """Text that appears wherever the object's data is shown."""
    return getattr(obj, "title", None) or obj.unit.name


@pytest.mark.parametrize("model_name", ["project", "subplan", "contract"])
def test_center_operator_changelist_lists_only_its_own_rows(client, world, model_name):
    own, other = world[model_name]
    client.force_login(world["operator"])

    response = client.get(url(model_name, "changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [own]
    assert marker(other) not in response.content.decode()


@pytest.mark.parametrize("view", ["change", "history", "delete"])
@pytest.mark.parametrize("model_name", ["project", "subplan", "contract"])
def test_center_operator_gets_redirect_not_data_for_another_centers_object(client, world, model_name, view):
    _own, other = world[model_name]
    client.force_login(world["operator"])

    response = client.get(url(model_name, view, other.pk))

    # 302 back to the index ("does not exist"), or 403 where the model permission is missing anyway.
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response.url == reverse("admin:index")
    assert marker(other) not in response.content.decode()


def test_center_operator_can_open_its_own_project(client, world):
    own, _other = world["project"]
    client.force_login(world["operator"])

    response = client.get(url("project", "change", own.pk))

    assert response.status_code == 200
    assert own.title in response.content.decode()


def _project_post(project: Project, **overrides) -> dict:
    data = {
        "code": project.code, "mode": project.mode, "title": project.title, "year": project.year,
        "category": project.category_id or "", "description": "", "organizer": project.organizer_id,
        "agency": "", "scope_region": project.scope_region_id, "scope_note": "", "procurement_method": "",
        "response_opens_at_0": "", "response_opens_at_1": "", "response_deadline_0": "", "response_deadline_1": "",
    }
    for prefix in ("lots", "eligible_units"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update(overrides)
    return data


def test_center_operator_edits_its_own_project_but_never_its_status(client, world):
    project = ProjectFactory(organizer=world["ours"], status=Project.Status.DRAFT, response_opens_at=None,
                             response_deadline=None)
    client.force_login(world["operator"])

    response = client.post(url("project", "change", project.pk),
                           _project_post(project, title="已改名的项目", status=Project.Status.AWARDED))

    assert response.status_code == 302, response.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.title == "已改名的项目"
    assert project.status == Project.Status.DRAFT


@pytest.mark.parametrize("who", ["superuser", "operator"])
def test_a_collecting_project_cannot_be_changed_in_the_admin_by_anyone(client, admin_user, world, who):
    """Issue 7 point 13: outside the draft stage the code, mode, category, deadline, lots and eligible units are
    read-only for every operator, superusers included — a POST to the change form changes nothing (403)."""
    project = world["project"][0]
    lot = world["subplan"][0].lot
    eligible = EligibleUnit.objects.create(project=project, unit=world["subplan"][0].unit)
    before = Project.objects.values().get(pk=project.pk)
    client.force_login(admin_user if who == "superuser" else world["operator"])
    url_ = url("project", "change", project.pk)

    page = client.get(url_)
    assert page.status_code == 200
    text = page.content.decode()
    assert "_save" not in text and 'name="code"' not in text and 'name="response_deadline_0"' not in text
    assert "项目处于「需求征集中」阶段" in text
    assert 'name="lots-0-name"' not in text and 'name="eligible_units-0-DELETE"' not in text
    assert lot.name in text  # the inlines still show what they hold
    other_category = Category.objects.create(code="A02021001", name="打印机", level=4, path="A02021001/")
    later = timezone.localtime(project.response_deadline + timedelta(days=30))
    data = _project_post(project, code="JL-HACK-0001", mode="framework", title="改过的项目",
                         category=other_category.pk, response_deadline_0=later.strftime("%Y-%m-%d"),
                         response_deadline_1=later.strftime("%H:%M:%S"))
    data.update({"eligible_units-TOTAL_FORMS": "1", "eligible_units-INITIAL_FORMS": "1",
                 "eligible_units-0-id": eligible.pk, "eligible_units-0-project": project.pk,
                 "eligible_units-0-DELETE": "on",
                 "lots-TOTAL_FORMS": "1", "lots-INITIAL_FORMS": "1", "lots-0-id": lot.pk, "lots-0-project": project.pk,
                 "lots-0-number": lot.number, "lots-0-name": "改过的采购包", "lots-0-unit_of_measure": "套"})

    response = client.post(url_, data)

    assert response.status_code == 403
    assert Project.objects.values().get(pk=project.pk) == before
    assert EligibleUnit.objects.filter(pk=eligible.pk).exists()
    assert Lot.objects.get(pk=lot.pk).name == lot.name
    assert not ProjectEvent.objects.filter(project=project).exists()
    assert client.post(url("project", "delete", project.pk), {"post": "yes"}).status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()


@pytest.mark.parametrize("who", ["superuser", "operator"])
def test_a_collecting_projects_lot_cannot_be_changed_added_or_deleted_in_the_lot_admin(client, admin_user, world, who):
    """The lot's own admin page is no way around: read-only once the project collects; a new lot only for a draft."""
    project = world["project"][0]
    lot = world["subplan"][0].lot
    client.force_login(admin_user if who == "superuser" else world["operator"])

    changed = client.post(url("lot", "change", lot.pk), {"project": project.pk, "number": lot.number,
                                                         "name": "改过的采购包", "unit_of_measure": "套"})
    deleted = client.post(url("lot", "delete", lot.pk), {"post": "yes"})
    added = client.post(url("lot", "add"), {"project": project.pk, "number": 9, "name": "新采购包",
                                             "unit_of_measure": "台"})

    assert (changed.status_code, deleted.status_code, added.status_code) == (403, 403, 200)
    assert "project" in added.context["adminform"].form.errors
    assert Lot.objects.get(pk=lot.pk).name == lot.name and project.lots.count() == 1
    draft = ProjectFactory(organizer=world["ours"], status=Project.Status.DRAFT)
    response = client.post(url("lot", "add"), {"project": draft.pk, "number": 1, "name": "草稿项目的采购包",
                                                "unit_of_measure": "台"})
    assert response.status_code == 302 and draft.lots.get().name == "草稿项目的采购包"


def test_center_operator_cannot_post_changes_to_another_centers_project(client, world):
    _own, other = world["project"]
    client.force_login(world["operator"])

    response = client.post(url("project", "change", other.pk), _project_post(other, title="越权修改"))

    assert response.status_code in (302, 403, 404)
    other.refresh_from_db()
    assert other.title == "其他中心的打印机项目"


def test_center_operator_cannot_create_a_project_for_another_center(client, world):
    client.force_login(world["operator"])
    own, other = world["project"]
    data = _project_post(other, title="冒名项目")

    response = client.post(url("project", "add"), data)

    assert response.status_code == 200
    assert "organizer" in response.context["adminform"].form.errors
    assert not Project.objects.filter(title="冒名项目").exists()

    response = client.post(url("project", "add"), _project_post(own, title="本中心新项目"))
    assert response.status_code == 302
    created = Project.objects.get(title="本中心新项目")
    assert created.organizer == world["ours"] and created.created_by == world["operator"]


def test_a_project_added_in_the_admin_is_numbered_by_the_one_scheme(admin_client, world):
    """Issue 7 point 10: the code is not typed in; the admin numbers a new draft as every project is numbered
    (procurement.numbering: mode, year of opening, sequence), whatever code a crafted POST sends."""
    own = world["project"][0]
    year = timezone.localdate().year
    response = admin_client.post(url("project", "add"), _project_post(own, code="MY-OWN-CODE", mode="framework",
                                                                      title="车辆维修框架协议采购（草稿）"))

    assert response.status_code == 302
    created = Project.objects.get(title="车辆维修框架协议采购（草稿）")
    assert created.code == f"JLKJ-{year}-0001" and created.status == Project.Status.DRAFT
    assert "code" not in admin_client.get(url("project", "add")).context["adminform"].form.fields


def test_autocomplete_offers_only_visible_projects(client, world):
    own, _other = world["project"]
    client.force_login(world["operator"])

    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "procurement", "model_name": "filing", "field_name": "project", "term": "",
    })

    assert response.status_code == 200
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert ids == {own.pk}


def test_budget_unit_user_who_is_not_staff_cannot_enter_the_admin(client, world):
    sub_plan = world["subplan"][0]
    unit_user = member_of(sub_plan.unit, username="unit_op")
    client.force_login(unit_user)

    for target in (reverse("admin:index"), url("subplan", "changelist"), url("subplan", "change", sub_plan.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
        assert sub_plan.unit.name not in response.content.decode()


def test_project_events_are_read_only_even_for_the_superuser(admin_client, world):
    project = world["project"][0]
    event = event_record(subject=project, action="update", action_label="测试")

    assert admin_client.get(url("projectevent", "add")).status_code == 403
    response = admin_client.get(url("projectevent", "change", event.pk))
    assert response.status_code == 200
    assert "_save" not in response.content.decode()
    model_admin = admin.site._registry[ProjectEvent]
    request = response.wsgi_request
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_project_status_is_not_a_form_field_for_the_superuser(admin_client, world):
    project = world["project"][0]

    response = admin_client.get(url("project", "change", project.pk))

    assert "status" not in response.context["adminform"].form.fields
    assert project.get_status_display() in response.content.decode()


def test_notice_added_in_the_admin_is_published_through_the_service(admin_client, world):
    project = world["project"][0]
    response = admin_client.post(reverse("admin:notices_notice_add"), {
        "type": Notice.Type.PROCUREMENT, "title": "  采购公告  ", "body": "正文", "region": project.scope_region_id,
        "project": project.pk, "publisher": "", "published_at_0": "2026-03-01", "published_at_1": "09:00:00",
    })

    assert response.status_code == 302, response.context["adminform"].form.errors
    notice = Notice.objects.get()
    assert notice.title == "采购公告"  # stripped by notice_publish
    assert notice.publisher == project.organizer
    assert ProjectEvent.objects.filter(project=project, action="notice_publish").exists()


def test_category_action_removes_the_flag_and_the_limit(admin_client):
    category = Category.objects.create(code="A02010105", name="台式计算机", level=4, path="A02010105/",
                                       in_centralized_catalog=True, centralized_limit_yuan=Decimal("500000"))

    response = admin_client.post(reverse("admin:procurement_category_changelist"), {
        "action": "centralized_exclude", "_selected_action": [category.pk],
    })

    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.in_centralized_catalog, category.centralized_limit_yuan) == (False, None)


def test_every_registered_model_changelist_and_change_page_render_for_the_superuser(admin_client, world):
    project, contract = world["project"][0], world["contract"][0]
    lot = world["subplan"][0].lot
    Award.objects.create(project=project, lot=lot, supplier=SupplierFactory(), unit_price_yuan=Decimal("4500"),
                         awarded_on=timezone.localdate())
    Filing.objects.create(kind=Filing.Kind.CONTRACT, project=project, subject_type="contract", subject_id=contract.pk,
                          filed_by=contract.buyer,
                          finance_bureau=FinanceFactory())
    event_record(subject=project, action="update", action_label="测试")
    Notice.objects.create(type=Notice.Type.OTHER, title="公告", body="正文", region=project.scope_region,
                          published_at=timezone.now())

    assert admin.site._registry
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client.get(changelist)
        assert response.status_code == 200, changelist
        first = model_admin.get_queryset(response.wsgi_request).first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert admin_client.get(change).status_code == 200, change
