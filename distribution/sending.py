"""Sending a release to the Presseverteiler, exactly once per contact.

A mailing's deliveries are rows; `send_mailing` is a task that claims one row
at a time in its own transaction (locked, skipping rows another worker holds;
SQLite's IMMEDIATE transactions run one at a time), hands the message to the
SMTP server and records the answer before that transaction commits. A worker
killed before the server's acceptance leaves the row waiting, so it is sent by
the next run; killed after the acceptance and before the commit (one UPDATE),
it is sent once more, with the same Message-ID (README, "Presseverteiler").
Each run books the next one before its first message, so a dead worker's
mailing goes on after MAILING_RETRY_SECONDS.
"""

import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution.mail import Composer, message_id
from distribution.models import Contact, Delivery, Mailing
from office.publishing import Status
from office.publishing.workflow import can_publish
from releases.models import Release

# Temporary failures of one address are tried this often before it counts as failed.
MAX_ATTEMPTS = 6
WAITING = Delivery.Status.waiting()
FINISHED = (Mailing.State.DONE, Mailing.State.CANCELLED)


def may_send(user) -> bool:
    """Sending is a step of the Freigabe: the release's publish permission and the mailing's."""
    return can_publish(user, Release) and user.has_perm("distribution.add_mailing")


def audience_key(categories, topics) -> str:
    if not categories and not topics:
        return "all"
    category_ids = ",".join(str(pk) for pk in sorted(c.pk for c in categories))
    topic_ids = ",".join(str(pk) for pk in sorted(t.pk for t in topics))
    return f"c:{category_ids};t:{topic_ids}"


def create_mailing(release, user, mode, categories=(), topics=()):
    """Create a mailing, its deliveries and its first run; None if this audience has one."""
    key = audience_key(categories, topics)
    try:
        with transaction.atomic():
            # Two clicks at once wait for each other here and the second finds the first.
            type(release)._base_manager.select_for_update().get(pk=release.pk)
            taken = Mailing.objects.filter(release=release, audience_key=key)
            if taken.exclude(state=Mailing.State.CANCELLED).exists():
                return None
            mailing = Mailing.objects.create(
                release=release,
                everyone=key == "all",
                audience_key=key,
                mode=mode,
                embargo_until=release.publish_at if mode == Mailing.Mode.AHEAD else None,
                created_by=user,
            )
            mailing.categories.set(categories)
            mailing.topics.set(topics)
            covered = Delivery.objects.filter(release=release).exclude(
                status=Delivery.Status.CANCELLED
            )
            contacts = Contact.objects.reached_by(mailing).exclude(pk__in=covered.values("contact"))
            Delivery.objects.bulk_create(
                [
                    Delivery(mailing=mailing, release=release, contact_id=pk)
                    for pk in contacts.values_list("pk", flat=True)
                ],
                batch_size=500,
            )
            if release.status == Status.PUBLISHED:
                book(mailing, start_time(mailing, release))
    except IntegrityError:
        return None
    return mailing


def start_time(mailing, release):
    if mailing.mode == Mailing.Mode.AHEAD:
        return timezone.now()
    return max(timezone.now(), release.publish_at)


def book(mailing, when):
    """Enqueue a run of the mailing at `when` (a row of the current transaction)."""
    Mailing.objects.filter(pk=mailing.pk).update(booked_for=when)
    mailing.booked_for = when
    send_mailing.using(run_after=when).enqueue(mailing.pk)


def follow_release(sender, instance, **kwargs):
    """Cancel a withdrawn release's mailings; book planned ones when it is approved or moved."""
    release = instance
    open_mailings = Mailing.objects.filter(release=release).exclude(state__in=FINISHED)
    if release.status == Status.WITHDRAWN:
        for mailing in open_mailings:
            cancel(mailing)
        return
    if release.status != Status.PUBLISHED:
        return
    now = timezone.now()
    for mailing in open_mailings.filter(state=Mailing.State.PLANNED):
        when = start_time(mailing, release)
        # Approved, due earlier than booked, or the embargo moved: a run at the new
        # moment. A run at a moment no longer right finds nothing due and returns.
        booked = mailing.booked_for
        if booked is None or when < booked or (when > now and when != booked):
            book(mailing, when)


def cancel(mailing):
    """Stop what has not gone out; a copy being handed over right now is waited for."""
    with transaction.atomic():
        mailing.deliveries.filter(status__in=WAITING).update(
            status=Delivery.Status.CANCELLED, last_error=_("Pressemitteilung zurückgezogen")
        )
        Mailing.objects.filter(pk=mailing.pk).update(
            state=Mailing.State.CANCELLED, finished_at=timezone.now()
        )


def retry_delay(attempts=1):
    return timedelta(seconds=settings.MAILING_RETRY_SECONDS * 2 ** (attempts - 1))


@task
def send_mailing(mailing_id):
    mailing = Mailing.objects.select_related("release").filter(pk=mailing_id).first()
    if mailing is None or mailing.state in FINISHED or not is_due(mailing):
        return
    waiting = mailing.deliveries.filter(status__in=WAITING)
    if not waiting.exists():
        finish(mailing)
        return
    Mailing.objects.filter(pk=mailing.pk, state=Mailing.State.PLANNED).update(
        state=Mailing.State.SENDING
    )
    # Committed before the first message: should this worker die, that run goes on.
    book(mailing, timezone.now() + retry_delay())
    composer = Composer(mailing)
    connection = mailers.default
    try:
        while (delivery := deliver_next(mailing, composer, connection)) is not None:
            if delivery.status == Delivery.Status.QUEUED:
                break  # still queued: the server was unreachable; the booked run tries again
    finally:
        connection.close()
    if not waiting.exists():
        finish(mailing)


def is_due(mailing):
    release = mailing.release
    if release.status != Status.PUBLISHED:
        return False
    return mailing.mode == Mailing.Mode.AHEAD or release.publish_at <= timezone.now()


def finish(mailing):
    Mailing.objects.filter(
        pk=mailing.pk, state__in=[Mailing.State.PLANNED, Mailing.State.SENDING]
    ).update(state=Mailing.State.DONE, finished_at=timezone.now())


def deliver_next(mailing, composer, connection):
    """Claim, send and record one waiting delivery in one transaction; return it, or None."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(mailing=mailing, status__in=WAITING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_related("contact")
            .order_by("pk")
            .first()
        )
        if delivery is None:
            return None
        if delivery.contact.status != Contact.Status.ACTIVE:
            delivery.status = Delivery.Status.CANCELLED
            delivery.last_error = _("Kontakt nicht mehr aktiv")
            delivery.save(update_fields=["status", "last_error"])
            return delivery
        try:
            connection.open()
            connection.send_messages([composer.message(delivery)])
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            failed(delivery, code, text, refused=True)
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500 and isinstance(error, smtplib.SMTPDataError):
                failed(delivery, error.smtp_code, error.smtp_error)
            else:
                # The server refuses us, not the address (sender, login, 421):
                # nothing is this recipient's fault; stop and try later.
                unreachable(delivery, error)
            connection.close()
        except (smtplib.SMTPException, OSError) as error:
            unreachable(delivery, error)
            connection.close()
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.attempts += 1
            delivery.message_id = message_id(delivery.pk)
            delivery.last_error = ""
        delivery.save()
    return delivery


def failed(delivery, code, text, refused=False):
    """Record an SMTP refusal: 4xx is tried again later, 5xx is final."""
    delivery.attempts += 1
    answer = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    delivery.last_error = f"{code} {answer}"[:1000]
    if code < 500 and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = Delivery.Status.DEFERRED
        delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
        return
    delivery.status = Delivery.Status.FAILED
    if refused and code >= 500:
        Contact.objects.filter(pk=delivery.contact_id).update(status=Contact.Status.UNDELIVERABLE)


def unreachable(delivery, error):
    """Keep the delivery waiting, with the reason; it costs the address no attempt."""
    delivery.status = Delivery.Status.QUEUED
    delivery.last_error = f"{type(error).__name__}: {error}"[:1000]
