"""Companies, branches, departments and employees get `search_text`, their names and code in the
one comparison form (BilingualName), filled here for existing rows in batches; employees, the one
of them that grows to thousands, get a trigram index on PostgreSQL as contacts have. A new
company's phone country comes from the PHONE_DEFAULT_REGION setting instead of a fixed "SA".
"""

from django.db import migrations, models

import tawasul.org.models

FILLED = ["Company", "Branch", "Department", "Employee"]


def fill_search_text(apps, schema_editor):
    from tawasul.core.search import search_text_fill
    from tawasul.org.models import search_text_sources

    for name in FILLED:
        model = apps.get_model("org", name)
        search_text_fill(model, search_text_sources(model), using=schema_editor.connection.alias)


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS employee_search_trgm ON org_employee "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS employee_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0005_constraint_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="branch",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="company",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="department",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="employee",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AlterField(
            model_name="company",
            name="default_country",
            field=models.CharField(
                default=tawasul.org.models.default_phone_country,
                help_text="ISO 3166 two-letter code used to read local phone numbers.",
                max_length=2,
                verbose_name="default phone country",
            ),
        ),
        migrations.AlterField(
            model_name="historicalcompany",
            name="default_country",
            field=models.CharField(
                default=tawasul.org.models.default_phone_country,
                help_text="ISO 3166 two-letter code used to read local phone numbers.",
                max_length=2,
                verbose_name="default phone country",
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
