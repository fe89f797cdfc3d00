"""Record which roles were given by default, so that they can follow the employee.

From now on the roles an employee's department and job roles call for are given when the
employee is saved and taken back when they stop calling for them; only roles recorded as given
by default are ever taken back (`DefaultRoleGrant`). Until now the demo loader and migration
0004 gave those roles without a record: every role an employee's user holds that their
department and job roles call for is recorded here as given by default (the roles called for are
those of migration 0004's frozen table; an employee without a department counts as sales, as in
`access.roles.default_roles_for`). Other roles stay as given by hand.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

_roles_0004 = importlib.import_module("tawasul.access.migrations.0004_default_roles_by_department")


def record_default_grants(apps, schema_editor):
    Employee = apps.get_model("org", "Employee")
    Grant = apps.get_model("access", "DefaultRoleGrant")
    employees = (
        Employee.objects.filter(user__isnull=False)
        .select_related("department")
        .prefetch_related("roles", "user__groups")
        .order_by("pk")
    )
    grants = []
    for employee in employees.iterator(chunk_size=500):
        kind = employee.department.kind if employee.department_id else "sales"
        wanted = {_roles_0004.new_role(kind, role.code) for role in employee.roles.all()}
        for group in employee.user.groups.all():
            if group.name in wanted:
                grants.append(Grant(user_id=employee.user_id, role_id=group.pk))
    Grant.objects.bulk_create(grants, batch_size=500, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0005_constraint_messages"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("org", "0003_department_kind_hr"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DefaultRoleGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("given_at", models.DateTimeField(auto_now_add=True)),
                (
                    "role",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="default_grants",
                        to="auth.group",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="default_role_grants",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "role"),
                        name="uniq_default_role_grant",
                        violation_error_code="uniq_default_role_grant",
                        violation_error_message="This role was already given by default.",
                    )
                ],
            },
        ),
        migrations.RunPython(record_default_grants, migrations.RunPython.noop),
    ]
