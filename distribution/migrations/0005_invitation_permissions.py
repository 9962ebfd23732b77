"""Who sends Terminhinweise and reads the answers: the Freigabe sends, both groups read."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Freigabe": ("add_invitation", "view_invitation", "view_guest"),
    "Presseverteiler": ("view_invitation", "view_guest"),
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config("distribution")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="distribution", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="distribution",
        codename__in=[codename for codenames in GROUPS.values() for codename in codenames],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0004_people_signups_invitations_imports"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
