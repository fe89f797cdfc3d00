"""Trigram full-text index for contact search on SQLite (FTS5), kept in step by triggers.

PostgreSQL has its pg_trgm index (0002); this gives the embedded database the same kind of index,
so a search by any part of a name, code, phone or e-mail stops scanning every row.
"""

from django.db import migrations

TABLE = "contacts_contact_fts"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(search_text, "
        "content='contacts_contact', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON contacts_contact BEGIN "
        f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON contacts_contact BEGIN "
        f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_update AFTER UPDATE OF search_text "
        f"ON contacts_contact BEGIN "
        f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
    ):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0004_name_index_covers_rule_columns")]
    operations = [migrations.RunPython(forwards, backwards)]
