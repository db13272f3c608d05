"""The task notice moved to the core (procurement 0007_task_notices): batch's foreign keys now point to
``procurement.TaskNotice`` (same table, same rows) and batch keeps a proxy of it for its annex-5 admin.
State only: nothing changes in the database here.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('batch', '0004_award_documents_and_experts'),
        ('procurement', '0007_task_notices'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='batchdetails',
                    name='task',
                    field=models.ForeignKey(limit_choices_to={'mode': 'batch'}, on_delete=django.db.models.deletion.PROTECT, related_name='projects', to='procurement.tasknotice', verbose_name='任务通知单'),
                ),
                migrations.AlterField(
                    model_name='configurationtable',
                    name='task',
                    field=models.ForeignKey(blank=True, limit_choices_to={'mode': 'batch'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='configuration_tables', to='procurement.tasknotice', verbose_name='任务通知单'),
                ),
                migrations.AlterField(
                    model_name='proposedcategory',
                    name='task',
                    field=models.OneToOneField(blank=True, limit_choices_to={'mode': 'batch'}, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='proposed_from', to='procurement.tasknotice', verbose_name='据此起草的任务通知单'),
                ),
                migrations.DeleteModel(
                    name='TaskNotice',
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name='TaskNotice',
            fields=[],
            options={
                'verbose_name': '批量集中采购任务通知单',
                'verbose_name_plural': '批量集中采购任务通知单',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('procurement.tasknotice',),
        ),
    ]
