"""Split the press office into the workflow's two roles (issue 4).

"Redaktion" writes and submits; "Freigabe" also approves and publishes. Members
of the former single group "Pressestelle" could publish, so they become
"Freigabe" and keep what they could do.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITER = "Redaktion"
APPROVER = "Freigabe"
FORMER = "Pressestelle"

# Everything the press office edits; nothing of auth, so no user administration.
EDIT = ("add", "change", "delete", "view")
PERMISSIONS = {
    "office": {
        "person": EDIT,
        "quote": EDIT,
        "statistic": EDIT,
        "image": EDIT,
        "legalpage": EDIT,
        "profile": ("change", "view"),
        # Written by the workflow only; people read it.
        "auditentry": ("view",),
    },
    "releases": {
        "release": EDIT,
        "category": EDIT,
        "topic": EDIT,
        "releasequote": EDIT,
        "releasestatistic": EDIT,
    },
    "events": {"event": EDIT},
}
PUBLISH = [("releases", "publish_release"), ("events", "publish_event")]


def codenames():
    return [
        (app_label, f"{action}_{model}")
        for app_label, models in PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]


def permissions(apps, pairs):
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in pairs
    ]


def split(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    writer, _ = Group.objects.get_or_create(name=WRITER)
    writer.permissions.add(*permissions(apps, codenames()))
    approver, _ = Group.objects.get_or_create(name=APPROVER)
    approver.permissions.add(*permissions(apps, codenames() + PUBLISH))

    former = Group.objects.filter(name=FORMER).first()
    if former is not None:
        approver.user_set.add(*former.user_set.all())
        former.delete()


def join(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    former, _ = Group.objects.get_or_create(name=FORMER)
    former.permissions.set(permissions(apps, codenames()))
    for group in Group.objects.filter(name__in=[WRITER, APPROVER]):
        former.user_set.add(*group.user_set.all())
        group.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("office", "0005_auditentry"),
        ("releases", "0004_workflow"),
        ("events", "0002_workflow"),
    ]

    operations = [migrations.RunPython(split, join)]
