"""Who manages contacts and who sends (issue 21).

Contacts are personal data of journalists: a group of their own, "Presseverteiler",
changes them; add members as needed. The Freigabe sends releases (a mailing),
and reads contacts, mailings and each recipient's result.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDIT = ("add", "change", "delete", "view")
GROUPS = {
    "Presseverteiler": {"contact": EDIT, "mailing": ("view",), "delivery": ("view",)},
    "Freigabe": {"contact": ("view",), "mailing": ("add", "view"), "delivery": ("view",)},
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="distribution",
                codename__in=[f"{action}_{model}" for model, actions in models.items() for action in actions],
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="Presseverteiler").delete()
    freigabe = Group.objects.filter(name="Freigabe").first()
    if freigabe is not None:
        freigabe.permissions.remove(*freigabe.permissions.filter(content_type__app_label="distribution"))


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0001_contacts_mailings_deliveries"),
        ("office", "0006_redaktion_freigabe"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
