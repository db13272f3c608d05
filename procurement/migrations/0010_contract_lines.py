# Contracts get lines (合同明细) and filings a generic subject; the data moves in 0008, the old columns go in 0009
# (three migrations: PostgreSQL refuses to alter a table with pending deferred constraint checks).

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('procurement', '0009_project_execution'),
    ]

    operations = [
        migrations.CreateModel(
            name='ContractLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(verbose_name='序号')),
                ('description', models.CharField(max_length=200, verbose_name='标的名称')),
                ('quantity', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(0, message='数量不能为负数')], verbose_name='数量')),
                ('unit_of_measure', models.CharField(blank=True, max_length=16, verbose_name='计量单位')),
                ('unit_price_yuan', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='不能为负数')], verbose_name='单价（元）')),
                ('amount_yuan', models.DecimalField(decimal_places=2, max_digits=16, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='不能为负数')], verbose_name='金额（元）')),
                ('contract_live', models.BooleanField(default=True, editable=False, verbose_name='合同未终止')),
                ('award', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='contract_lines', to='procurement.award', verbose_name='中标（成交）结果')),
                ('buyer', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='procurement.organization', verbose_name='采购人')),
                ('contract', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='procurement.contract', verbose_name='采购合同')),
                ('lot', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='contract_lines', to='procurement.lot', verbose_name='采购包')),
                ('sub_plan', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='contract_line', to='procurement.subplan', verbose_name='对应分计划')),
            ],
            options={
                'verbose_name': '合同明细',
                'verbose_name_plural': '合同明细',
                'ordering': ['contract', 'number'],
                'indexes': [models.Index(fields=['buyer', 'contract_live'], name='procurement_buyer_i_29f226_idx')],
            },
        ),
        migrations.AddField(
            model_name='filing',
            name='subject_type',
            field=models.CharField(default='', max_length=32, verbose_name='备案对象类型'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='filing',
            name='subject_id',
            field=models.BigIntegerField(default=0, verbose_name='备案对象ID'),
            preserve_default=False,
        ),
    ]
