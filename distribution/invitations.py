"""Terminhinweise: an event's press invitation by e-mail with its .ics, updates, and the answers.

Each invited contact is a Guest row that records the newest version of the
invitation (the iCalendar SEQUENCE) it was sent. The task claims one guest
behind the current version at a time, in its own transaction (locked, skipping
rows another worker holds), sends and records the version before the commit:
the pattern of `sending`, whose Delivery rows belong to a release and cannot
carry an event's versions. Moving an event (time, place) or cancelling it
raises the version, so every guest gets the update once.

The .ics is the public calendar's VEVENT (events/calendar.py, same UID) under
METHOD:PUBLISH with SEQUENCE, and STATUS:CANCELLED for a cancellation. Not
REQUEST/CANCEL: those are iTIP scheduling messages that need an ORGANIZER and
each journalist as ATTENDEE, and Outlook and Gmail then offer "Zusage/Absage"
buttons whose replies go by mail to the sender instead of the answer link.
Calendar apps take a PUBLISH file with the same UID and a higher SEQUENCE as an
update of the event they have.
"""

import smtplib
from datetime import timedelta
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.db.models import F, Min, Q
from django.shortcuts import get_object_or_404, render
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from distribution.mail import ListMessage, one_line
from distribution.models import Contact, Guest, Invitation
from events.calendar import calendar_frame, calendar_years, vevent_for
from events.models import Event
from office.models import Profile
from office.publishing import Status
from office.publishing.revisions import html_to_text
from office.publishing.workflow import berlin_minute
from office.site.links import absolute_url

MAX_ATTEMPTS = 6


def snapshot(event) -> dict:
    """Return what guests are told of an event: its time, its place, whether it takes place."""
    return {
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "all_day": event.all_day,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "cancelled": is_cancelled(event),
    }


def is_cancelled(event) -> bool:
    """Return whether guests are told the event is off: cancelled, or not on the site."""
    return event.cancelled or not event.is_published()


def as_last_public(event):
    """Return the event as readers last saw it, if it is off the site now (one query).

    A withdrawn event may be written on as a draft; its guests, told of the
    cancellation, and its answer page see none of that.
    """
    if event.is_published():
        return event
    version = (
        event.history.filter(status=Status.PUBLISHED, publish_at__lte=timezone.now())
        .order_by("-history_date", "-history_id")
        .first()
    )
    return version.instance if version is not None else event


def invite(event, user, accreditation="", categories=(), topics=()) -> Invitation:
    """Create the event's invitation and a guest per contact of the audience; book the sending."""
    with transaction.atomic():
        invitation = Invitation.objects.create(
            event=event, accreditation=accreditation, created_by=user, announced=snapshot(event)
        )
        invitation.categories.set(categories)
        invitation.topics.set(topics)
        contacts = Contact.objects.reached_by(invitation).values_list("pk", flat=True)
        Guest.objects.bulk_create(
            [Guest(invitation=invitation, contact_id=pk) for pk in contacts], batch_size=500
        )
        send_invitation.enqueue(invitation.pk)
    return invitation


def follow_event(sender, instance, raw=False, **kwargs):
    """Receive post_save of events: a moved or cancelled event sends its guests an update."""
    if raw:
        return
    if instance.status == Status.PUBLISHED and not instance.is_published():
        # Under a Sperrfrist: guests hear of it in the minute readers do.
        follow_later.using(run_after=instance.publish_at).enqueue(instance.pk)
        return
    announce(instance)


@task
def follow_later(event_id):
    event = Event.objects.filter(pk=event_id).first()
    if event is not None and event.is_published():
        announce(event)


def announce(event):
    """Raise the invitation's version if guests were told something else; book the sending.

    Guests are told what readers may see. An event taken off the site is
    announced once, as cancelled; what is written into it afterwards (a draft
    again) reaches no guest until it is public again.
    """
    invitation = Invitation.objects.filter(event=event).first()
    if invitation is None:
        return
    now = snapshot(event)
    if is_cancelled(event) and not event.cancelled:
        if invitation.announced.get("cancelled"):
            return
        now = invitation.announced | {"cancelled": True}
    if invitation.announced == now:
        return
    Invitation.objects.filter(pk=invitation.pk).update(sequence=F("sequence") + 1, announced=now)
    send_invitation.enqueue(invitation.pk)


def retry_delay(attempts=1):
    return timedelta(seconds=settings.MAILING_RETRY_SECONDS * 2 ** (attempts - 1))


@task
def send_invitation(invitation_id):
    invitation = Invitation.objects.select_related("event").filter(pk=invitation_id).first()
    if invitation is None:
        return
    composer = Composer(invitation)
    connection = mailers.default
    try:
        while (guest := send_next(invitation, composer, connection)) is not None:
            if guest.status == Guest.Status.WAITING and guest.attempts == 0 and guest.last_error:
                break  # the server is unreachable; the run booked below tries again
    finally:
        connection.close()
    later = behind(invitation, composer.sequence).aggregate(Min("next_attempt_at"))
    if (when := later["next_attempt_at__min"]) is not None:
        send_invitation.using(run_after=when).enqueue(invitation_id)


def behind(invitation, sequence):
    """Return the guests still to get version `sequence` of the invitation."""
    return Guest.objects.filter(
        invitation=invitation,
        sent_sequence__lt=sequence,
        contact__status=Contact.Status.ACTIVE,
    ).exclude(status=Guest.Status.FAILED)


def send_next(invitation, composer, connection):
    """Claim, send and record one guest behind the current version; return it, or None."""
    now = timezone.now()
    with transaction.atomic():
        guest = (
            behind(invitation, composer.sequence)
            .select_for_update(skip_locked=True, of=("self",))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_related("contact")
            .order_by("pk")
            .first()
        )
        if guest is None:
            return None
        try:
            connection.open()
            connection.send_messages([composer.message(guest)])
        except smtplib.SMTPRecipientsRefused as error:
            refused(guest, next(iter(error.recipients.values()))[0], error)
        except smtplib.SMTPDataError as error:
            refused(guest, error.smtp_code, error)
        except (smtplib.SMTPException, OSError) as error:
            # The server, not the address: nothing counts against the guest.
            guest.status = Guest.Status.WAITING
            guest.attempts = 0
            guest.next_attempt_at = now + retry_delay()
            guest.last_error = f"{type(error).__name__}: {error}"[:1000]
            connection.close()
        else:
            guest.status = Guest.Status.SENT
            guest.sent_sequence = composer.sequence
            guest.sent_at = now
            guest.attempts = 0
            guest.next_attempt_at = None
            guest.last_error = ""
        guest.save()
    return guest


def refused(guest, code, error):
    guest.status = Guest.Status.WAITING
    guest.attempts += 1
    guest.last_error = f"{code} {error}"[:1000]
    if code < 500 and guest.attempts < MAX_ATTEMPTS:
        guest.next_attempt_at = timezone.now() + retry_delay(guest.attempts)
        return
    guest.status = Guest.Status.FAILED
    guest.next_attempt_at = None
    if code >= 500:
        Contact.objects.filter(pk=guest.contact_id).update(status=Contact.Status.UNDELIVERABLE)


def invitation_ical(invitation, event, cancelled) -> bytes:
    calendar = calendar_frame(one_line(event.title), settings.TIME_ZONE, *calendar_years([event]))
    vevent = vevent_for(event)
    vevent.add("sequence", invitation.sequence)
    if cancelled:
        vevent["status"] = "CANCELLED"
    calendar.add_component(vevent)
    return calendar.to_ical()


class Composer:
    """Render an invitation's current version once; `message(guest)` adds the guest's links."""

    def __init__(self, invitation):
        event = Event.objects.get(pk=invitation.event_id)
        invitation.refresh_from_db(fields=["sequence", "announced"])
        self.sequence = invitation.sequence
        cancelled = is_cancelled(event)
        event = as_last_public(event)
        title = one_line(event.title)
        when = berlin_minute(event.starts_at)
        if cancelled:
            subject = _("Abgesagt: %(title)s am %(when)s Uhr")
        elif self.sequence:
            subject = _("Geändert: Einladung zur Berichterstattung: %(title)s, %(when)s Uhr")
        else:
            subject = _("Terminhinweis: %(title)s, %(when)s Uhr")
        self.subject = subject % {"title": title, "when": when}
        self.context = {
            "event": event,
            "invitation": invitation,
            "title": title,
            "profile": Profile.load(),
            "cancelled": cancelled,
            "updated": self.sequence > 0,
            "starts": berlin_minute(event.starts_at),
            "ends": berlin_minute(event.ends_at),
            "description": html_to_text(event.description),
            "page_url": absolute_url(event.get_absolute_url()),
        }
        self.ical = invitation_ical(invitation, event, cancelled)
        self.host = urlsplit(settings.SITE_URL).hostname

    def message(self, guest):
        contact = guest.contact
        unsubscribe_url = absolute_url(
            reverse("distribution:unsubscribe", kwargs={"token": contact.token})
        )
        ctx = self.context | {
            "guest": guest,
            "answer_url": absolute_url(guest.get_absolute_url()),
            "unsubscribe_url": unsubscribe_url,
            "settings_url": absolute_url(contact.get_absolute_url()),
        }
        message = ListMessage(
            subject=self.subject,
            body=render_to_string("distribution/invitation_mail.txt", ctx),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[contact.email],
            headers={"Message-ID": f"<termin.{guest.pk}.{self.sequence}@{self.host}>"},
            unsubscribe_url=unsubscribe_url,
        )
        message.attach("termin.ics", self.ical, "text/calendar; method=PUBLISH")
        return message


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=gettext_lazy("Kommen Sie?"),
        choices=Guest.Answer.choices,
        error_messages={"required": gettext_lazy("Bitte wählen Sie „Ja“ oder „Nein“.")},
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    outlet = forms.CharField(
        label=gettext_lazy("Medium oder Redaktion"), max_length=200, required=False
    )


@csrf_exempt  # the guest's token in the link is the secret; readers get no cookie
@require_http_methods(["GET", "POST"])
def answer(request, token):
    """The guest's answer to an invitation (Akkreditierung), changeable until the event."""
    guest = get_object_or_404(
        Guest.objects.select_related("invitation__event", "contact"), token=token
    )
    cancelled = is_cancelled(guest.invitation.event)
    event = as_last_public(guest.invitation.event)
    initial = {
        "answer": guest.answer,
        "name": guest.answer_name or guest.contact.name,
        "outlet": guest.answer_outlet or guest.contact.outlet,
    }
    form = AnswerForm(request.POST if request.method == "POST" else None, initial=initial)
    saved = False
    if not cancelled and form.is_bound and form.is_valid():
        guest.answer = form.cleaned_data["answer"]
        guest.answer_name = one_line(form.cleaned_data["name"])
        guest.answer_outlet = one_line(form.cleaned_data["outlet"])
        guest.answered_at = timezone.now()
        guest.save(update_fields=["answer", "answer_name", "answer_outlet", "answered_at"])
        saved = True
    ctx = {
        "guest": guest,
        "invitation": guest.invitation,
        "event": event,
        "form": form,
        "saved": saved,
        "cancelled": cancelled,
    }
    response = render(request, "distribution/answer.html", ctx)
    add_never_cache_headers(response)
    return response
