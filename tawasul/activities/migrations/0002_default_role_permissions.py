"""The communicator joins an existing installation: its part of the default roles, once.

A new installation gets the default roles whole at its first migrate (`access` creates them
after the migrations). An installation that had the roles before this module keeps them as its
administrators shaped them (migrate never resets roles), so this step adds what the module gives:
1. every default staff role gets the everyday permissions on tasks, follow-ups, reminders,
   notifications and messages (added, nothing taken away);
2. in every company, the general managers' two rules over every task and follow-up are created
   where missing.
Running it twice changes nothing. The definitions are frozen here as they stand in
`activities.roles` now, so later changes to the live table do not change what this step did.
"""

from django.db import migrations

EVERYDAY = [
    "add_followup",
    "add_internalmessage",
    "add_messagethread",
    "add_reminder",
    "add_task",
    "change_followup",
    "change_notification",
    "change_reminder",
    "change_task",
    "delete_reminder",
    "view_followup",
    "view_internalmessage",
    "view_messagetemplate",
    "view_messagethread",
    "view_notification",
    "view_reminder",
    "view_task",
]
STAFF_ROLES = [
    "General manager",
    "Sales manager",
    "Supervisor",
    "Representative",
    "Coordinator",
    "Customer service manager",
    "Customer service staff",
    "Collection manager",
    "Collection staff",
    "Maintenance manager",
    "Maintenance staff",
    "Accounts manager",
    "Accounts staff",
    "Cashier",
    "Warehouse manager",
    "Warehouse staff",
    "Quality control manager",
    "Quality control staff",
    "R&D manager",
    "R&D staff",
    "HR manager",
    "HR staff",
    "Warehouse keeper",
    "Custodian",
    "Technician",
    "Management staff",
    "Staff",
]
GENERAL_MANAGER_RULES = [
    ("All tasks of the company", "activities.task"),
    ("All follow-ups of the company", "activities.followup"),
]


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    if not Group.objects.filter(name__in=STAFF_ROLES).exists():
        return  # a new installation: the roles are made whole after the migrations
    # The permissions rows are made after the migrations; make this app's now (as Django's own
    # data migrations do, the historical app config must say it has models).
    config = apps.get_app_config("activities")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.filter(content_type__app_label="activities", codename__in=EVERYDAY)
    )
    for group in Group.objects.filter(name__in=STAFF_ROLES):
        group.permissions.add(*permissions)
    general_manager = Group.objects.filter(name="General manager").first()
    if general_manager is None:
        return
    Company = apps.get_model("org", "Company")
    RecordRule = apps.get_model("access", "RecordRule")
    for company in Company.objects.all():
        for name, model in GENERAL_MANAGER_RULES:
            RecordRule.objects.get_or_create(
                company=company,
                role=general_manager,
                name=name,
                defaults={"model": model, "actions": ["view", "change"], "all_records": True},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0001_initial"),
        ("access", "0006_default_role_grants"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
