"""The contract text (政府采购合同) as a PDF the unit prints, signs with the supplier and uploads signed.

Rendered by WeasyPrint with the CJK font embedded, from the contract as the award made it (统采分签: the unit's
quantity at the award price), one row per contract line when it has several. The amount is written out in
capitals as well (大写金额), as every Chinese contract and payment document does.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.template.loader import render_to_string

from procurement.formats import amount, chinese_date_padded, quantity_text
from procurement.models import Contract
from procurement.modes import mode_plugin

TEMPLATE = "contracts/contract_text.html"
CENT = Decimal("0.01")
DIGITS = "零壹贰叁肆伍陆柒捌玖"
GROUPS = ("", "万", "亿", "万亿")
PLACES = ((1000, "仟"), (100, "佰"), (10, "拾"), (1, ""))


def _four(group: int) -> str:
    """A group of up to four digits in capitals, inner zeros read once (1005 → 壹仟零伍)."""
    text, zero = "", False
    for place, name in PLACES:
        digit = group // place % 10
        if digit:
            if zero and text:
                text += "零"
            text += DIGITS[digit] + name
            zero = False
        else:
            zero = True
    return text


def rmb_capitals(amount: Decimal) -> str:
    """人民币大写金额: 45000 → 肆万伍仟元整; 1005.30 → 壹仟零伍元叁角整; 0.05 → 伍分."""
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount < 0:
        return "负" + rmb_capitals(-amount)
    integer = int(amount)
    cents = int((amount - integer) * 100)
    jiao, fen = divmod(cents, 10)
    groups = []
    while integer:
        integer, group = divmod(integer, 10000)
        groups.append(group)
    text, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if not group:
            gap = bool(text)
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += _four(group) + GROUPS[index]
        gap = False
    if text:
        text += "元"
    if not jiao and not fen:
        return (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    if fen:
        text += ("零" if text and not jiao else "") + DIGITS[fen] + "分"
    else:
        text += "整"
    return text


BASIS_TEMPLATE = "contracts/wording/signing_basis.txt"


def contract_text_filename(contract: Contract) -> str:
    return f"{contract.code}政府采购合同（待签）.pdf"


def contract_text_pdf(*, contract: Contract, stamp: str = "") -> bytes:
    """The contract text as PDF bytes (``stamp``: a mark such as 演示 in the corner)."""
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    lines = [
        {
            "number": line.number,
            "subject": line.lot.name if line.lot else line.description,
            "lot_number": line.lot.number if line.lot else None,
            "specification": line.lot.specification if line.lot else "",
            "quantity": quantity_text(line.quantity),
            "measure": line.unit_of_measure,
            "unit_price": amount(line.unit_price_yuan),
            "amount": amount(line.amount_yuan),
        }
        for line in contract.lines.select_related("lot").order_by("number")
    ]
    html = render_to_string(TEMPLATE, {
        "contract": contract,
        "project": contract.project,
        "lines": lines,
        "line": lines[0] if len(lines) == 1 else None,
        "amount": amount(contract.amount_yuan),
        "amount_words": rmb_capitals(contract.amount_yuan),
        # The mode's sentence on how its contracts are signed (batch: 统采分签 by each unit's sub-plan), if any.
        "mode_basis": render_to_string(mode_plugin(contract.project.mode).template(BASIS_TEMPLATE)).strip(),
        "signed_text": chinese_date_padded(contract.signed_on) if contract.signed_on else "　　年　　月　　日",
        "stamp": stamp,
    })
    return HTML(string=html).write_pdf()
