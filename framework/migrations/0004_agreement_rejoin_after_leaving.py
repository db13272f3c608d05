# A supplier that left an open framework agreement may join the lot again (MoF Order No. 110, open agreements): the
# one-row-per-(lot, supplier) constraint becomes one row per (lot, supplier) that is not ``left``. A removed
# supplier's cancelled or terminated row still holds its place: it never rejoins (annex 8 §十一; Order 110 Art. 19).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('framework', '0003_plan_small_micro_deduction'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='agreement',
            name='framework_agreement_one_per_lot_supplier',
        ),
        migrations.AddConstraint(
            model_name='agreement',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'left'), _negated=True), fields=('lot', 'supplier'), name='framework_agreement_one_place_per_lot_supplier', violation_error_message='该供应商在此采购包已有入围记录'),
        ),
    ]
