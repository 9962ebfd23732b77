"""Indexes in the order quotes and key figures are listed (issue 7).

The home page shows the newest visible quote and the four newest figures; with
an index in list order the database walks it and stops after a few rows
instead of sorting every row.

Figures are ordered by source year, newest first, those without a year last.
PostgreSQL needs `NULLS LAST` in the index for that; SQLite sorts NULL lowest,
so its plain `DESC` already puts them last, and it refuses `NULLS LAST` in an
index. Django's Index cannot say both, so this index is written per database.
"""

from django.db import migrations, models

FIGURE_ORDER = {
    "postgresql": "source_year DESC NULLS LAST, id",
    "sqlite": "source_year DESC, id",
}


def create_figure_order_index(apps, schema_editor):
    columns = FIGURE_ORDER[schema_editor.connection.vendor]
    schema_editor.execute(f"CREATE INDEX statistic_order_idx ON office_statistic ({columns})")


def drop_figure_order_index(apps, schema_editor):
    schema_editor.execute("DROP INDEX statistic_order_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("office", "0010_image_focal_point_renditions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(fields=["-said_on", "-id"], name="quote_order_idx"),
        ),
        migrations.RunPython(create_figure_order_index, drop_figure_order_index),
    ]
