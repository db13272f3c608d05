"""Reference data: the region tree, the credit-code validator, organization constraints."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from procurement.models import Organization, Region
from procurement.reference_data import FUNCTIONAL_AREAS, is_internal_region_code, region_rows, regions_ensure
from procurement.validators import credit_code_check_char, validate_credit_code
from tests.factories import province

pytestmark = pytest.mark.django_db

PREFECTURES = {
    "220100": "长春市", "220200": "吉林市", "220300": "四平市", "220400": "辽源市", "220500": "通化市",
    "220600": "白山市", "220700": "松原市", "220800": "白城市", "222400": "延边朝鲜族自治州",
}


def test_regions_put_nine_prefectures_and_three_functional_areas_under_jilin():
    regions_ensure()

    jilin = Region.objects.get(code="220000")
    assert (jilin.name, jilin.level, jilin.parent, jilin.path) == ("吉林省", Region.Level.PROVINCE, None, "220000/")
    under = {r.code: r.name for r in Region.objects.filter(parent=jilin, level=Region.Level.PREFECTURE)}
    assert under == {**PREFECTURES, "JLGN01": "长白山管委会", "JLGN02": "长春新区", "JLGN03": "梅河新区"}
    assert all(r.path.startswith("220000/") for r in Region.objects.exclude(pk=jilin.pk))


def test_counties_hang_under_their_prefecture_with_path_prefixes():
    regions_ensure()

    gongzhuling = Region.objects.get(code="220184")
    assert (gongzhuling.name, gongzhuling.parent.name) == ("公主岭市", "长春市")
    assert gongzhuling.path == "220000/220100/220184/"
    assert Region.objects.get(code="220581").path == "220000/220500/220581/"  # 梅河口市 under 通化市
    changchun = Region.objects.get(code="220100")
    in_changchun = set(Region.objects.filter(path__startswith=changchun.path).values_list("name", flat=True))
    assert {"长春市", "南关区", "九台区", "农安县", "榆树市", "德惠市", "公主岭市"} <= in_changchun
    assert "吉林市" not in in_changchun
    for county in Region.objects.filter(level=Region.Level.COUNTY).select_related("parent"):
        assert county.parent.level == Region.Level.PREFECTURE
        assert county.path == f"{county.parent.path}{county.code}/"


def test_functional_areas_have_internal_codes_that_cannot_be_national_codes():
    for code, _name in FUNCTIONAL_AREAS:
        assert is_internal_region_code(code)
        assert not code.isdigit()
    national = [row.code for row in region_rows() if not is_internal_region_code(row.code)]
    assert all(len(code) == 6 and code.isdigit() and code.startswith("22") for code in national)


def test_regions_ensure_is_idempotent_and_repairs_a_changed_name():
    first = regions_ensure()
    ids = dict(Region.objects.values_list("code", "id"))
    Region.objects.filter(code="220100").update(name="长春")

    second = regions_ensure()

    assert first.created == len(region_rows()) and second.created == 0
    assert second.updated == 1
    assert dict(Region.objects.values_list("code", "id")) == ids
    assert Region.objects.get(code="220100").name == "长春市"
    assert regions_ensure().updated == 0


def test_regions_ensure_completes_a_partial_tree_made_elsewhere():
    province()  # the factories' 吉林省, as other tests build it

    regions_ensure()

    assert Region.objects.filter(code="220000").count() == 1
    assert Region.objects.count() == len(region_rows())


def _valid_credit_code() -> str:
    body = "91220101MA0Y4K2P3"
    return body + credit_code_check_char(body)


VALID_CREDIT_CODE = _valid_credit_code()


def test_credit_code_validator_accepts_a_code_with_the_right_check_character():
    validate_credit_code(VALID_CREDIT_CODE)  # does not raise


def test_credit_code_validator_rejects_a_wrong_check_character_in_chinese():
    code = VALID_CREDIT_CODE
    wrong = code[:17] + ("0" if code[17] != "0" else "1")

    with pytest.raises(ValidationError) as raised:
        validate_credit_code(wrong)

    assert raised.value.messages == [f"统一社会信用代码「{wrong}」校验位不正确"]


def test_credit_code_validator_rejects_letters_outside_the_alphabet():
    with pytest.raises(ValidationError, match="格式不正确"):
        validate_credit_code("91220101MA0Y4K2PI" + "0")


def test_budget_unit_without_unit_code_is_refused_by_clean_and_database():
    region = province()
    unit = Organization(kind=Organization.Kind.BUDGET_UNIT, name="无代码单位", region=region)

    with pytest.raises(ValidationError) as raised:
        unit.full_clean()
    assert "预算单位必须填写单位代码" in raised.value.message_dict["unit_code"]
    with pytest.raises(IntegrityError), transaction.atomic():
        unit.save()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"sme_size": Organization.SmeSize.SMALL}, "credit_code", "供应商必须填写统一社会信用代码"),
        ({"credit_code": VALID_CREDIT_CODE}, "sme_size", "供应商必须选择企业规模"),
    ],
    ids=["no-credit-code", "no-size"],
)
def test_supplier_needs_credit_code_and_size(fields, field, message):
    supplier = Organization(kind=Organization.Kind.SUPPLIER, name="某某有限公司", region=province(), **fields)

    with pytest.raises(ValidationError) as raised:
        supplier.full_clean()
    assert message in raised.value.message_dict[field]
    with pytest.raises(IntegrityError), transaction.atomic():
        supplier.save()


def test_supplier_with_valid_credit_code_and_size_is_accepted():
    supplier = Organization(kind=Organization.Kind.SUPPLIER, name="某某有限公司", region=province(),
                            credit_code=VALID_CREDIT_CODE, sme_size=Organization.SmeSize.MICRO)
    supplier.full_clean()
    supplier.save()
    assert Organization.objects.suppliers().filter(pk=supplier.pk).exists()
