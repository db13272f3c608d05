# The contract's own lot, sub-plan, quantity and unit price are in its lines now; the filing's contract is its
# subject. One live contract line per (award, buyer) replaces one live contract per (lot, buyer).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('procurement', '0011_contract_lines_data'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='contract',
            name='contract_one_per_unit_and_lot',
        ),
        migrations.RemoveConstraint(
            model_name='contract',
            name='contract_amounts_not_negative',
        ),
        migrations.RemoveField(
            model_name='contract',
            name='lot',
        ),
        migrations.RemoveField(
            model_name='contract',
            name='quantity',
        ),
        migrations.RemoveField(
            model_name='contract',
            name='sub_plan',
        ),
        migrations.RemoveField(
            model_name='contract',
            name='unit_price_yuan',
        ),
        migrations.RemoveField(
            model_name='filing',
            name='contract',
        ),
        migrations.AddConstraint(
            model_name='contract',
            constraint=models.CheckConstraint(condition=models.Q(('amount_yuan__gte', 0)), name='contract_amount_not_negative', violation_error_message='合同金额不能为负数'),
        ),
        migrations.AddConstraint(
            model_name='contractline',
            constraint=models.UniqueConstraint(fields=('contract', 'number'), name='contract_line_number_unique'),
        ),
        migrations.AddConstraint(
            model_name='contractline',
            constraint=models.UniqueConstraint(condition=models.Q(('award__isnull', False), ('contract_live', True)), fields=('award', 'buyer'), name='contract_line_one_live_per_award_and_buyer', violation_error_message='该采购人对此中标（成交）结果已有未终止的合同'),
        ),
        migrations.AddConstraint(
            model_name='contractline',
            constraint=models.CheckConstraint(condition=models.Q(('amount_yuan__gte', 0), ('unit_price_yuan__gte', 0), ('quantity__gte', 0)), name='contract_line_amounts_not_negative', violation_error_message='合同数量、单价和金额不能为负数'),
        ),
        migrations.AddIndex(
            model_name='filing',
            index=models.Index(fields=['subject_type', 'subject_id'], name='procurement_subject_47fa77_idx'),
        ),
    ]
