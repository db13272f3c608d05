"""The execution record leaves batch for the core (issue 9 point 1).

- ``LotDocument`` becomes ``procurement.ProjectDocument``: its table is renamed (rows, files and ids kept), the model
  leaves batch's state, and its content type and permissions follow it (groups keep their rights).
- The dates of 实施采购, the evaluation and the experts, and the award notice move from ``BatchDetails`` to the core
  project (``award_notice_id`` becomes a real foreign key; an id whose notice no longer exists is not carried). The
  confirmation time is copied too; batch keeps its own copy until the confirmation step moves to the core.
- The 30-day signing reminders already sent keep counting as sent under the core's source name.
"""

from django.db import migrations

MOVED = ("documents_issued_on", "bid_opening_at", "evaluation_on", "evaluation_experts")
OLD_KEY, NEW_KEY = "batch_contract:", "contract_signing:"


def execution_to_project(apps, schema_editor):
    BatchDetails = apps.get_model("batch", "BatchDetails")
    Project = apps.get_model("procurement", "Project")
    Notice = apps.get_model("notices", "Notice")
    notices = set(Notice.objects.values_list("pk", flat=True))
    for details in BatchDetails.objects.all().iterator():
        values = {name: getattr(details, name) for name in MOVED}
        values["master_plan_confirmed_at"] = details.master_plan_confirmed_at
        values["award_notice_id"] = details.award_notice_id if details.award_notice_id in notices else None
        Project.objects.filter(pk=details.project_id).update(**values)


def execution_to_details(apps, schema_editor):
    BatchDetails = apps.get_model("batch", "BatchDetails")
    Project = apps.get_model("procurement", "Project")
    for details in BatchDetails.objects.all().iterator():
        project = Project.objects.get(pk=details.project_id)
        for name in MOVED:
            setattr(details, name, getattr(project, name))
        details.award_notice_id = project.award_notice_id
        details.save(update_fields=[*MOVED, "award_notice_id"])


def _rename_content_type(apps, old: tuple[str, str], new: tuple[str, str]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    found = ContentType.objects.filter(app_label=old[0], model=old[1]).first()
    if found is None or ContentType.objects.filter(app_label=new[0], model=new[1]).exists():
        return
    found.app_label, found.model = new
    found.save(update_fields=["app_label", "model"])
    for permission in Permission.objects.filter(content_type=found):
        action = permission.codename.split("_", 1)[0]
        permission.codename = f"{action}_{new[1]}"
        permission.save(update_fields=["codename"])


def content_type_to_core(apps, schema_editor):
    _rename_content_type(apps, ("batch", "lotdocument"), ("procurement", "projectdocument"))


def content_type_to_batch(apps, schema_editor):
    _rename_content_type(apps, ("procurement", "projectdocument"), ("batch", "lotdocument"))


def _rename_reminders(apps, old: str, new: str) -> None:
    Reminder = apps.get_model("procurement", "Reminder")
    for reminder in Reminder.objects.filter(key__startswith=old).iterator():
        Reminder.objects.filter(pk=reminder.pk).update(key=new + reminder.key[len(old):])


def reminders_to_core(apps, schema_editor):
    _rename_reminders(apps, OLD_KEY, NEW_KEY)


def reminders_to_batch(apps, schema_editor):
    _rename_reminders(apps, NEW_KEY, OLD_KEY)


class Migration(migrations.Migration):

    dependencies = [
        ("batch", "0005_task_notice_to_core"),
        ("procurement", "0009_project_execution"),
        ("notices", "0002_attachments_and_contract"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        # The documents' table becomes the core's (state: procurement 0007 declared ProjectDocument on it).
        migrations.AlterModelTable(name="lotdocument", table="procurement_projectdocument"),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="LotDocument")]),
        migrations.RunPython(content_type_to_core, content_type_to_batch),
        migrations.RunPython(execution_to_project, execution_to_details),
        migrations.RemoveField(model_name="batchdetails", name="documents_issued_on"),
        migrations.RemoveField(model_name="batchdetails", name="bid_opening_at"),
        migrations.RemoveField(model_name="batchdetails", name="evaluation_on"),
        migrations.RemoveField(model_name="batchdetails", name="evaluation_experts"),
        migrations.RemoveField(model_name="batchdetails", name="award_notice_id"),
        migrations.RunPython(reminders_to_core, reminders_to_batch),
    ]
