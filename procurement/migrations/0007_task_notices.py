"""The task notice (采购任务通知单) moves from batch to the core, with a mode and a validity.

The table and its rows stay: the state takes over batch's ``batch_tasknotice`` table, which is then renamed
(its scope-regions table with it); the foreign keys of batch's tables follow the rename. Every existing notice
is a batch notice (``mode="batch"``). Batch drops the model from its state in its own next migration.
"""

import django.core.validators
import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('procurement', '0006_import_jobs'),
        ('batch', '0004_award_documents_and_experts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='TaskNotice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('document_number', models.CharField(blank=True, max_length=64, verbose_name='文号')),
                        ('year', models.PositiveSmallIntegerField(db_index=True, verbose_name='年度')),
                        ('purchase_limit', models.CharField(help_text='如：集中采购目录内单项或批量金额在XX万元以下的小额零星项目', max_length=200, verbose_name='采购限额')),
                        ('purchase_limit_yuan', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(0, message='不能为负数')], verbose_name='采购限额金额（元）')),
                        ('scope', models.CharField(choices=[('province', '全省'), ('regions', '分地区')], default='province', max_length=16, verbose_name='适用范围')),
                        ('cycle', models.CharField(choices=[('monthly', '每月一次'), ('quarterly', '每季度一次'), ('half_yearly', '每半年一次'), ('yearly', '每年一次'), ('once', '一次性')], default='quarterly', max_length=16, verbose_name='采购周期')),
                        ('basis', models.TextField(blank=True, help_text='品目、预算金额、采购单位三个维度的分析结论', verbose_name='论证情况')),
                        ('status', django_fsm.FSMField(choices=[('draft', '草稿'), ('issued', '已下达'), ('acknowledged', '已签收'), ('withdrawn', '已撤回')], db_index=True, default='draft', max_length=16, protected=True, verbose_name='状态')),
                        ('issued_on', models.DateField(blank=True, null=True, verbose_name='下达日期')),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='签收时间')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='task_notices', to='procurement.category', verbose_name='采购品目')),
                        ('center', models.ForeignKey(limit_choices_to={'kind': 'center'}, on_delete=django.db.models.deletion.PROTECT, related_name='task_notices_received', to='procurement.organization', verbose_name='执行集中采购机构')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='起草人')),
                        ('finance_bureau', models.ForeignKey(limit_choices_to={'kind': 'finance'}, on_delete=django.db.models.deletion.PROTECT, related_name='task_notices_issued', to='procurement.organization', verbose_name='下达财政部门')),
                        ('scope_regions', models.ManyToManyField(blank=True, related_name='task_notices', to='procurement.region', verbose_name='适用地区')),
                    ],
                    options={
                        'verbose_name': '采购任务通知单',
                        'verbose_name_plural': '采购任务通知单',
                        'ordering': ['-year', '-created_at'],
                        'db_table': 'batch_tasknotice',
                    },
                    bases=(django_fsm.FSMModelMixin, models.Model),
                ),
            ],
            database_operations=[],
        ),
        # batch_tasknotice → procurement_tasknotice, batch_tasknotice_scope_regions → procurement_tasknotice_scope_regions.
        migrations.AlterModelTable(
            name='tasknotice',
            table=None,
        ),
        migrations.AddField(
            model_name='tasknotice',
            name='mode',
            field=models.CharField(choices=[('batch', '批量集中采购'), ('framework', '框架协议采购'), ('volume', '集中带量采购')], db_index=True, default='batch', max_length=16, verbose_name='采购组织形式'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='tasknotice',
            name='valid_from',
            field=models.DateField(blank=True, null=True, verbose_name='有效期起'),
        ),
        migrations.AddField(
            model_name='tasknotice',
            name='valid_until',
            field=models.DateField(blank=True, null=True, verbose_name='有效期止'),
        ),
        migrations.AddField(
            model_name='tasknotice',
            name='validity_months',
            field=models.PositiveSmallIntegerField(blank=True, help_text='如：货物一般为12个月，服务一般为24个月', null=True, verbose_name='有效期（月）'),
        ),
        migrations.AlterField(
            model_name='tasknotice',
            name='cycle',
            field=models.CharField(blank=True, choices=[('monthly', '每月一次'), ('quarterly', '每季度一次'), ('half_yearly', '每半年一次'), ('yearly', '每年一次'), ('once', '一次性')], max_length=16, verbose_name='采购周期'),
        ),
    ]
