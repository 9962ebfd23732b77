"""GIN indexes over the weighted German vectors that office/site/search.py queries.

Expression indexes: PostgreSQL keeps them current on every write, with no
stored vector column and no trigger. The expressions are copied, not
imported, so this migration stays as it ran; tests/test_search.py proves
the search query still uses them. SQLite has no such index; its search is a
word matcher.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def weighted(*fields):
    vectors = [SearchVector(field, weight=weight, config="german") for field, weight in fields]
    return sum(vectors[1:], vectors[0])


INDEXES = {
    ("releases", "release"): ("release_search_idx", (("title", "A"), ("lead", "B"), ("body", "C"))),
    ("events", "event"): (
        "event_search_idx",
        (("title", "A"), ("venue_name", "B"), ("description", "C")),
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for (app_label, model_name), (name, fields) in INDEXES.items():
        model = apps.get_model(app_label, model_name)
        schema_editor.add_index(model, GinIndex(weighted(*fields), name=name))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES.values():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0002_release_indexes"),
        ("events", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
