"""The execution record moves to the core project (issue 9 point 1): the dates of 实施采购, the evaluation experts,
the award notice (a real foreign key) and the master-plan confirmation time; and the procurement documents become
the core's ``ProjectDocument``. The documents' table is the mode app's former one, renamed by that app's migration
that depends on this one (state only here); that migration also carries the existing values over."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0002_attachments_and_contract'),
        ('procurement', '0008_event_action_choices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='project',
            name='award_notice',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='notices.notice', verbose_name='中标（成交）结果公告'),
        ),
        migrations.AddField(
            model_name='project',
            name='bid_opening_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='开标（响应截止）时间'),
        ),
        migrations.AddField(
            model_name='project',
            name='documents_issued_on',
            field=models.DateField(blank=True, null=True, verbose_name='采购文件发布日期'),
        ),
        migrations.AddField(
            model_name='project',
            name='evaluation_experts',
            field=models.TextField(blank=True, verbose_name='评审专家名单'),
        ),
        migrations.AddField(
            model_name='project',
            name='evaluation_on',
            field=models.DateField(blank=True, null=True, verbose_name='评审日期'),
        ),
        migrations.AddField(
            model_name='project',
            name='master_plan_confirmed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='总计划确认时间'),
        ),
        # The table exists already under the mode app's name; that app renames it (see the module docstring).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ProjectDocument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('procurement_documents', '采购文件（招标文件、谈判文件、磋商文件、询价通知书等）'), ('evaluation_report', '评审报告'), ('other', '其他文件')], default='other', max_length=24, verbose_name='文件类别')),
                        ('title', models.CharField(max_length=200, verbose_name='文件名称')),
                        ('file', models.FileField(upload_to='project_documents/%Y/%m/', verbose_name='文件')),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='documents', to='procurement.project', verbose_name='采购项目')),
                        ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                    ],
                    options={
                        'verbose_name': '采购文件',
                        'verbose_name_plural': '采购文件',
                        'ordering': ['-uploaded_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
