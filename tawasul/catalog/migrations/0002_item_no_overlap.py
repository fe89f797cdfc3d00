"""On PostgreSQL, the periods of one product in one price list cannot overlap: an exclusion
constraint over (price list, product, daterange[from, to]) with btree_gist. SQLite has no such
constraint; there `services.price_list_item_save` (which also runs on PostgreSQL) is the guard,
under a lock on the price list's row."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "catalog_item_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE catalog_pricelistitem ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
        "price_list_id WITH =, product_id WITH =, "
        "daterange(effective_from, effective_to, '[]') WITH &&)"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE catalog_pricelistitem DROP CONSTRAINT {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        # Does nothing on databases other than PostgreSQL.
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
