"""Validators for the identifiers the portal exchanges with other government systems."""

import re

from django.core.exceptions import ValidationError

# GB 32100-2015 统一社会信用代码: 18 characters from this alphabet (no I, O, Z, S, V),
# the last one a check character computed with these weights modulo 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
UNIT_CODE_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{2,31}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if not value:
        return
    code = value.upper()
    if len(code) != 18 or any(ch not in CREDIT_CODE_ALPHABET for ch in code):
        raise ValidationError(
            "统一社会信用代码「%(value)s」格式不正确：应为18位数字或大写字母（不含I、O、Z、S、V）",
            params={"value": value}, code="credit_code_format",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            "统一社会信用代码「%(value)s」校验位不正确", params={"value": value}, code="credit_code_check",
        )


def validate_unit_code(value: str) -> None:
    if value and not UNIT_CODE_PATTERN.match(value):
        raise ValidationError(
            "单位代码「%(value)s」格式不正确：应为3至32位数字、字母、点或连字符",
            params={"value": value}, code="unit_code_format",
        )


class SharedDemoPasswordValidator:
    """A password validator (``AUTH_PASSWORD_VALIDATORS``): never the demo's shared password.

    The demo prints that password for everyone to use; a password one chooses must be one's own.
    """

    def validate(self, password: str, user=None) -> None:
        from procurement.services.accounts import is_shared_demo_password  # the models import this module

        if is_shared_demo_password(password):
            raise ValidationError("新密码不能是演示账号的公共初始密码，请设置一个只有您知道的密码。",
                                  code="password_is_shared_demo_password")

    def get_help_text(self) -> str:
        return "不能使用演示账号的公共初始密码。"
