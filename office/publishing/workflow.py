"""Who may move a release or event to which status, and the record of every move.

"Redaktion" writes drafts and submits them ("In Prüfung"); only users with the
model's publish permission ("Freigabe") publish, withdraw or send a text back.
The admin asks this module; it is the one place the rule lives.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Subquery, TextChoices
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from office.models import AuditEntry, Profile
from office.publishing import Status

Action = AuditEntry.Action


class Decision(TextChoices):
    """What the buttons of a change form decide besides saving; each moves the status."""

    SUBMIT = "submit", _("Zur Freigabe einreichen")
    APPROVE = "approve", _("Freigeben")
    RETURN = "return", _("Zurückgeben")
    WITHDRAW = "withdraw", _("Zurückziehen")


# The status each decision gives an item.
OUTCOME = {
    Decision.SUBMIT: Status.REVIEW,
    Decision.APPROVE: Status.PUBLISHED,
    Decision.RETURN: Status.DRAFT,
    Decision.WITHDRAW: Status.WITHDRAWN,
}

# What the status means for the people working on an item, shown beside it in the form.
MEANING = {
    Status.DRAFT: _("Wird geschrieben; nirgends öffentlich."),
    Status.REVIEW: _("Eingereicht: wartet auf die Freigabe; nirgends öffentlich."),
    Status.PUBLISHED: _("Freigegeben: öffentlich ab „Veröffentlichen am“."),
    Status.WITHDRAWN: _(
        "Zurückgezogen: von allen öffentlichen Seiten, Feeds und Kalendern entfernt."
    ),
}


def publish_permission(model) -> str:
    """Return e.g. "releases.publish_release"."""
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


def can_publish(user, model) -> bool:
    return user.has_perm(publish_permission(model))


def decisions(user, item) -> tuple[Decision, ...]:
    """Return the decisions `user` may take on `item` as it is stored (not saved yet: a draft).

    The Freigabe approves (publishes, or moves an embargo), sends back what was
    submitted and withdraws what is published; the Redaktion submits its drafts
    and otherwise only saves.
    """
    status = item.status if item.pk else Status.DRAFT
    if not can_publish(user, type(item)):
        return (Decision.SUBMIT,) if status in (Status.DRAFT, Status.WITHDRAWN) else ()
    if status == Status.REVIEW:
        return (Decision.APPROVE, Decision.RETURN)
    if status == Status.PUBLISHED:
        # Once public, approving again would give the release a new date.
        embargoed = not item.is_published()
        return (Decision.APPROVE, Decision.WITHDRAW) if embargoed else (Decision.WITHDRAW,)
    return (Decision.APPROVE,)


def refusal(user, item, decision: str) -> str | None:
    """Return why `user` may not take `decision` on `item`, or None if they may."""
    if decision in decisions(user, item):
        return None
    if (
        decision in OUTCOME
        and OUTCOME[decision] != Status.REVIEW
        and not can_publish(user, type(item))
    ):
        return _(
            "Freigeben, Zurückgeben und Zurückziehen ist der Freigabe vorbehalten. "
            "Reichen Sie Ihren Text zur Freigabe ein, dann prüft die Freigabe ihn."
        )
    if decision in OUTCOME:
        return _("„%(decision)s“ geht nicht bei einem Inhalt mit dem Status „%(status)s“.") % {
            "decision": Decision(decision).label,
            "status": Status(item.status).label if item.pk else Status.DRAFT.label,
        }
    return _("Diese Entscheidung gibt es nicht. Bitte wählen Sie eine Schaltfläche des Formulars.")


def decide(item, decision: Decision | None, embargo=None):
    """Give an unsaved item the status and publish time of a decision (None: an ordinary save).

    Approving publishes now, or at the embargo's minute; anything that takes an
    item off the public site empties its publish time, which the next approval sets.
    """
    if decision is None:
        return
    item.status = OUTCOME[decision]
    if decision == Decision.APPROVE:
        item.publish_at = embargo or timezone.now()
    elif item.status != Status.PUBLISHED:
        item.publish_at = None


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
    """Return the admin index's lists: what this user can act on and what happens today.

    A section whose filter applies to none of the models for this user is left
    out: the Redaktion gets no "Wartet auf meine Freigabe" it could never act on.
    """
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    sections = [
        {
            "title": _("Wartet auf meine Freigabe"),
            "empty": _("Nichts wartet auf Ihre Freigabe."),
            "filter": lambda model: {"status": Status.REVIEW} if can_publish(user, model) else None,
            # The longest waiting first.
            "order": ("updated_at", "pk"),
        },
        {
            "title": _("Meine Entwürfe"),
            "empty": _("Sie haben keine offenen Entwürfe."),
            "filter": lambda model: {"author": user, "status": Status.DRAFT},
            "order": ("-updated_at", "-pk"),
        },
        {
            "title": _("Eingereicht, wartet auf Freigabe"),
            "empty": _("Nichts von Ihnen wartet auf die Freigabe."),
            "filter": lambda model: (
                None if can_publish(user, model) else {"author": user, "status": Status.REVIEW}
            ),
            "order": ("updated_at", "pk"),
        },
        {
            "title": _("Geplant (Sperrfrist)"),
            "empty": _("Nichts ist für später geplant."),
            "filter": lambda model: {"status": Status.PUBLISHED, "publish_at__gt": now},
            "order": ("publish_at", "pk"),
        },
        {
            "title": _("Heute veröffentlicht"),
            "empty": _("Heute ist noch nichts erschienen."),
            "filter": lambda model: {
                "status": Status.PUBLISHED,
                "publish_at__gte": today,
                "publish_at__lte": now,
            },
            "order": ("-publish_at", "-pk"),
        },
    ]
    viewable = [
        model
        for model in models
        if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
    ]
    shown = []
    for section in sections:
        lookups = [(model, section["filter"](model)) for model in viewable]
        lookups = [(model, lookup) for model, lookup in lookups if lookup is not None]
        if not lookups:
            continue
        section["items"] = []
        for model, lookup in lookups:
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
                    "decide": can_publish(user, model) and item.status == Status.REVIEW,
                }
                for item in rows.order_by(*section["order"])[:DASHBOARD_LIMIT]
            )
        shown.append(section)
    return shown
