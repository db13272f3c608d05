# Each existing contract becomes a contract with one line (its lot, award, sub-plan, quantity and unit price; the
# amount unchanged); each filing names its subject: a contract filing its contract, any other the project (an
# award filing covers the result of every lot of its project).

from django.db import migrations
from django.db.models import F

TERMINATED = "terminated"


def forward(apps, schema_editor):
    Contract = apps.get_model("procurement", "Contract")
    ContractLine = apps.get_model("procurement", "ContractLine")
    Filing = apps.get_model("procurement", "Filing")
    lines = []
    for contract in Contract.objects.select_related("lot").order_by("pk").iterator(chunk_size=2000):
        lot = contract.lot
        lines.append(ContractLine(
            contract_id=contract.pk, number=1, lot_id=contract.lot_id, award_id=contract.award_id,
            sub_plan_id=contract.sub_plan_id, description=(lot.name if lot else contract.title)[:200],
            quantity=contract.quantity, unit_of_measure=lot.unit_of_measure if lot else "",
            unit_price_yuan=contract.unit_price_yuan, amount_yuan=contract.amount_yuan,
            buyer_id=contract.buyer_id, contract_live=contract.status != TERMINATED,
        ))
        if len(lines) >= 2000:
            ContractLine.objects.bulk_create(lines)
            lines = []
    ContractLine.objects.bulk_create(lines)
    for filing in Filing.objects.order_by("pk").iterator(chunk_size=2000):
        if filing.contract_id is not None:
            filing.subject_type, filing.subject_id = "contract", filing.contract_id
        else:
            filing.subject_type, filing.subject_id = "project", filing.project_id
        filing.save(update_fields=["subject_type", "subject_id"])


def backward(apps, schema_editor):
    Contract = apps.get_model("procurement", "Contract")
    ContractLine = apps.get_model("procurement", "ContractLine")
    Filing = apps.get_model("procurement", "Filing")
    for line in ContractLine.objects.filter(number=1).order_by("pk").iterator(chunk_size=2000):
        Contract.objects.filter(pk=line.contract_id).update(
            lot_id=line.lot_id, sub_plan_id=line.sub_plan_id, quantity=line.quantity,
            unit_price_yuan=line.unit_price_yuan)
    ContractLine.objects.all().delete()
    Filing.objects.filter(subject_type="contract").update(contract_id=F("subject_id"))


class Migration(migrations.Migration):

    dependencies = [
        ('procurement', '0010_contract_lines'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
