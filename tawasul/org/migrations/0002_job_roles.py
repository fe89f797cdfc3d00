from django.db import migrations

ROLES = [
    "representative", "coordinator", "supervisor", "manager", "custodian",
    "warehouse_keeper", "cashier", "technician", "administrator",
]


def add_roles(apps, schema_editor):
    JobRole = apps.get_model("org", "JobRole")
    for code in ROLES:
        JobRole.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
