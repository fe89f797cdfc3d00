# A number sequence per branch too (issue 11, workflow documents). Existing counters (the
# contacts' codes, the demo's loads) belong to branch 0, "the whole company", and go on as they are.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_constraint_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="numbersequence",
            name="branch_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RemoveConstraint(
            model_name="numbersequence",
            name="uniq_sequence",
        ),
        migrations.AddConstraint(
            model_name="numbersequence",
            constraint=models.UniqueConstraint(
                fields=("company_id", "branch_id", "kind", "year"),
                name="uniq_sequence",
                violation_error_code="uniq_sequence",
                violation_error_message="This number sequence already exists.",
            ),
        ),
    ]
