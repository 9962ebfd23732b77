from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Pressestelle"

# The press office keeps the Impressum's extra text, the privacy policy and the
# accessibility statement up to date.
PERMISSIONS = {"office": {"legalpage": ("add", "change", "delete", "view")}}


def codenames():
    return [
        (app_label, f"{action}_{model}")
        for app_label, models in PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config("office")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in codenames()
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is None:
        return
    group.permissions.remove(
        *Permission.objects.filter(
            content_type__app_label="office", codename__in=[c for _, c in codenames()]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("office", "0003_legalpage")]

    operations = [migrations.RunPython(grant, revoke)]
