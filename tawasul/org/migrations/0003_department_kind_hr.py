from django.db import migrations, models

KINDS = [
    ("sales", "Sales"),
    ("customer_service", "Customer service"),
    ("collection", "Collection"),
    ("maintenance", "Maintenance"),
    ("qc", "Quality control"),
    ("rnd", "Research & development"),
    ("accounts", "Accounts"),
    ("warehouse", "Warehouse"),
    ("management", "Management"),
    ("hr", "Human resources"),
    ("other", "Other"),
]


class Migration(migrations.Migration):
    """Human resources becomes a department kind of its own (it has its own default roles)."""

    dependencies = [("org", "0002_job_roles")]

    operations = [
        migrations.AlterField(
            model_name=model,
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20, verbose_name="kind"),
        )
        for model in ("department", "historicaldepartment")
    ]
