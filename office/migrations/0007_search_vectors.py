"""Stored search vectors on PostgreSQL, kept current by triggers (issue 7).

The expression indexes of releases/0003 found matches quickly, but counting,
ranking and rechecking them computed to_tsvector of every matching row's
whole body again: "Innovation" over 10,000 releases took 1.7 s to count.
A stored `search_vector` column is computed once per write instead.

A trigger rather than a generated column: PostgreSQL refuses to change the
type of a column a generated column reads, so a later max_length change in a
Django migration would fail. The trigger fires on every write path (admin,
commands, bulk_create, loaddata). The column is not a model field: only
office/site/search.py reads it, and SQLite, which has no tsvector, never sees it.
"""

import importlib

from django.db import migrations

# table: (index name, ((columns, weight), ...)); the weights of office/site/search.py.
VECTORS = {
    "releases_release": (
        "release_search_idx",
        ((("title",), "A"), (("lead",), "B"), (("body",), "C")),
    ),
    "events_event": (
        "event_search_idx",
        ((("title",), "A"), (("venue_name",), "B"), (("description",), "C")),
    ),
    "office_quote": ("quote_search_idx", ((("text",), "A"), (("context",), "B"))),
    "office_statistic": (
        "statistic_search_idx",
        ((("label",), "A"), (("source_name", "source_title"), "B")),
    ),
}


def vector_sql(parts, row=""):
    def text(columns):
        return " || ' ' || ".join(f"coalesce({row}{column}, '')" for column in columns)

    return " || ".join(
        f"setweight(to_tsvector('german'::regconfig, {text(columns)}), '{weight}')"
        for columns, weight in parts
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The expression indexes these replace.
    schema_editor.execute("DROP INDEX IF EXISTS release_search_idx")
    schema_editor.execute("DROP INDEX IF EXISTS event_search_idx")
    for table, (index, parts) in VECTORS.items():
        schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector")
        schema_editor.execute(
            f"""
            CREATE FUNCTION {table}_search_vector() RETURNS trigger AS $$
            BEGIN
                NEW.search_vector := {vector_sql(parts, row="NEW.")};
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
            """
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_search_vector()"
        )
        schema_editor.execute(f"UPDATE {table} SET search_vector = {vector_sql(parts)}")
        schema_editor.execute(f"CREATE INDEX {index} ON {table} USING gin (search_vector)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in VECTORS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search_vector ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_search_vector()")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    expression_indexes = importlib.import_module("releases.migrations.0003_search_indexes")
    expression_indexes.create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("office", "0006_redaktion_freigabe"),
        ("releases", "0004_workflow"),
        ("events", "0002_workflow"),
    ]

    operations = [migrations.RunPython(create, drop)]
