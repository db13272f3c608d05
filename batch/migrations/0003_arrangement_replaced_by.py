import django.db.models.deletion
from django.db import migrations, models


def link_replaced_tables(apps, schema_editor):
    """A table replaced before this migration gets the next table of its bureau and year as its replacement."""
    Arrangement = apps.get_model("batch", "Arrangement")
    tables = Arrangement.objects.order_by("finance_bureau_id", "year", "imported_at", "pk")
    previous = None
    for table in tables.iterator():
        if (previous is not None and not previous.is_current and previous.replaced_by_id is None
                and (previous.finance_bureau_id, previous.year) == (table.finance_bureau_id, table.year)):
            Arrangement.objects.filter(pk=previous.pk).update(replaced_by=table, replaced_at=table.imported_at)
        previous = table


class Migration(migrations.Migration):

    dependencies = [
        ('batch', '0002_category_proposals'),
    ]

    operations = [
        migrations.AddField(
            model_name='arrangement',
            name='replaced_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='替换时间'),
        ),
        migrations.AddField(
            model_name='arrangement',
            name='replaced_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='replaced', to='batch.arrangement', verbose_name='替换为'),
        ),
        migrations.RunPython(link_replaced_tables, migrations.RunPython.noop),
    ]
