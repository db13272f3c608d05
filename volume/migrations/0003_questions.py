import datetime

from django.db import migrations, models


class Migration(migrations.Migration):
    """Complaints carry their decision's due date (《政府采购法》第五十六条) and the sweep's next check."""

    dependencies = [
        ("volume", "0002_volume_items"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="decision_due_on",
            field=models.DateField(default=datetime.date(2026, 1, 1), verbose_name="处理决定截止日"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="complaint",
            name="next_check",
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True,
                                       verbose_name="下次检查时间"),
        ),
    ]
