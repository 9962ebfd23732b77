from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Pressestelle"

# Everything the press office edits; nothing of auth, so no user administration.
PERMISSIONS = {
    "office": {
        "person": ("add", "change", "delete", "view"),
        "quote": ("add", "change", "delete", "view"),
        "statistic": ("add", "change", "delete", "view"),
        "image": ("add", "change", "delete", "view"),
        "profile": ("change", "view"),
    },
    "releases": {
        "release": ("add", "change", "delete", "view"),
        "category": ("add", "change", "delete", "view"),
        "topic": ("add", "change", "delete", "view"),
        # The ordered quote and figure inlines are explicit through models.
        "releasequote": ("add", "change", "delete", "view"),
        "releasestatistic": ("add", "change", "delete", "view"),
    },
    "events": {
        "event": ("add", "change", "delete", "view"),
    },
}


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    codenames = [
        (app_label, f"{action}_{model}")
        for app_label, models in PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in codenames
    ]
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("office", "0001_initial"),
        ("releases", "0001_initial"),
        ("events", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
