"""Let the press office edit galleries and attachments of releases.

Both workflow roles write releases, so both get the inlines' permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Redaktion", "Freigabe")
MODELS = ("releaseimage", "releaseattachment")
CODENAMES = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config("releases")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="releases", codename__in=CODENAMES
    )
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="releases", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0006_gallery_and_attachments"),
        ("office", "0006_redaktion_freigabe"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
