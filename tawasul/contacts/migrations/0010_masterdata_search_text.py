"""Every kind of master data gets `search_text`, its names (and a contact type's code) in the one
comparison form (BilingualName), filled here for existing rows in batches; areas, the kind that
grows to thousands, get a trigram index on PostgreSQL as contacts have.
"""

from django.db import migrations, models

FILLED = [
    "ContactType",
    "ContactCategory",
    "Area",
    "Industry",
    "Segment",
    "Size",
    "ProductGroup",
    "ReferralSource",
]


def fill_search_text(apps, schema_editor):
    from tawasul.core.search import search_text_fill
    from tawasul.org.models import search_text_sources

    for name in FILLED:
        model = apps.get_model("contacts", name)
        search_text_fill(model, search_text_sources(model), using=schema_editor.connection.alias)


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS area_search_trgm ON contacts_area "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS area_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0009_constraint_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="area",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="contactcategory",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="contacttype",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="industry",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="productgroup",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="referralsource",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="segment",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="size",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
