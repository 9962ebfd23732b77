"""Terminhinweis: the press invitation with its .ics, the answers, updates on move and cancel."""

import codecs
import csv
import datetime
import io
import re

import icalendar
import pytest
from django.utils import timezone

from distribution import invitations
from distribution.models import Contact, Guest, Invitation
from office.publishing import Status
from office.settings import smtp_mailer
from tests.kit.factories import client_of, make_contact, make_event, make_profile, member
from tests.kit.smtp import text_of
from tests.kit.tasks import run_due_tasks

pytestmark = pytest.mark.django_db

ACCREDITATION = "Bitte bis 10. Februar anmelden; Presseausweis mitbringen."


@pytest.fixture
def event():
    make_profile()
    return make_event(
        title="Von der Kohle zur KI",
        starts_at=timezone.make_aware(datetime.datetime(2031, 2, 13, 10, 0)),
        ends_at=timezone.make_aware(datetime.datetime(2031, 2, 13, 16, 0)),
        venue_name="Landesvertretung NRW",
        venue_address="Hiroshimastraße 12–16\n10785 Berlin",
    )


def calendar_of(message):
    (attachment,) = [part for part in message.iter_attachments()]
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "termin.ics"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    (vevent,) = calendar.walk("VEVENT")
    return calendar, vevent


def test_the_invitation_reaches_each_active_contact_once_with_its_calendar(smtp, event):
    guests = [make_contact(email=f"g{n}@example.net") for n in range(3)]
    make_contact(email="weg@example.net", status=Contact.Status.UNSUBSCRIBED)

    invitations.invite(event, None, ACCREDITATION)
    run_due_tasks()
    invitations.send_invitation.call(Invitation.objects.get().pk)  # a second run sends nothing

    assert sorted(smtp.recipients()) == sorted(g.email for g in guests)
    message = smtp.messages()[0]
    assert message["Subject"] == "Terminhinweis: Von der Kohle zur KI, 13.02.2031, 10:00 Uhr"
    assert message["List-Unsubscribe"].startswith("<https://www.example.org/presseverteiler/")
    text = text_of(message)
    assert "Einladung zur Berichterstattung" in text
    assert "13.02.2031, 10:00 bis 13.02.2031, 16:00 Uhr" in text
    assert "Landesvertretung NRW, Hiroshimastraße 12–16 10785 Berlin" in text
    assert ACCREDITATION in text
    calendar, vevent = calendar_of(message)
    assert calendar["METHOD"] == "PUBLISH"
    assert vevent["UID"] == f"termin-{event.pk}@www.example.org"
    assert vevent["SEQUENCE"] == 0
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent.decoded("DTSTART") == event.starts_at
    assert str(vevent["LOCATION"]) == "Landesvertretung NRW, Hiroshimastraße 12–16, 10785 Berlin"


def test_a_guest_answers_by_the_personal_link_and_the_office_exports_the_answers(
    client, smtp, event
):
    make_contact(email="anna@example.net", name="Anna", outlet="WDR")
    make_contact(email="bert@example.net", name="=HYPERLINK(1)")
    invitations.invite(event, None, ACCREDITATION)
    run_due_tasks()
    messages = {m["To"]: m for m in smtp.messages()}
    link = re.search(
        r"https://www\.example\.org(/presseverteiler/antwort/\S+/)",
        text_of(messages["anna@example.net"]),
    ).group(1)

    page = client.get(link)
    answered = client.post(link, {"answer": "yes", "name": "Anna Schreiber", "outlet": "WDR 5"})
    empty = client.post(link, {"name": "x"})

    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert 'value="Anna"' in page.content.decode()
    assert "Danke, Sie sind angemeldet." in answered.content.decode()
    assert "Bitte wählen Sie „Ja“ oder „Nein“." in empty.content.decode()
    anna = Guest.objects.get(contact__email="anna@example.net")
    assert (anna.answer, anna.answer_name, anna.answer_outlet) == ("yes", "Anna Schreiber", "WDR 5")

    office = client_of(member("freigeberin", "Freigabe"))
    listing = office.get("/admin/distribution/invitation/").content.decode()
    export = office.post(
        "/admin/distribution/invitation/",
        {"action": "export_answers", "_selected_action": [Invitation.objects.get().pk]},
    )
    assert "Von der Kohle zur KI" in listing
    assert export.content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Termin", "Name", "Medium", "E-Mail", "Akkreditierung"]
    by_email = {row[3]: row for row in rows[1:]}
    assert by_email["anna@example.net"][4:7] == ["Ja, ich komme", "Anna Schreiber", "WDR 5"]
    assert by_email["bert@example.net"][1] == "'=HYPERLINK(1)"
    assert by_email["bert@example.net"][4] == "keine Antwort"


def test_a_moved_event_sends_each_guest_one_update_with_a_higher_sequence(smtp, event):
    make_contact(email="a@example.net")
    make_contact(email="b@example.net")
    invitations.invite(event, None)
    run_due_tasks()

    event.title = "Nur der Titel"  # time and place unchanged: no update
    event.save()
    run_due_tasks()
    assert len(smtp.recipients()) == 2
    event.starts_at += datetime.timedelta(hours=2)
    event.ends_at += datetime.timedelta(hours=2)
    event.save()
    event.save()  # a second save of the same state: still one update
    run_due_tasks()

    updates = smtp.messages()[2:]
    assert sorted(m["To"] for m in updates) == ["a@example.net", "b@example.net"]
    assert updates[0]["Subject"].startswith("Geändert: Einladung zur Berichterstattung")
    _, vevent = calendar_of(updates[0])
    assert vevent["SEQUENCE"] == 1
    assert vevent.decoded("DTSTART") == event.starts_at
    assert set(Guest.objects.values_list("sent_sequence", flat=True)) == {1}


def test_a_cancelled_event_sends_the_cancellation_and_closes_the_answers(client, smtp, event):
    make_contact(email="a@example.net")
    invitations.invite(event, None)
    run_due_tasks()

    event.cancelled = True
    event.save()
    run_due_tasks()

    cancellation = smtp.messages()[-1]
    assert len(smtp.messages()) == 2
    assert cancellation["Subject"] == "Abgesagt: Von der Kohle zur KI am 13.02.2031, 10:00 Uhr"
    assert "findet nicht statt" in text_of(cancellation)
    _, vevent = calendar_of(cancellation)
    assert (vevent["STATUS"], vevent["SEQUENCE"]) == ("CANCELLED", 1)
    page = client.get(Guest.objects.get().get_absolute_url()).content.decode()
    assert "Dieser Termin ist abgesagt." in page and "<form" not in page.split("<main")[1]


def test_a_withdrawn_event_counts_as_cancelled(smtp, event):
    make_contact(email="a@example.net")
    invitations.invite(event, None)
    run_due_tasks()

    event.status = Status.WITHDRAWN
    event.save()
    run_due_tasks()

    _, vevent = calendar_of(smtp.messages()[-1])
    assert vevent["STATUS"] == "CANCELLED"


def test_a_temporary_refusal_is_tried_again_and_delivered_once(smtp, event, settings):
    settings.MAILING_RETRY_SECONDS = 0
    smtp.temporary = {"a@example.net": 2}
    make_contact(email="a@example.net")
    make_contact(email="b@example.net")

    invitations.invite(event, None)
    run_due_tasks()

    assert sorted(smtp.recipients()) == ["a@example.net", "b@example.net"]
    assert Guest.objects.get(contact__email="a@example.net").status == Guest.Status.SENT


def test_an_unreachable_server_loses_nobody(event, settings):
    settings.MAILERS = {"default": smtp_mailer("smtp://127.0.0.1:9")}
    make_contact(email="a@example.net")

    invitations.invite(event, None)
    run_due_tasks()

    guest = Guest.objects.get()
    assert (guest.status, guest.sent_sequence) == (Guest.Status.WAITING, -1)
    assert guest.next_attempt_at is not None
    assert guest.last_error


def test_the_admin_offers_only_published_upcoming_events_without_an_invitation(event):
    draft = make_event(title="Geheimtreffen", status=Status.DRAFT)
    office = client_of(member("freigeberin", "Freigabe"))

    page = office.get("/admin/distribution/invitation/add/").content.decode()

    assert "Von der Kohle zur KI" in page
    assert draft.title not in page
    writer = client_of(member("redakteur", "Redaktion"))
    assert writer.get("/admin/distribution/invitation/add/").status_code == 403


def test_the_freigabe_sends_an_invitation_from_the_admin(smtp, event):
    make_contact(email="a@example.net")
    office = client_of(member("freigeberin", "Freigabe"))

    response = office.post(
        "/admin/distribution/invitation/add/",
        {"event": event.pk, "accreditation": ACCREDITATION},
    )
    run_due_tasks()

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.accreditation == ACCREDITATION
    assert smtp.recipients() == ["a@example.net"]
    page = office.get(f"/admin/distribution/invitation/{invitation.pk}/change/").content.decode()
    assert "a@example.net" in page
