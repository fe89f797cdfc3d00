"""Re-compute every contact's derived name and search columns with today's normalisation.

The normalisation learnt new folds (hamza on waw and ya, Persian kaf and ya, Arabic-Indic and
Persian digits, invisible characters), the Arabic name got its own comparison column, and a
phone search is now read as digits; rows written before would not be found by the new forms.
Rows are read and written in batches by key, each batch committed on its own, and only rows
whose columns change are written. On SQLite the FTS5 table of 0005 is rebuilt once at the end,
with its triggers (0006 remade the table, which drops them). Running it again changes nothing.
"""

from collections import defaultdict

from django.db import connections, migrations, transaction

BATCH = 2000
FTS_TABLE = "contacts_contact_fts"  # 0005


def renormalize_contacts(apps, batch_size: int = BATCH, using: str = "default") -> int:
    """Bring every contact's derived columns up to date; returns how many rows changed."""
    from tawasul.contacts.services import SearchColumns, contact_search_columns

    connection = connections[using]
    Contact = apps.get_model("contacts", "Contact")
    Phone = apps.get_model("contacts", "Phone")
    Email = apps.get_model("contacts", "Email")
    ContactPerson = apps.get_model("contacts", "ContactPerson")
    columns = list(SearchColumns._fields)
    changed_total, last = 0, 0
    while True:
        with transaction.atomic(using=using):
            batch = list(
                Contact.objects.using(using)
                .filter(pk__gt=last)
                .order_by("pk")
                .only("pk", "code", "name", "name_ar", "tax_number", *columns)[:batch_size]
            )
            if not batch:
                return changed_total
            keys = [c.pk for c in batch]
            phones, emails, persons = defaultdict(list), defaultdict(list), defaultdict(list)
            # The same orders as the service reads them back (contact_refresh_search).
            for contact_id, number in (
                Phone.objects.using(using)
                .filter(contact_id__in=keys)
                .order_by("id")
                .values_list("contact_id", "number")
            ):
                phones[contact_id].append(number)
            for contact_id, address in (
                Email.objects.using(using)
                .filter(contact_id__in=keys)
                .order_by("id")
                .values_list("contact_id", "address")
            ):
                emails[contact_id].append(address)
            for contact_id, name, name_ar in (
                ContactPerson.objects.using(using)
                .filter(contact_id__in=keys)
                .order_by("-is_primary", "name")
                .values_list("contact_id", "name", "name_ar")
            ):
                persons[contact_id].append((name, name_ar))
            changed = []
            for contact in batch:
                fresh = contact_search_columns(
                    code=contact.code,
                    name=contact.name,
                    name_ar=contact.name_ar,
                    tax_number=contact.tax_number,
                    phones=phones[contact.pk],
                    emails=emails[contact.pk],
                    persons=persons[contact.pk],
                )
                if tuple(getattr(contact, c) for c in columns) != tuple(fresh):
                    for column, value in fresh._asdict().items():
                        setattr(contact, column, value)
                    changed.append(contact)
            if changed:
                # One plain UPDATE per row: linear, where bulk_update's CASE grows with the batch.
                table = connection.ops.quote_name(Contact._meta.db_table)
                key = connection.ops.quote_name(Contact._meta.pk.column)
                assignments = ", ".join(
                    f"{connection.ops.quote_name(Contact._meta.get_field(c).column)} = %s"
                    for c in columns
                )
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"UPDATE {table} SET {assignments} WHERE {key} = %s",
                        [(*(getattr(c, f) for f in columns), c.pk) for c in changed],
                    )
            changed_total += len(changed)
            last = keys[-1]


def forwards(apps, schema_editor):
    from tawasul.core.search import sqlite_text_indexes_ensure

    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        # Every rewritten row would pass through the FTS5 update trigger (about 3,000 rows a
        # second); rebuilding the index once afterwards takes seconds for 100,000 rows. (Adding
        # the column in 0006 copied the table and dropped the triggers of 0005 anyway.)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update")
    renormalize_contacts(apps, using=connection.alias)
    # Re-create whatever trigger is missing and rebuild the index from the rewritten rows.
    sqlite_text_indexes_ensure(connection.alias)


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own: a million rows need no single transaction

    dependencies = [("contacts", "0006_contact_name_ar_normalized")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
