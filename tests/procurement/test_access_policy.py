"""Who runs a project and who reads it: the one access policy (issue 9 point 4), as a table.

The organizer (the center in batch, the lead unit in volume) runs every step; the entrusted agency only the
entrusted steps (procurement start, documents, award, contracts); finance of the region, the participant units
and the suppliers with an award read the project and run nothing. Each row is checked through the predicate
(``runs_project`` / ``reads_project``) and through the queryset (``projects_run_by`` / ``projects_readable``),
so the two can never disagree.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from procurement import access, modes
from procurement.access import SYSTEM, Step
from procurement.models import EligibleUnit, Membership, Mode, ProcurementMethod, Project
from procurement.services.transitions import transition_run
from tests.factories import (
    AgencyFactory,
    AwardFactory,
    BudgetUnitFactory,
    CenterFactory,
    ContractFactory,
    FinanceFactory,
    LotFactory,
    ProjectFactory,
    SupplierFactory,
    UserFactory,
    member_of,
    prefecture,
)

pytestmark = pytest.mark.django_db

ENTRUSTED = {Step.PROCUREMENT_START, Step.DOCUMENTS, Step.AWARD, Step.CONTRACTS}
ALL_STEPS = set(Step)
NONE: set = set()


@pytest.fixture
def world():
    changchun, jilin_city = prefecture("220100", "长春市"), prefecture("220200", "吉林市")
    center, other_center = CenterFactory(region=changchun), CenterFactory(region=jilin_city)
    agency, other_agency = AgencyFactory(region=changchun), AgencyFactory(region=changchun)
    lead = BudgetUnitFactory(name="牵头单位", region=changchun)
    participant = BudgetUnitFactory(name="参与单位", region=changchun)
    outsider_unit = BudgetUnitFactory(name="未受邀单位", region=changchun)
    supplier, other_supplier = SupplierFactory(), SupplierFactory()
    batch = ProjectFactory(mode=Mode.BATCH, organizer=center, agency=agency, scope_region=changchun)
    # A joint volume project built with the core models alone: the lead unit organizes, an agency is entrusted.
    volume = ProjectFactory(mode=Mode.VOLUME, organizer=lead, agency=agency, scope_region=changchun,
                            code="JLDL-2026-0001", title="带量采购项目")
    for project in (batch, volume):
        EligibleUnit.objects.create(project=project, unit=participant)
    # Two awards of one supplier on one project (two lots): the project is read once, each award is its own row.
    first = AwardFactory(lot=LotFactory(project=volume), supplier=supplier)
    second = AwardFactory(lot=LotFactory(project=volume), supplier=supplier)
    users = {
        "center organizer": member_of(center),
        "center viewer": member_of(center, role=Membership.Role.VIEWER),
        "other center": member_of(other_center),
        "entrusted agency": member_of(agency),
        "other agency": member_of(other_agency),
        "lead unit": member_of(lead),
        "participant unit": member_of(participant),
        "uninvited unit": member_of(outsider_unit),
        "finance of the region": member_of(FinanceFactory(region=changchun)),
        "finance of another region": member_of(FinanceFactory(region=jilin_city)),
        "supplier with two awards": member_of(supplier),
        "other supplier": member_of(other_supplier),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "system actor": SYSTEM,
        "no membership": UserFactory(),
    }
    return {"projects": {"batch": batch, "volume": volume}, "users": users, "awards": (first, second),
            "supplier": supplier, "agency": agency}


# who, project, the steps they run, do they read it
TABLE = [
    ("center organizer", "batch", ALL_STEPS, True),
    ("center organizer", "volume", NONE, False),
    ("center viewer", "batch", NONE, True),  # a read-only member reads, and acts in no step
    ("other center", "batch", NONE, False),
    ("entrusted agency", "batch", ENTRUSTED, True),
    ("entrusted agency", "volume", ENTRUSTED, True),
    ("other agency", "batch", NONE, False),
    ("lead unit", "volume", ALL_STEPS, True),
    ("lead unit", "batch", NONE, False),
    ("participant unit", "batch", NONE, True),
    ("participant unit", "volume", NONE, True),
    ("uninvited unit", "volume", NONE, False),
    ("finance of the region", "batch", NONE, True),
    ("finance of the region", "volume", NONE, True),
    ("finance of another region", "batch", NONE, False),
    ("supplier with two awards", "volume", NONE, True),
    ("supplier with two awards", "batch", NONE, False),
    ("other supplier", "volume", NONE, False),
    ("superuser", "batch", ALL_STEPS, True),
    ("superuser", "volume", ALL_STEPS, True),
    ("system actor", "volume", ALL_STEPS, True),
    ("no membership", "batch", NONE, False),
]


@pytest.mark.parametrize(("who", "which", "steps", "reads"), TABLE, ids=[f"{w}-{p}" for w, p, *_ in TABLE])
def test_the_policy_table(world, who, which, steps, reads):
    user, project = world["users"][who], world["projects"][which]
    for step in Step:
        assert access.runs_project(user, project, step=step) is (step in steps), step
    assert access.runs_project(user, project) is bool(steps)
    assert access.reads_project(user, project) is reads
    assert (project in access.projects_readable(user)) is reads
    if who != "center viewer":  # the workspace lists what a read-only member's organization runs
        for step in Step:
            assert (project in access.projects_run_by(user, step=step)) is (step in steps), step


def test_a_read_only_member_lists_what_its_organization_runs(world):
    viewer, batch = world["users"]["center viewer"], world["projects"]["batch"]
    assert list(access.projects_run_by(viewer)) == [batch]
    assert not access.runs_project(viewer, batch)


def test_reading_a_project_one_runs_asks_the_database_nothing(world, django_assert_num_queries):
    agency, batch = world["users"]["entrusted agency"], world["projects"]["batch"]
    access.seats(agency)
    with django_assert_num_queries(0):
        assert access.reads_project(agency, batch)
        assert access.runs_project(agency, batch, step=Step.AWARD)
        assert not access.runs_project(agency, batch, step=Step.MASTER_PLAN)


def test_a_supplier_with_two_awards_on_one_project_lists_it_once_and_each_award(world):
    from procurement.selectors.home import supplier_awards

    user, volume = world["users"]["supplier with two awards"], world["projects"]["volume"]
    assert list(access.projects_readable(user)) == [volume]
    assert set(supplier_awards(user)) == set(world["awards"])


def test_a_supplier_sees_the_contracts_it_is_party_to_and_no_other(world):
    user, volume = world["users"]["supplier with two awards"], world["projects"]["volume"]
    own = ContractFactory(project=volume, supplier=world["supplier"])
    ContractFactory(project=volume)
    assert list(access.visible_contracts(user)) == [own]


def test_a_center_home_lists_the_projects_run_by_its_center_and_agency_seats_only(world):
    from procurement.selectors.home import center_projects, unit_led_projects

    assert list(center_projects(world["users"]["entrusted agency"]).order_by("pk")) == [
        world["projects"]["batch"], world["projects"]["volume"]]
    assert list(center_projects(world["users"]["lead unit"])) == []
    assert list(unit_led_projects(world["users"]["lead unit"])) == [world["projects"]["volume"]]
    assert list(center_projects(world["users"]["superuser"])) == []  # a superuser's home is the admin


def test_the_transitions_follow_the_split(world):
    """The agency starts the procurement it is entrusted with; confirming the master plan stays the organizer's."""
    agency, center = world["users"]["entrusted agency"], world["users"]["center organizer"]
    project = world["projects"]["batch"]
    Project.objects.filter(pk=project.pk).update(status=Project.Status.AGGREGATED)
    with pytest.raises(PermissionDenied):
        transition_run(instance=project, name="confirm_master_plan", actor=agency)
    with pytest.raises(PermissionDenied):
        transition_run(instance=project, name="terminate", actor=agency)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.CONFIRMED,
                                                 procurement_method=ProcurementMethod.OPEN_TENDER)
    started = transition_run(instance=project, name="start_procurement", actor=agency)
    assert started.status == Project.Status.PROCURING
    assert access.runs_project(center, started, step=Step.TERMINATION)


class ShortlistPlugin(modes.ModePlugin):
    """A mode that lets some suppliers read its projects (framework: the shortlisted suppliers)."""

    mode = Mode.VOLUME

    def __init__(self, supplier_ids):
        self.supplier_ids = supplier_ids

    def readable_projects(self, user):
        if set(access.org_ids(user)) & set(self.supplier_ids):
            return Q(pk__gte=0)  # every project: the core narrows it to this mode's own
        return None


def test_a_mode_adds_readers_of_its_own_projects_only(world, monkeypatch):
    user = world["users"]["other supplier"]
    volume, batch = world["projects"]["volume"], world["projects"]["batch"]
    assert not access.reads_project(user, volume)
    supplier_id = access.org_ids(user)[0]
    monkeypatch.setitem(modes._plugins, Mode.VOLUME, ShortlistPlugin([supplier_id]))
    assert list(access.projects_readable(user)) == [volume]
    assert access.reads_project(user, volume)
    assert not access.reads_project(user, batch)
    assert not access.runs_project(user, volume)
