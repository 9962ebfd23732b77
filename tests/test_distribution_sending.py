"""Sending a release to the Presseverteiler: the e-mail on the wire, once per contact (issue 21)."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from distribution import sending
from distribution.models import Contact, Delivery, Mailing
from office.settings import smtp_mailer
from releases.models import Release
from tests.kit.factories import (
    make_category,
    make_contact,
    make_image,
    make_profile,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.servers import free_port
from tests.kit.smtp import html_of, text_of

pytestmark = pytest.mark.django_db

Mode = Mailing.Mode


def send(mailing):
    """Run the mailing's task here, as the worker would."""
    sending.send_mailing.call(mailing.pk)


def test_sending_now_reaches_each_active_contact_once_with_both_parts(smtp, client, settings):
    make_profile(press_contact_phone="0211 884-0")
    release = make_release(
        title="Von der Kohle zur KI", body="<p>Erster <strong>Absatz</strong>.</p>"
    )
    make_quote(release, text="Wir schaffen das.")
    make_statistic(release, value=67.8, unit="Mrd. Euro", label="Wertschöpfung", source_year=2024)
    active = [make_contact(email=f"a{n}@example.net") for n in range(3)]
    make_contact(email="wartet@example.net", status=Contact.Status.PENDING)
    make_contact(email="weg@example.net", status=Contact.Status.UNSUBSCRIBED)

    mailing = sending.create_mailing(release, None, Mode.PUBLICATION)
    send(mailing)

    assert sorted(smtp.recipients()) == sorted(c.email for c in active)
    message = smtp.messages()[0]
    assert message["Subject"] == "Von der Kohle zur KI"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["Reply-To"] == "presse@example.org"
    assert message["Message-ID"].startswith("<presseverteiler.")
    text = text_of(message)
    assert "Erster Absatz." in text
    assert "„Wir schaffen das.“" in text
    assert "67,8 Mrd. Euro Wertschöpfung (Quelle: Institut der deutschen Wirtschaft, 2024)" in text
    assert "Telefon 0211 884-0" in text
    assert "<p>Erster <strong>Absatz</strong>.</p>" in html_of(message)
    assert "<img" not in html_of(message)  # no tracking pixel, no remote image
    page = re.search(r"Im Netz: (\S+)", text).group(1)
    assert client.get(urlsplit(page).path).status_code == 200
    mailing = Mailing.objects.with_progress().get()
    assert (mailing.state, mailing.sent, mailing.total) == (Mailing.State.DONE, 3, 3)


def test_list_unsubscribe_is_one_plain_line_on_the_wire_and_one_click_unsubscribes(
    smtp, settings, client
):
    settings.SITE_URL = "https://www.ein-sehr-langer-name-einer-abgeordneten.landtag.example.org"
    contact = make_contact()
    mailing = sending.create_mailing(make_release(), None, Mode.PUBLICATION)

    send(mailing)

    raw = smtp.raw()[0]
    header = re.search(rb"\r?\nList-Unsubscribe: ([^\r\n]*)\r?\n(?![ \t])", raw).group(1)
    url = f"{settings.SITE_URL}/presseverteiler/abmelden/{contact.token}/"
    assert header == f"<{url}>".encode()
    assert b"\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert client.get(urlsplit(url).path).status_code == 200
    contact.refresh_from_db()
    assert contact.status == Contact.Status.ACTIVE  # GET only asks
    response = client.post(urlsplit(url).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "csrftoken" not in response.cookies
    contact.refresh_from_db()
    assert contact.status == Contact.Status.UNSUBSCRIBED


def test_a_title_with_line_breaks_cannot_inject_headers(smtp):
    contact = make_contact()
    release = make_release()
    Release.objects.filter(pk=release.pk).update(
        title="Haushalt\r\nBcc: opfer@example.com\nX-Injected: ja\x0b\x1f\u2028Ende"
    )
    mailing = sending.create_mailing(release, None, Mode.PUBLICATION)

    send(mailing)

    assert smtp.recipients() == [contact.email]
    raw = smtp.raw()[0]
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^(Bcc|X-Injected):", headers, re.MULTILINE)
    assert smtp.messages()[0]["Subject"] == "Haushalt Bcc: opfer@example.com X-Injected: ja Ende"


def test_ahead_with_the_sperrfrist_marks_subject_and_text_and_links_photos_until_expiry(
    smtp, client, settings
):
    publish_at = timezone.make_aware(datetime.datetime(2031, 2, 13, 18, 0))
    release = make_release(title="Von der Kohle zur KI", publish_at=publish_at)
    release.hero_image = make_image()
    release.save()
    make_contact()

    with time_machine.travel(publish_at - datetime.timedelta(days=1)):
        mailing = sending.create_mailing(release, None, Mode.AHEAD)
        send(mailing)
        message = smtp.messages()[0]
        text = text_of(message)
        link = re.search(r"(https://\S+/presseverteiler/foto/\S+/)", text).group(1)
        public = client.get(f"/pressemitteilungen/{release.slug}/foto/{release.hero_image.pk}/")
        private = client.get(urlsplit(link).path)

    assert message["Subject"] == "SPERRFRIST: 13.02.2031, 18:00 Uhr – Von der Kohle zur KI"
    assert text.splitlines()[0] == "SPERRFRIST: 13.02.2031, 18:00 Uhr"
    assert "SPERRFRIST: 13.02.2031, 18:00 Uhr" in html_of(message)
    assert "Ab 13.02.2031, 18:00 Uhr im Netz:" in text
    assert public.status_code == 404
    assert private.status_code == 200
    assert b"".join(private.streaming_content) == release.hero_image.file.open("rb").read()
    with time_machine.travel(publish_at + datetime.timedelta(days=8)):
        assert client.get(urlsplit(link).path).status_code == 404


def test_a_photo_link_ends_with_a_withdrawal(smtp, client, tomorrow):
    release = make_release(publish_at=tomorrow)
    release.hero_image = make_image()
    release.save()
    make_contact()
    send(sending.create_mailing(release, None, Mode.AHEAD))
    link = re.search(r"(/presseverteiler/foto/\S+/)", text_of(smtp.messages()[0])).group(1)

    release.status = Release.Status.WITHDRAWN
    release.save()

    assert client.get(link).status_code == 404


def test_at_the_embargo_end_nothing_goes_out_before_it(smtp, tomorrow):
    release = make_release(publish_at=tomorrow)
    contact = make_contact()

    mailing = sending.create_mailing(release, None, Mode.EMBARGO_END)
    send(mailing)

    assert DBTaskResult.objects.get().run_after == tomorrow
    assert smtp.recipients() == []
    with time_machine.travel(tomorrow + datetime.timedelta(seconds=1)):
        send(mailing)
    assert smtp.recipients() == [contact.email]
    assert "SPERRFRIST" not in smtp.messages()[0]["Subject"]


def test_a_moved_embargo_books_a_run_at_the_new_time(smtp, tomorrow):
    release = make_release(publish_at=tomorrow)
    make_contact()
    mailing = sending.create_mailing(release, None, Mode.EMBARGO_END)
    later = tomorrow + datetime.timedelta(hours=2)

    release.publish_at = later
    release.save()

    runs = sorted(DBTaskResult.objects.values_list("run_after", flat=True))
    assert runs == [tomorrow, later]
    with time_machine.travel(tomorrow + datetime.timedelta(minutes=1)):
        send(mailing)
    assert smtp.recipients() == []


def test_a_release_in_review_is_sent_when_approved_and_not_again_when_saved(smtp, tomorrow):
    release = make_release(status=Release.Status.REVIEW)
    contact = make_contact()
    mailing = sending.create_mailing(release, None, Mode.PUBLICATION)
    assert not DBTaskResult.objects.exists()

    release.status = Release.Status.PUBLISHED
    release.save()
    send(mailing)
    release.save()  # a correction after the send
    for _ in range(2):
        send(mailing)

    assert smtp.recipients() == [contact.email]
    assert DBTaskResult.objects.count() == 2  # the approval's run and the one it booked


def test_a_second_mailing_to_an_audience_is_refused_and_overlaps_send_nothing_twice(smtp):
    culture, economy = make_category(), make_category()
    release = make_release(category=culture)
    everything = make_contact()
    reader = make_contact(categories=[culture])
    other = make_contact(categories=[economy])

    first = sending.create_mailing(release, None, Mode.PUBLICATION, categories=[culture])
    again = sending.create_mailing(release, None, Mode.PUBLICATION, categories=[culture])
    wider = sending.create_mailing(release, None, Mode.PUBLICATION)
    for mailing in (first, wider, first, wider):
        send(mailing)

    assert again is None
    assert list(wider.deliveries.values_list("contact", flat=True)) == [other.pk]
    assert sorted(smtp.recipients()) == sorted([everything.email, reader.email, other.email])


def test_an_audience_by_topic_reaches_its_readers_and_those_who_take_everything(smtp):
    energy = make_topic()
    release = make_release(topics=[energy])
    everything = make_contact()
    reader = make_contact(topics=[energy])
    make_contact(topics=[make_topic()])

    send(sending.create_mailing(release, None, Mode.PUBLICATION, topics=[energy]))

    assert sorted(smtp.recipients()) == sorted([everything.email, reader.email])


def test_temporary_failures_are_retried_with_backoff_and_sent_once(smtp, settings):
    settings.MAILING_RETRY_SECONDS = 60
    greylisted = make_contact(email="grau@example.net")
    other = make_contact()
    smtp.temporary[greylisted.email] = 2
    mailing = sending.create_mailing(make_release(), None, Mode.PUBLICATION)

    send(mailing)
    delivery = Delivery.objects.get(contact=greylisted)
    assert delivery.status == Delivery.Status.DEFERRED
    assert delivery.last_error.startswith("451")
    first_retry = delivery.next_attempt_at
    send(mailing)  # not due yet
    with time_machine.travel(first_retry + datetime.timedelta(seconds=1)):
        send(mailing)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - first_retry >= datetime.timedelta(seconds=115)
    with time_machine.travel(delivery.next_attempt_at + datetime.timedelta(seconds=1)):
        send(mailing)
        send(mailing)

    assert sorted(smtp.recipients()) == sorted([greylisted.email, other.email])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 3)
    assert Mailing.objects.get().state == Mailing.State.DONE


def test_a_permanent_refusal_marks_the_contact_undeliverable(smtp):
    gone = make_contact(email="gibtsnicht@example.net")
    other = make_contact()
    smtp.permanent.add(gone.email)

    send(sending.create_mailing(make_release(), None, Mode.PUBLICATION))

    assert smtp.recipients() == [other.email]
    gone.refresh_from_db()
    assert gone.status == Contact.Status.UNDELIVERABLE
    assert Delivery.objects.get(contact=gone).status == Delivery.Status.FAILED


def test_an_unreachable_server_loses_nothing(settings):
    settings.MAILERS = {"default": smtp_mailer(f"smtp://127.0.0.1:{free_port()}")}
    make_contact()
    mailing = sending.create_mailing(make_release(), None, Mode.PUBLICATION)

    send(mailing)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.QUEUED, 0)
    assert "ConnectionRefusedError" in delivery.last_error
    assert Mailing.objects.get().state == Mailing.State.SENDING


def test_a_withdrawal_stops_what_has_not_gone_out(smtp):
    release = make_release()
    first, second = make_contact(), make_contact()
    mailing = sending.create_mailing(release, None, Mode.PUBLICATION)
    composer = sending.Composer(mailing)
    from django.core.mail import mailers

    sending.deliver_next(mailing, composer, mailers.default)  # one goes out

    release.status = Release.Status.WITHDRAWN
    release.save()
    send(mailing)

    assert smtp.recipients() == [first.email]
    assert Delivery.objects.get(contact=second).status == Delivery.Status.CANCELLED
    assert Mailing.objects.get().state == Mailing.State.CANCELLED
