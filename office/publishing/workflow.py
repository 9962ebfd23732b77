"""Who may move a release or event to which status, and the record of every move (issue 4).

"Redaktion" writes drafts and submits them ("In Prüfung"); only users with the
model's publish permission ("Freigabe") publish, withdraw or send a text back.
The admin asks this module; it is the one place the rule lives.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from office.models import AuditEntry, Profile
from office.publishing import Status

Action = AuditEntry.Action

WRITER_STATUSES = (Status.DRAFT, Status.REVIEW)


def publish_permission(model) -> str:
    """Return e.g. "releases.publish_release"."""
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


def can_publish(user, model) -> bool:
    return user.has_perm(publish_permission(model))


def allowed_statuses(user, model) -> tuple[Status, ...]:
    return tuple(Status) if can_publish(user, model) else WRITER_STATUSES


def can_edit(user, item) -> bool:
    """Published items, embargoed or not, change only with the publish permission."""
    return item.status != Status.PUBLISHED or can_publish(user, type(item))


# The models with a status and a publish time, each with what of the shared
# content (quotes, figures, photos, people, names) its rows show; apps register
# them in AppConfig.ready(), so this module knows no app's models.
_publishables: dict = {}


def register(model, shows):
    """Register a publishable model; `shows(item)` returns a Q of its rows showing item, or None."""
    _publishables[model] = shows


def is_freigabe(user) -> bool:
    return any(can_publish(user, model) for model in _publishables)


def under_freigabe(item) -> bool:
    """Return True if what readers see of this item is the Freigabe's to change (queries).

    For the quotes, figures, images, people, categories and topics releases and
    events share: those a published one shows, and those one in review shows,
    so the text the Freigabe approves is the text it read. The profile (with its
    portrait) and the legal pages are public the moment they are saved.
    """
    name = item._meta.model_name
    if name in ("profile", "legalpage"):
        return True
    if name == "image" and Profile.objects.filter(portrait=item).exists():
        return True
    submitted = (Status.REVIEW, Status.PUBLISHED)
    for model, shows in _publishables.items():
        rows = shows(item)
        if rows is not None and model.objects.filter(rows, status__in=submitted).exists():
            return True
    return False


def can_edit_shared(user, item) -> bool:
    """What a published or submitted text shows changes with the Freigabe only, like the text."""
    return is_freigabe(user) or not under_freigabe(item)


def action_for(old: str | None, new: str) -> Action | None:
    """Return the workflow step a status change is, or None for an ordinary save."""
    if old == new:
        return None
    if new == Status.REVIEW:
        return Action.SUBMITTED
    if new == Status.PUBLISHED:
        return Action.APPROVED if old == Status.REVIEW else Action.PUBLISHED
    if old == Status.PUBLISHED:
        return Action.WITHDRAWN
    if old == Status.REVIEW:
        return Action.REJECTED
    return None


def record(item, user, old_status: str | None, comment: str = "") -> AuditEntry | None:
    """Write the audit entry for a status change of a saved item, if it is one."""
    action = action_for(old_status, item.status)
    if action is None:
        return None
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(item),
        object_id=item.pk,
        object_repr=str(item)[:200],
        action=action,
        user=user,
        publish_at=item.publish_at if item.status == Status.PUBLISHED else None,
        comment=comment,
    )


def history(item):
    """Return the audit entries of one item, newest first (one query)."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(item), object_id=item.pk
    ).select_related("user")


def with_last_step(queryset):
    """Annotate `last_action` and `last_comment`: the newest workflow step of each row."""
    steps = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(queryset.model), object_id=OuterRef("pk")
    ).order_by("-created_at", "-pk")
    return queryset.annotate(
        last_action=Subquery(steps.values("action")[:1]),
        last_comment=Subquery(steps.values("comment")[:1]),
    )


def state(item) -> str:
    """Say who is waiting for what, e.g. "Wartet auf Freigabe"."""
    if item.status == Status.REVIEW:
        return _("Wartet auf Freigabe")
    if item.status == Status.WITHDRAWN:
        return _("Zurückgezogen")
    if item.status == Status.DRAFT:
        if getattr(item, "last_action", None) == Action.REJECTED:
            return _("Zurückgegeben: wartet auf Überarbeitung")
        return _("Entwurf")
    if item.publish_at > timezone.now():
        return _("Sperrfrist bis %(when)s Uhr") % {"when": berlin_minute(item.publish_at)}
    return _("Öffentlich")


def berlin_minute(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "d.m.Y, H:i")


DASHBOARD_LIMIT = 10


def dashboard(user, models) -> list[dict]:
    """Return the admin index's lists: what waits for this user and what happens today."""
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    sections = [
        {
            "title": _("Wartet auf meine Freigabe"),
            "empty": _("Nichts wartet auf Ihre Freigabe."),
            "filter": lambda model: {"status": Status.REVIEW} if can_publish(user, model) else None,
            "order": ("publish_at",),
        },
        {
            "title": _("Meine Entwürfe"),
            "empty": _("Sie haben keine offenen Entwürfe."),
            "filter": lambda model: {"author": user, "status__in": WRITER_STATUSES},
            "order": ("-updated_at",),
        },
        {
            "title": _("Geplant (Sperrfrist)"),
            "empty": _("Nichts ist für später geplant."),
            "filter": lambda model: {"status": Status.PUBLISHED, "publish_at__gt": now},
            "order": ("publish_at",),
        },
        {
            "title": _("Heute veröffentlicht"),
            "empty": _("Heute ist noch nichts erschienen."),
            "filter": lambda model: {
                "status": Status.PUBLISHED,
                "publish_at__gte": today,
                "publish_at__lte": now,
            },
            "order": ("-publish_at",),
        },
    ]
    for section in sections:
        section["items"] = []
        for model in models:
            if not user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
                continue
            lookup = section["filter"](model)
            if lookup is None:
                continue
            rows = with_last_step(model.objects.filter(**lookup)).select_related("author")
            section["items"].extend(
                {
                    "item": item,
                    "kind": model._meta.verbose_name,
                    "state": state(item),
                    "url": reverse(
                        f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                        args=[item.pk],
                    ),
                }
                for item in rows.order_by(*section["order"])[:DASHBOARD_LIMIT]
            )
    return sections
