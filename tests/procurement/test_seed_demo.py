"""seed_demo: a believable province, one login per role, idempotent."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import timezone

from notices.models import Notice
from procurement import access
from procurement.models import Category, Contract, Membership, Organization, Project, Region, SubPlan
from procurement.numbering import MODE_CODES, PROJECT_CODE, opening_year
from procurement.services.demo import CENTER_GROUP_NAME, batch_awarded_project, demo_seed
from procurement.validators import validate_credit_code

pytestmark = pytest.mark.django_db

PASSWORD = "Demo@Test-2026"
Kind = Organization.Kind


def sign_in(username: str, password: str):
    """``authenticate`` as a sign-in calls it: with its request, which django-axes requires."""
    return authenticate(HttpRequest(), username=username, password=password)


@pytest.fixture
def seeded():
    return demo_seed(password=PASSWORD)


def test_seed_builds_at_least_300_budget_units_with_codes_and_supervising_units_at_every_level(seeded):
    units = Organization.objects.budget_units()

    assert units.count() >= 300
    assert not units.filter(unit_code="").exists()
    assert not units.filter(supervising_unit__isnull=True).exists()
    assert units.values("unit_code").distinct().count() == units.count()
    by_level = {level: units.filter(region__level=level).count() for level in Region.Level.values}
    assert all(count >= 50 for count in by_level.values()), by_level
    # A department supervises itself; its subordinates point at it and sit in its region.
    education = units.get(name="吉林省教育厅")
    assert education.supervising_unit_id == education.pk
    school = units.get(name="吉林省实验中学")
    assert school.supervising_unit_id == education.pk and school.region.code == "220000"
    hospital = units.get(name="长春市中心医院")
    assert hospital.supervising_unit.name == "长春市卫生健康委员会"
    # Every supervising unit is a department (主管部门), i.e. it supervises itself, in the same region.
    for unit in units.select_related("supervising_unit"):
        assert unit.supervising_unit.supervising_unit_id == unit.supervising_unit_id
        assert unit.supervising_unit.region_id == unit.region_id


def test_seed_builds_at_least_30_suppliers_with_valid_credit_codes_and_sizes(seeded):
    suppliers = Organization.objects.suppliers()

    assert suppliers.count() >= 30
    for supplier in suppliers:
        validate_credit_code(supplier.credit_code)
        assert supplier.sme_size in Organization.SmeSize.values
    assert suppliers.values("credit_code").distinct().count() == suppliers.count()
    agencies = Organization.objects.filter(kind=Kind.AGENCY)
    assert agencies.count() >= 2
    for agency in agencies:
        validate_credit_code(agency.credit_code)


def test_seed_builds_finance_department_nine_prefecture_bureaus_and_the_center(seeded):
    finance = Organization.objects.filter(kind=Kind.FINANCE)
    assert finance.get(name="吉林省财政厅").region.code == "220000"
    prefecture_bureaus = finance.filter(region__level=Region.Level.PREFECTURE, region__code__regex=r"^\d{6}$")
    assert sorted(prefecture_bureaus.values_list("region__code", flat=True)) == [
        "220100", "220200", "220300", "220400", "220500", "220600", "220700", "220800", "222400",
    ]
    assert finance.get(region__code="222400").name == "延边朝鲜族自治州财政局"
    assert finance.filter(region__level=Region.Level.COUNTY).count() >= 10
    center = Organization.objects.get(kind=Kind.CENTER, name="吉林省政府采购中心")
    assert center.region.code == "220000"
    assert Organization.objects.filter(kind=Kind.CENTER).count() >= 2


def test_every_organization_passes_model_validation(seeded):
    # Field validators (unit code, credit code) and Organization.clean; the database already
    # enforced the unique and check constraints when the rows went in.
    for organization in Organization.objects.all():
        organization.full_clean(validate_unique=False, validate_constraints=False)


def test_each_demo_login_authenticates_with_the_printed_password(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    out = StringIO()

    call_command("seed_demo", stdout=out)

    printed = re.search(r"所有演示账号的密码：(\S+)", out.getvalue()).group(1)
    assert printed == PASSWORD
    for username in ("admin", "finance", "center", "unit", "unit2", "supplier"):
        assert re.search(rf"^\s+{username}\s", out.getvalue(), re.MULTILINE), username
        user = sign_in(username, printed)
        assert user is not None, username
        assert sign_in(username, printed + "x") is None


def test_each_login_acts_for_its_role(seeded):
    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    expected = {
        "finance": (Kind.FINANCE, "吉林省财政厅"),
        "center": (Kind.CENTER, "吉林省政府采购中心"),
        "unit": (Kind.BUDGET_UNIT, "吉林省教育厅"),
        "unit2": (Kind.BUDGET_UNIT, "吉林省卫生健康委员会"),
        "supplier": (Kind.SUPPLIER, "吉林省新元电器有限公司"),
    }
    for username, (kind, name) in expected.items():
        membership = Membership.objects.select_related("organization").get(user__username=username)
        assert (membership.organization.kind, membership.organization.name) == (kind, name)
        assert membership.can_write
    unit = Organization.objects.get(name="吉林省教育厅")
    assert unit.region.level == Region.Level.PROVINCE
    center = User.objects.get(username="center")
    assert center.is_staff and not center.is_superuser
    assert center.groups.filter(name=CENTER_GROUP_NAME).exists()
    assert center.has_perm("procurement.view_project") and center.has_perm("procurement.change_project")
    assert not center.has_perm("procurement.change_subplan")
    for username in ("finance", "unit", "unit2", "supplier"):
        assert not User.objects.get(username=username).is_staff


def test_demo_projects_give_the_units_something_to_do(seeded):
    User = get_user_model()
    unit_user, unit2_user = User.objects.get(username="unit"), User.objects.get(username="unit2")
    from batch.demo import collecting_project

    collecting = collecting_project()
    assert collecting.status == Project.Status.COLLECTING and collecting.window_open()
    assert collecting.lots.count() == 3
    eligible = set(collecting.eligible_units.values_list("unit__name", flat=True))
    assert {"吉林省教育厅", "吉林省卫生健康委员会"} <= eligible
    submitted = collecting.sub_plans.filter(status=SubPlan.Status.SUBMITTED)
    assert submitted.count() >= 3
    assert not submitted.filter(unit__name__in=["吉林省教育厅", "吉林省卫生健康委员会"]).exists()
    assert collecting in access.projects_readable(unit_user)

    awarded = batch_awarded_project()
    assert awarded.status == Project.Status.AWARDED
    assert awarded.awards.count() == awarded.lots.count()
    own = access.visible_contracts(unit_user).filter(project=awarded)
    assert own.count() == 1 and own.get().status == Contract.Status.SIGNED
    assert own.get().publish_due and own.get().filing_due
    assert awarded.contracts.count() >= 5
    assert all(c.amount_yuan == sum(line.quantity * line.unit_price_yuan for line in c.lines.all())
               for c in awarded.contracts.all())
    # unit2 leads the joint (volume) project.
    assert access.projects_readable(unit2_user).filter(mode="volume", organizer__name="吉林省卫生健康委员会").exists()
    assert Notice.objects.filter(project=collecting, type=Notice.Type.SOLICITATION).exists()
    assert Notice.objects.filter(project=awarded, type=Notice.Type.AWARD).exists()


def test_every_demo_project_is_numbered_by_the_one_scheme(seeded):
    """Issue 7 point 10: the demo's codes take the form of every project's (procurement.numbering):
    the mode's code, the year the project was opened in, a sequence; contract codes derive from them."""
    projects = list(Project.objects.all())
    assert {p.mode for p in projects} == {"batch", "framework", "volume"}
    for project in projects:
        match = PROJECT_CODE.match(project.code)
        assert match, project.code
        assert match.group("mode") == MODE_CODES[project.mode]
        assert project.year == 2026  # the budget year stays what it was
    awarded = batch_awarded_project()
    assert awarded.code.split("-")[1] == str(opening_year(awarded.response_opens_at))
    for contract in Contract.objects.filter(project=awarded):
        assert re.fullmatch(rf"{re.escape(awarded.code)}-HT\d{{4}}", contract.code), contract.code


def test_seed_flags_the_centralized_catalog_and_loads_all_codes(seeded):
    assert Category.objects.count() == 4274
    desktop = Category.objects.get(code="A02010105")
    assert desktop.in_centralized_catalog and desktop.centralized_limit_yuan is not None


def test_second_run_creates_nothing_new(seeded):
    models = [m for m in apps.get_models() if m._meta.app_label in {"procurement", "notices", "batch", "auth"}]
    before = {m._meta.label: m._default_manager.count() for m in models}

    again = demo_seed(password=PASSWORD)

    after = {m._meta.label: m._default_manager.count() for m in models}
    assert after == before
    assert again.created_total == 0
    assert sign_in("unit", PASSWORD) is not None


def test_second_run_of_the_command_says_nothing_was_created():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert "本次未新增任何数据" in out.getvalue()


def test_the_command_says_the_password_must_be_changed_only_outside_make_runs_demo(settings):
    """Issue 8 point 7: outside `make run`'s demo the shared password is forced to change at first sign-in."""
    outside, demo = StringIO(), StringIO()

    call_command("seed_demo", stdout=outside)
    settings.DEMO_PASSWORD_CHANGE_REQUIRED = False
    call_command("seed_demo", stdout=demo)

    assert "用此密码登录后须先修改密码" in outside.getvalue()
    assert "修改密码" not in demo.getvalue()


def test_the_demo_contracts_deadlines_are_swept(seeded):
    """The overdue demo contract carries next_check, so the beat's sweep reminds its buyer."""
    from procurement.services.reminders import sweep_due_deadlines

    overdue = Contract.objects.filter(status=Contract.Status.SIGNED, publish_due__lt=timezone.localdate())
    assert overdue.exists() and not overdue.filter(next_check__isnull=True).exists()
    assert sweep_due_deadlines()["reminders"] >= 1
    assert sweep_due_deadlines()["reminders"] == 0
