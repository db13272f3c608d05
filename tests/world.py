"""One world for the tests: Jilin in small, with a signed-in person for every organization (issue 9 point 8).

``world_build()`` (the ``world`` fixture of ``tests/conftest.py``) makes the regions (the province, Changchun and
its Nanguan district, Jilin city), the provincial finance department and procurement center, and one budget unit
at every level, each with an operator (经办人) who can sign in. What only some tests need (Changchun's finance
bureau and center, an agency, the suppliers, read-only members, more units) is made on first use, so a test
that does not ask for it does not see it. Names, usernames and codes are fixed: a test may compare them.

A second ``world_build()`` in the same database (a test that needs "another center's operator") makes a second
set of organizations with the same names and its own usernames (``zhongxin_2``) and codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client
from rest_framework.test import APIClient

from procurement.models import Membership, Organization, Region
from tests.factories import county, next_credit_code, prefecture, province

PASSWORD = "Test@12345"

Kind = Organization.Kind
Role = Membership.Role


@dataclass(frozen=True)
class Seat:
    """One organization of the world: its key, what it is, where, and the username of its operator."""

    key: str
    kind: str
    name: str
    region: str
    username: str
    fields: tuple[tuple[str, str], ...] = ()


# Made with the world: the provincial finance department and center, a budget unit at every level.
CORE = (
    Seat("finance", Kind.FINANCE, "吉林省财政厅", "province", "caizheng"),
    Seat("center", Kind.CENTER, "吉林省政府采购中心", "province", "zhongxin",
         (("address", "长春市人民大街1号"), ("contact_phone", "0431-88888888"))),
    # A provincial department (主管预算单位: it supervises itself).
    Seat("province", Kind.BUDGET_UNIT, "吉林省教育厅", "province", "clerk_province"),
    Seat("changchun", Kind.BUDGET_UNIT, "长春市第一中学", "changchun", "clerk_changchun"),
    Seat("nanguan", Kind.BUDGET_UNIT, "南关区人民医院", "nanguan", "clerk_nanguan"),
    Seat("jilin_city", Kind.BUDGET_UNIT, "吉林市第二实验小学", "jilin_city", "clerk_jilin_city"),
)
UNIT_KEYS = ("province", "changchun", "nanguan", "jilin_city")

# Made on first use (a cached property of the same name).
ON_DEMAND = {
    seat.key: seat for seat in (
        Seat("city_finance", Kind.FINANCE, "长春市财政局", "changchun", "caizheng_changchun"),
        Seat("city_center", Kind.CENTER, "长春市政府采购中心", "changchun", "zhongxin_changchun"),
        Seat("agency", Kind.AGENCY, "吉林华信招标代理有限公司", "province", "daili"),
        # 中小企业 (small), and a large enterprise that is not one.
        Seat("supplier", Kind.SUPPLIER, "吉林测试电脑有限公司", "province", "gongying",
             (("sme_size", Organization.SmeSize.SMALL), ("address", "长春市高新区1号"))),
        Seat("large_supplier", Kind.SUPPLIER, "长春大成科技集团有限公司", "province", "gongying_large",
             (("sme_size", Organization.SmeSize.LARGE), ("address", "长春市净月区9号"))),
    )
}


@dataclass
class World:
    """Jilin in small: regions, finance, centers, units, suppliers and their people (see the module's text)."""

    seat: int
    province: Region
    changchun: Region
    nanguan: Region
    jilin_city: Region
    finance: Organization
    center: Organization
    budget_units: dict[str, Organization]
    _people: dict[tuple[int, str], object] = field(default_factory=dict, repr=False)
    _unit_serial: int = field(default=len(UNIT_KEYS), repr=False)

    # --- the places, by level ---------------------------------------------------------------------
    @property
    def prefecture(self) -> Region:
        return self.changchun

    @property
    def county(self) -> Region:
        return self.nanguan

    # --- the budget units, by level ---------------------------------------------------------------
    @property
    def province_unit(self) -> Organization:
        return self.budget_units["province"]

    @property
    def prefecture_unit(self) -> Organization:
        return self.budget_units["changchun"]

    @property
    def county_unit(self) -> Organization:
        return self.budget_units["nanguan"]

    @property
    def other_prefecture_unit(self) -> Organization:
        return self.budget_units["jilin_city"]

    # --- made on first use --------------------------------------------------------------------------
    @cached_property
    def city_finance(self) -> Organization:
        return self._seat_make(ON_DEMAND["city_finance"])

    @cached_property
    def city_center(self) -> Organization:
        return self._seat_make(ON_DEMAND["city_center"])

    @cached_property
    def agency(self) -> Organization:
        return self._seat_make(ON_DEMAND["agency"])

    @cached_property
    def supplier(self) -> Organization:
        """A small enterprise (中小企业)."""
        return self._seat_make(ON_DEMAND["supplier"])

    @cached_property
    def large_supplier(self) -> Organization:
        """A large enterprise: not an SME."""
        return self._seat_make(ON_DEMAND["large_supplier"])

    # --- people ---------------------------------------------------------------------------------------
    def user(self, organization: Organization, *, role: str = Role.OPERATOR):
        """The person acting for ``organization`` in ``role``: its operator, or (made once) a member in another
        role, named after the operator (``caizheng_viewer``)."""
        key = (organization.pk, role)
        if key not in self._people:
            operator = self._people.get((organization.pk, Role.OPERATOR))
            if operator is None:
                username, email = f"{self._suffixed(f'member{organization.pk}')}", ""
            else:
                username, email = f"{operator.username}_{role}", operator.email
            [made] = _people_make([(organization, username, email, role)])
            self._people[key] = made
        return self._people[key]

    def client_for(self, who, *, role: str = Role.OPERATOR) -> Client:
        """A page client signed in as ``who`` (a user, or an organization's person in ``role``)."""
        client = Client()
        client.force_login(self._person(who, role))
        return client

    def api_for(self, who, *, role: str = Role.OPERATOR) -> APIClient:
        """An API client authenticated as ``who`` (a user, or an organization's person in ``role``)."""
        client = APIClient()
        client.force_authenticate(self._person(who, role))
        return client

    # --- knobs ------------------------------------------------------------------------------------------
    def units(self, count: int, *, region: Region | None = None, name: str = "测试预算单位{:03d}",
              codes: Sequence[str] | None = None, supervising: Organization | None = None,
              people: bool = False) -> list[Organization]:
        """``count`` more budget units (bulk), named ``name.format(1…count)``, in ``region`` (the province), with
        the world's next unit codes or ``codes``; with an operator each when ``people``."""
        first = self._unit_serial + 1
        self._unit_serial += count
        codes = list(codes) if codes is not None else [self._unit_code(first + i) for i in range(count)]
        made = Organization.objects.bulk_create([
            Organization(kind=Kind.BUDGET_UNIT, name=name.format(i), region=region or self.province,
                         unit_code=code, supervising_unit=supervising)
            for i, code in enumerate(codes[:count], start=1)
        ])
        if people:
            _people_make([(unit, self._suffixed(f"clerk_{unit.unit_code}"), f"{unit.unit_code}@example.gov.cn",
                           Role.OPERATOR) for unit in made], into=self._people)
        return made

    # --- inside ---------------------------------------------------------------------------------------
    def _person(self, who, role: str):
        return self.user(who, role=role) if isinstance(who, Organization) else who

    def _suffixed(self, text: str) -> str:
        return text if self.seat == 1 else f"{text}_{self.seat}"

    def _unit_code(self, serial: int) -> str:
        return f"8{self.seat:02d}{serial:05d}"

    def _seat_make(self, seat: Seat) -> Organization:
        regions = {"province": self.province, "changchun": self.changchun, "nanguan": self.nanguan,
                   "jilin_city": self.jilin_city}
        organization = _organization(seat, regions[seat.region])
        organization.save()
        _people_make([(organization, self._suffixed(seat.username), f"{seat.key}@example.gov.cn", Role.OPERATOR)],
                     into=self._people)
        return organization


def _organization(seat: Seat, region: Region) -> Organization:
    extra = dict(seat.fields)
    if seat.kind in (Kind.SUPPLIER, Kind.AGENCY):
        extra["credit_code"] = next_credit_code()
    return Organization(kind=seat.kind, name=seat.name, region=region, **extra)


def _people_make(wanted: list[tuple[Organization, str, str, str]], *, into: dict | None = None) -> list:
    """Users and their memberships in two inserts; every password is ``PASSWORD``."""
    password = make_password(PASSWORD)
    users = get_user_model().objects.bulk_create([
        get_user_model()(username=username, first_name="测试", email=email or f"{username}@example.gov.cn",
                         password=password)
        for _, username, email, _ in wanted
    ])
    Membership.objects.bulk_create([
        Membership(user=user, organization=organization, role=role)
        for user, (organization, _, _, role) in zip(users, wanted, strict=True)
    ])
    if into is not None:
        for user, (organization, _, _, role) in zip(users, wanted, strict=True):
            into[(organization.pk, role)] = user
    return users


def world_build() -> World:
    """The world (see the module's text); the n-th in one database has its own usernames and codes."""
    seat = 1 + get_user_model().objects.filter(username__regex=r"^zhongxin(_[0-9]+)?$").count()
    regions = {
        "province": province(),
        "changchun": prefecture("220100", "长春市"),
        "jilin_city": prefecture("220200", "吉林市"),
    }
    regions["nanguan"] = county("220102", "南关区", parent=regions["changchun"])
    organizations = []
    for seat_spec in CORE:
        organization = _organization(seat_spec, regions[seat_spec.region])
        if seat_spec.kind == Kind.BUDGET_UNIT:
            organization.unit_code = f"8{seat:02d}{UNIT_KEYS.index(seat_spec.key) + 1:05d}"
        organizations.append(organization)
    Organization.objects.bulk_create(organizations)
    made = {spec.key: organization for spec, organization in zip(CORE, organizations, strict=True)}
    department = made["province"]
    department.supervising_unit = department
    Organization.objects.filter(pk=department.pk).update(supervising_unit=department)

    world = World(seat=seat, province=regions["province"], changchun=regions["changchun"],
                  nanguan=regions["nanguan"], jilin_city=regions["jilin_city"], finance=made["finance"],
                  center=made["center"], budget_units={key: made[key] for key in UNIT_KEYS})
    _people_make([(made[spec.key], world._suffixed(spec.username), f"{spec.key}@example.gov.cn", Role.OPERATOR)
                  for spec in CORE], into=world._people)
    return world
