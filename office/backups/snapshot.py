"""Dump every table the site needs as one moment saw it, as JSON that either database loads."""

import datetime
import sqlite3
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers import json as json_format
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from office.backups import BackupError

# Every app's tables go into the archive except these (README, "Backup and restore").
EXCLUDED = (
    # Made by migrate on the new installation; rows refer to them by app, model and codename.
    "contenttypes",
    "auth.permission",
    # Logins end with the old installation.
    "sessions",
    # Lockout counters expire in minutes; the login log holds addresses and stays where it was.
    "axes",
    # Queued work belongs to the installation that queued it: run again after a restore,
    # a press mail already sent would go out twice.
    "django_tasks_database",
)
# Groups go by name, so they merge with the groups a new installation's migrations made.
GROUPS = "auth.group"
DUMPS = ("groups.json", "data.json")
SNAPSHOT_ALIAS = "backup_snapshot"


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (it cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(json_format.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactJSONEncoder


# This module is the serializer "plenum-json"; Django's JSON loader reads what it writes.
Deserializer = json_format.Deserializer
serializers.register_serializer("plenum-json", __name__)


def _excluded(model):
    meta = model._meta
    return meta.app_label in EXCLUDED or meta.label_lower in EXCLUDED


def backed_up_models():
    """Return the models whose rows the archive holds, groups included."""
    return [
        model
        for model in apps.get_models()
        if not _excluded(model) and not model._meta.proxy and model._meta.managed
    ]


@contextmanager
def snapshot(scratch):
    """Yield a database alias whose every read sees the default database at one moment.

    SQLite: the online backup API copies the file while holding a read lock (writers wait
    for the copy, not for the dump), and the dump reads the copy. PostgreSQL: one
    REPEATABLE READ, READ ONLY transaction, which never blocks a writer.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupError(_("Sicherungen gibt es nur für SQLite und PostgreSQL."))
    if connection.in_atomic_block:
        # The caller's transaction (the test suite's) already decides what this connection
        # sees; SQLite's backup API would wait forever for its own uncommitted writes.
        yield DEFAULT_DB_ALIAS
    elif connection.vendor == "sqlite":
        copy = scratch / "snapshot.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        connections.settings[SNAPSHOT_ALIAS] = {
            **connections.settings[DEFAULT_DB_ALIAS],
            "NAME": str(copy),
        }
        try:
            yield SNAPSHOT_ALIAS
        finally:
            connections[SNAPSHOT_ALIAS].close()
            del connections[SNAPSHOT_ALIAS]
            del connections.settings[SNAPSHOT_ALIAS]
    else:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield DEFAULT_DB_ALIAS


def applied_migrations(using):
    """Return the migrations applied to a database, as sorted "app.name" strings."""
    recorder = MigrationRecorder(connections[using])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def describe(using):
    """Return what the archive's header says of the snapshot: when, whence, which rows."""
    return {
        "created_at": timezone.now().isoformat(),
        "site_url": settings.SITE_URL,
        "database": connections[using].vendor,
        "migrations": applied_migrations(using),
        "tables": {
            model._meta.label: model._base_manager.using(using).count()
            for model in backed_up_models()
        },
    }


def referenced_files(using):
    """Return the names of the uploads that rows of the snapshot point to."""
    names = set()
    for model in backed_up_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                rows = model._base_manager.using(using).exclude(**{field.attname: ""})
                names.update(rows.values_list(field.attname, flat=True))
    names.discard(None)
    return names


def dump(using, directory):
    """Write groups.json and data.json of the snapshot into directory."""
    common = {
        "format": "plenum-json",
        "natural_foreign": True,
        "use_base_manager": True,
        "database": using,
        "verbosity": 0,
    }
    call_command(
        "dumpdata", GROUPS, natural_primary=True, output=str(directory / DUMPS[0]), **common
    )
    excluded = [label for label in EXCLUDED if _installed(label)]
    call_command(
        "dumpdata", exclude=[*excluded, GROUPS], output=str(directory / DUMPS[1]), **common
    )


def _installed(label):
    return label.split(".")[0] in {config.label for config in apps.get_app_configs()}
