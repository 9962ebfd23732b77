"""E-mails to editors about the Freigabe: a text waits for approval, came back, or was approved.

Every step of the workflow writes an AuditEntry (workflow.record), whichever
form or command takes it; a new entry books the task that mails the people it
concerns, in the same transaction, so nothing is mailed for a step rolled back.
Who wants which e-mail is a NotificationPreference; without one, all of them.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext as _

from office import outbox
from office.models import AuditEntry, NotificationPreference
from office.publishing.workflow import berlin_minute, publish_permission
from office.site.links import absolute_url

Action = AuditEntry.Action
# The preference that turns each step's e-mail off.
PREFERENCE = {
    Action.SUBMITTED: "waiting_for_approval",
    Action.REJECTED: "my_texts",
    Action.APPROVED: "my_texts",
    Action.PUBLISHED: "my_texts",
}


def entry_saved(sender, instance, created, raw=False, **kwargs):
    """Receive post_save of AuditEntry: book the e-mails of a new workflow step."""
    if created and not raw and instance.action in PREFERENCE:
        notify.enqueue(instance.pk)


def recipients(entry, item) -> list:
    """Return the users this step concerns who want to hear of it, never its actor (queries)."""
    User = get_user_model()
    if entry.action == Action.SUBMITTED:
        # Those given the role, not every superuser: the Freigabe is a group.
        users = User.objects.with_perm(
            publish_permission(type(item)),
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",
        ).filter(is_staff=True)
    else:
        # Staff only: an account whose admin access ended reads no text of the office.
        users = User.objects.filter(pk=item.author_id, is_active=True, is_staff=True)
    if entry.user_id is not None:
        users = users.exclude(pk=entry.user_id)
    opted_out = NotificationPreference.objects.filter(**{PREFERENCE[entry.action]: False})
    return list(users.exclude(email="").exclude(pk__in=opted_out.values("user")))


@task
def notify(entry_id):
    entry = AuditEntry.objects.select_related("user", "content_type").filter(pk=entry_id).first()
    item = entry.item if entry is not None else None
    if item is None:
        return
    for user in recipients(entry, item):
        notify_user.enqueue(entry_id, user.pk)


@task
def notify_user(entry_id, user_id, attempt=1):
    entry = AuditEntry.objects.select_related("user", "content_type").get(pk=entry_id)
    user = get_user_model().objects.get(pk=user_id)
    item = entry.item
    if item is None:
        return
    outbox.deliver(message(entry, item, user), notify_user, entry_id, user_id, attempt=attempt)


def message(entry, item, user) -> EmailMessage:
    title = " ".join(str(item).split())
    subjects = {
        Action.SUBMITTED: _("Wartet auf Ihre Freigabe: %(title)s"),
        Action.REJECTED: _("Zurückgegeben: %(title)s"),
        Action.APPROVED: _("Freigegeben: %(title)s"),
        Action.PUBLISHED: _("Veröffentlicht: %(title)s"),
    }
    actor = entry.user.get_full_name() or entry.user.get_username() if entry.user else ""
    lines = [
        _("Guten Tag %(name)s,") % {"name": user.get_full_name() or user.get_username()},
        "",
        {
            Action.SUBMITTED: _("%(actor)s hat „%(title)s“ zur Freigabe eingereicht."),
            Action.REJECTED: _("%(actor)s hat „%(title)s“ zur Überarbeitung zurückgegeben."),
            Action.APPROVED: _("%(actor)s hat „%(title)s“ freigegeben."),
            Action.PUBLISHED: _("%(actor)s hat „%(title)s“ veröffentlicht."),
        }[entry.action]
        % {"actor": actor or _("Jemand"), "title": title},
    ]
    if entry.publish_at is not None:
        lines.append(_("Öffentlich ab %(when)s Uhr.") % {"when": berlin_minute(entry.publish_at)})
    if entry.comment:
        lines += ["", _("Anmerkung:"), entry.comment]
    meta = item._meta
    edit = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[item.pk])
    lines += [
        "",
        _("Zum Text: %(url)s") % {"url": absolute_url(edit)},
        "",
        "--",
        _("Diese E-Mails abschalten: %(url)s")
        % {"url": absolute_url(reverse("admin:notifications"))},
    ]
    return EmailMessage(
        subject=" ".join((subjects[entry.action] % {"title": title}).split()),
        body="\n".join(str(line) for line in lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
