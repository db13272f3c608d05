"""Test data built the same way everywhere (factory-boy)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from procurement.models import (
    Award,
    Category,
    Contract,
    ContractLine,
    EligibleUnit,
    Lot,
    Membership,
    Mode,
    Organization,
    Project,
    Region,
    SubPlan,
)
from procurement.validators import credit_code_check_char

_credit_serial = itertools.count(1)


def next_credit_code() -> str:
    """A valid, unique 统一社会信用代码 (GB 32100-2015 check character)."""
    body = f"91220100{next(_credit_serial):09d}"
    return body + credit_code_check_char(body)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "220000"
    name = "吉林省"
    level = Region.Level.PROVINCE
    parent = None


def province() -> Region:
    return RegionFactory()


def prefecture(code: str = "220100", name: str = "长春市") -> Region:
    return RegionFactory(code=code, name=name, level=Region.Level.PREFECTURE, parent=province())


def county(code: str = "220102", name: str = "南关区", parent: Region | None = None) -> Region:
    return RegionFactory(code=code, name=name, level=Region.Level.COUNTY, parent=parent or prefecture())


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.BUDGET_UNIT
    name = factory.Sequence(lambda n: f"测试预算单位{n}")
    region = factory.LazyFunction(province)
    unit_code = factory.Sequence(lambda n: f"9{n:05d}")


class BudgetUnitFactory(OrganizationFactory):
    pass


class SupplierFactory(OrganizationFactory):
    kind = Organization.Kind.SUPPLIER
    name = factory.Sequence(lambda n: f"吉林测试供应商{n}有限公司")
    unit_code = ""
    credit_code = factory.LazyFunction(next_credit_code)
    sme_size = Organization.SmeSize.SMALL


class CenterFactory(OrganizationFactory):
    kind = Organization.Kind.CENTER
    name = factory.Sequence(lambda n: f"测试政府采购中心{n}")
    unit_code = ""


class FinanceFactory(OrganizationFactory):
    kind = Organization.Kind.FINANCE
    name = factory.Sequence(lambda n: f"测试财政局{n}")
    unit_code = ""


class AgencyFactory(OrganizationFactory):
    kind = Organization.Kind.AGENCY
    name = factory.Sequence(lambda n: f"测试采购代理机构{n}")
    unit_code = ""
    credit_code = factory.LazyFunction(next_credit_code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "测试"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.cn")
    password = factory.PostGenerationMethodCall("set_password", "Test@12345")

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def member_of(organization: Organization, *, role: str = Membership.Role.OPERATOR, username: str | None = None,
              **user_fields):
    """A user acting for ``organization`` in ``role``."""
    user = UserFactory(username=username, **user_fields) if username else UserFactory(**user_fields)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = "A02010105"
    name = "台式计算机"
    level = 4
    in_centralized_catalog = True


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"JLT-2026-{n:06d}")
    mode = Mode.BATCH
    title = factory.Sequence(lambda n: f"测试采购项目{n}")
    year = 2026
    organizer = factory.SubFactory(CenterFactory)
    category = factory.SubFactory(CategoryFactory)
    scope_region = factory.LazyFunction(province)
    response_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    response_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    status = Project.Status.COLLECTING


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"配置{n + 1}")
    unit_of_measure = "台"


class EligibleUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibleUnit

    project = factory.SubFactory(ProjectFactory)
    unit = factory.SubFactory(BudgetUnitFactory)


class SubPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubPlan

    lot = factory.SubFactory(LotFactory)
    project = factory.SelfAttribute("lot.project")
    unit = factory.SubFactory(BudgetUnitFactory)
    quantity = Decimal("10")
    budget_yuan = Decimal("50000.00")
    status = SubPlan.Status.SUBMITTED


CONTRACT_LINE_FIELDS = ("lot", "sub_plan", "quantity", "unit_price_yuan", "line_award")


class ContractFactory(factory.django.DjangoModelFactory):
    """A contract with one line: ``lot``, ``sub_plan``, ``quantity``, ``unit_price_yuan`` (and ``line_award``, the
    award the line follows) describe that line; the contract amount is the line's (``amount_yuan`` if given)."""

    class Meta:
        model = Contract

    code = factory.Sequence(lambda n: f"HT-2026-{n:06d}")
    title = factory.Sequence(lambda n: f"测试采购合同{n}")
    project = factory.SubFactory(ProjectFactory, status=Project.Status.AWARDED)
    buyer = factory.SubFactory(BudgetUnitFactory)
    supplier = factory.SubFactory(SupplierFactory)
    amount_yuan = None
    status = Contract.Status.DRAFT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        line = {name: kwargs.pop(name, None) for name in CONTRACT_LINE_FIELDS}
        quantity = line["quantity"] if line["quantity"] is not None else Decimal("10")
        price = line["unit_price_yuan"] if line["unit_price_yuan"] is not None else Decimal("4500.00")
        amount = kwargs.get("amount_yuan")
        if amount is None:
            amount = (quantity * price).quantize(Decimal("0.01"))
        kwargs["amount_yuan"] = amount
        contract = super()._create(model_class, *args, **kwargs)
        lot = line["lot"]
        ContractLine.objects.create(
            contract=contract, number=1, lot=lot, award=line["line_award"], sub_plan=line["sub_plan"],
            description=lot.name if lot else contract.title, quantity=quantity,
            unit_of_measure=lot.unit_of_measure if lot else "", unit_price_yuan=price, amount_yuan=amount,
            buyer=contract.buyer, contract_live=contract.status != Contract.Status.TERMINATED,
        )
        return contract


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    lot = factory.SubFactory(LotFactory)
    project = factory.SelfAttribute("lot.project")
    supplier = factory.SubFactory(SupplierFactory)
    unit_price_yuan = Decimal("4500.00")
    awarded_on = factory.LazyFunction(timezone.localdate)


def contract_pdf(name: str = "合同.pdf") -> SimpleUploadedFile:
    """A signed contract as the purchaser uploads it (a PDF; the contract notice publishes it)."""
    return SimpleUploadedFile(name, b"%PDF-1.4\n% signed contract\n", content_type="application/pdf")
