"""The Presseverteiler attacked: leaks of unpublished work, injection, abuse, bad input.

Every test here first creates what could leak or break, then asserts the exact
outcome (a hostile reviewer's findings of issue 21's surfaces, each one fixed).
"""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone

from distribution import invitations, sending
from distribution.models import Contact, Guest, Invitation, Mailing, Signup
from office.publishing import Status
from tests.kit.factories import (
    client_of,
    make_category,
    make_contact,
    make_event,
    make_image,
    make_person,
    make_profile,
    make_quote,
    make_release,
    make_topic,
    member,
)
from tests.kit.tasks import run_due_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(smtp):
    """A public event whose invitation reached one guest."""
    make_profile()
    event = make_event(
        title="Von der Kohle zur KI",
        starts_at=timezone.make_aware(datetime.datetime(2031, 2, 13, 10, 0)),
        ends_at=timezone.make_aware(datetime.datetime(2031, 2, 13, 16, 0)),
        description="<p>Konferenz in Berlin.</p>",
    )
    make_contact(email="anna@example.net")
    invitations.invite(event, None)
    run_due_tasks()
    return event


def all_text(mailbox):
    return "\n".join(message.as_string() for message in mailbox.messages())


# Terminhinweise tell guests what readers may see, and a cancellation; never a draft.


def test_edits_of_a_withdrawn_event_reach_no_guest(invited, smtp):
    invited.status = Status.WITHDRAWN
    invited.publish_at = None
    invited.save()
    run_due_tasks()
    invited.title = "Geheimes Sondierungstreffen"
    invited.description = "<p>Vertraulich: neue Koalition.</p>"
    invited.starts_at += datetime.timedelta(days=3)
    invited.ends_at += datetime.timedelta(days=3)
    invited.venue_name = "Hinterzimmer"
    invited.save()
    run_due_tasks()

    subjects = [message["Subject"] for message in smtp.messages()]
    assert subjects == [
        "Terminhinweis: Von der Kohle zur KI, 13.02.2031, 10:00 Uhr",
        "Abgesagt: Von der Kohle zur KI am 13.02.2031, 10:00 Uhr",
    ]
    text = all_text(smtp)
    assert "Geheim" not in text and "Hinterzimmer" not in text and "Vertraulich" not in text


def test_a_withdrawn_event_approved_again_with_a_sperrfrist_is_announced_at_its_minute(
    invited, smtp
):
    invited.status = Status.WITHDRAWN
    invited.publish_at = None
    invited.save()
    run_due_tasks()
    invited.venue_name = "Neuer Saal"
    invited.status = Status.PUBLISHED
    invited.publish_at = timezone.now() + datetime.timedelta(hours=2)
    invited.save()
    run_due_tasks()
    before = len(smtp.messages())

    with time_machine.travel(invited.publish_at + datetime.timedelta(minutes=1)):
        run_due_tasks()

    assert before == 2
    update = smtp.messages()[-1]
    assert update["Subject"].startswith("Geändert: Einladung zur Berichterstattung")
    assert "Neuer Saal" in update.get_body(("plain",)).get_content()
    assert len(smtp.messages()) == 3


def test_the_answer_page_of_a_withdrawn_event_shows_nothing_written_since(invited, client):
    guest = Guest.objects.get()
    invited.status = Status.WITHDRAWN
    invited.publish_at = None
    invited.save()
    invited.title = "Geheimes Sondierungstreffen"
    invited.venue_name = "Hinterzimmer"
    invited.save()

    page = client.get(guest.get_absolute_url())

    html = page.content.decode()
    assert page.status_code == 200
    assert "Dieser Termin ist abgesagt." in html
    assert "Geheim" not in html and "Hinterzimmer" not in html
    assert "<form" not in html.split("<main")[1]
    assert client.post(guest.get_absolute_url(), {"answer": "yes"}).status_code == 200
    assert Guest.objects.get().answer == ""


def test_a_withdrawn_event_back_in_review_stays_cancelled_for_its_guests(invited, client):
    guest = Guest.objects.get()
    invited.status = Status.WITHDRAWN
    invited.publish_at = None
    invited.save()
    invited.status = Status.REVIEW
    invited.save()

    page = client.get(guest.get_absolute_url())

    # Guests were told it is off; a text in review is not on the site either.
    assert "Dieser Termin ist abgesagt." in page.content.decode()
    assert client.post(guest.get_absolute_url(), {"answer": "yes"}).status_code == 200
    assert Guest.objects.get().answer == ""


def test_the_admin_offers_no_embargoed_event_for_an_invitation(smtp):
    make_profile()
    embargoed = make_event(
        title="Pressekonferenz unter Sperrfrist",
        publish_at=timezone.now() + datetime.timedelta(days=1),
    )
    make_contact(email="anna@example.net")
    office = client_of(member("freigeberin", "Freigabe"))

    page = office.get("/admin/distribution/invitation/add/").content.decode()
    posted = office.post("/admin/distribution/invitation/add/", {"event": embargoed.pk})
    run_due_tasks()

    assert "Pressekonferenz unter Sperrfrist" not in page
    assert posted.status_code == 200
    assert not Invitation.objects.exists()
    assert smtp.messages() == []


# Bad input to the public pages: a German answer, never a 500.

HUGE_ID = "9" * 30


@pytest.fixture
def public_topics():
    """{"categories": a public category, "topics": a public topic}: what the forms offer."""
    make_profile()
    land = make_category(name="Landespolitik", slug="landespolitik")
    energie = make_topic(name="Energie", slug="energie")
    make_release(category=land, topics=[energie])
    return {"categories": land, "topics": energie}


def form_token(client):
    page = client.get("/presseverteiler/").content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("field", ["categories", "topics"])
@pytest.mark.parametrize("value", [HUGE_ID, "-" + HUGE_ID, "abc", "1.5"])
def test_a_made_up_topic_number_in_the_sign_up_is_a_german_message(
    client, public_topics, field, value
):
    data = {
        "name": "Anna",
        "email": "anna@example.net",
        "consent": "on",
        "token": form_token(client),
        field: [str(public_topics[field].pk), value],
    }

    response = client.post("/presseverteiler/", data)

    assert response.status_code == 200
    assert (
        "Diese Kategorie gibt es nicht." if field == "categories" else "Dieses Thema gibt es nicht."
    ) in response.content.decode()
    assert not Signup.objects.exists()


@pytest.mark.parametrize("field", ["categories", "topics"])
def test_a_made_up_topic_number_on_the_settings_page_changes_nothing(client, public_topics, field):
    contact = make_contact(name="Anna")

    response = client.post(contact.get_absolute_url(), {"name": "Bert", field: [HUGE_ID]})

    assert response.status_code == 200
    assert "gibt es nicht." in response.content.decode()
    contact.refresh_from_db()
    assert contact.name == "Anna"


@pytest.mark.parametrize("page", ["einstellungen", "abmelden", "antwort", "bestaetigen", "foto"])
@pytest.mark.parametrize("token", ["%00", "a%00b", "%FF", "x" * 2000, HUGE_ID, "a:b:c"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_broken_personal_link_is_a_german_page_not_an_error(client, page, token, method):
    make_profile()
    contact = make_contact()

    response = getattr(client, method)(f"/presseverteiler/{page}/{token}/")

    assert response.status_code in (404, 410)
    assert '<html lang="de"' in response.content.decode()
    contact.refresh_from_db()
    assert contact.status == contact.Status.ACTIVE


# Bad input to the Presseverteiler's admin pages.


@pytest.mark.parametrize("upload", ["abc", "\x00", "1.5", HUGE_ID])
def test_a_made_up_import_number_is_a_404_and_imports_nothing(upload):
    user = member("verteiler", "Freigabe")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_contact", "change_contact"])
    )
    office = client_of(user)

    response = office.post("/admin/distribution/contact/import/", {"upload": upload})

    assert response.status_code == 404
    assert not Contact.objects.exists()


@pytest.mark.parametrize("release", ["abc", "1.5", HUGE_ID, "-1"])
def test_a_made_up_release_in_the_send_link_shows_the_empty_send_form(release):
    make_profile()
    office = client_of(member("freigeberin", "Freigabe"))

    response = office.get(f"/admin/distribution/mailing/add/?release={release}")

    assert response.status_code == 200
    assert 'name="release"' in response.content.decode()


# Abuse of the sign-up: its limits hold for every spelling of an inbox and a client.


def sign_up(client, email, remote_addr="127.0.0.1", **headers):
    data = {"name": "Anna", "email": email, "consent": "on", "token": form_token(client)}
    return client.post("/presseverteiler/", data, REMOTE_ADDR=remote_addr, **headers)


def test_one_inbox_gets_three_confirmations_a_day_however_its_address_is_spelled(
    client, smtp, public_topics
):
    spellings = [
        "anna@bücher.example",
        " ANNA@BÜCHER.EXAMPLE ",
        "anna@xn--bcher-kva.example",
        "anna@ｂüｃｈｅｒ.ｅｘａｍｐｌｅ",
    ]

    answers = [
        sign_up(client, email, remote_addr=f"10.0.0.{n}").status_code
        for n, email in enumerate(spellings)
    ]
    run_due_tasks()

    assert answers == [200, 200, 200, 429]
    assert set(Signup.objects.values_list("email", flat=True)) == {"anna@bücher.example"}
    assert len(smtp.messages()) == 3


@pytest.mark.parametrize(
    "email", ['"anna"@example.net', '"an\\na"@example.net', "anna@[127.0.0.1]", "anna@[IPv6:::1]"]
)
def test_quoted_names_and_address_literals_are_refused(client, smtp, public_topics, email):
    response = sign_up(client, email)
    run_due_tasks()

    assert response.status_code == 200
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in response.content.decode()
    assert not Signup.objects.exists()
    assert smtp.messages() == []


def test_a_client_cannot_pass_its_hourly_limit_by_changing_its_ipv6_address(
    client, settings, public_topics
):
    settings.SIGNUP_REQUESTS_PER_CLIENT_HOUR = 2
    network = "2001:db8:4711:1"  # one /64, the least a provider hands a household

    answers = [
        sign_up(client, f"person{n}@example.net", remote_addr=f"{network}::{n:x}").status_code
        for n in range(1, 4)
    ]
    neighbour = sign_up(client, "nachbar@example.net", remote_addr="2001:db8:4711:2::1")

    assert answers == [200, 200, 429]
    assert neighbour.status_code == 200


def test_an_ipv4_client_counts_the_same_written_as_ipv6(client, settings, public_topics):
    settings.SIGNUP_REQUESTS_PER_CLIENT_HOUR = 1

    first = sign_up(client, "a@example.net", remote_addr="192.0.2.7")
    second = sign_up(client, "b@example.net", remote_addr="::ffff:192.0.2.7")

    assert (first.status_code, second.status_code) == (200, 429)


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(client, settings, public_topics):
    settings.PROXY_COUNT = 1
    settings.SIGNUP_REQUESTS_PER_CLIENT_HOUR = 1
    # The proxy appends the address it saw; whatever the client wrote stands before it.

    first = sign_up(client, "a@example.net", HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.7")
    second = sign_up(client, "b@example.net", HTTP_X_FORWARDED_FOR="198.51.100.2, 192.0.2.7")

    assert (first.status_code, second.status_code) == (200, 429)


# CSV exports: no cell a spreadsheet would run.


def test_exports_neutralize_formulas_behind_a_line_break_or_spaces(settings):
    make_profile()
    for n, name in enumerate(["\n=HYPERLINK(1)", " =1+1", "\u00a0@SUMME(1)", "Anna - WDR"]):
        make_contact(email=f"k{n}@example.net", name=name)
    manager = member("verteiler", "Freigabe")
    manager.user_permissions.add(*Permission.objects.filter(codename="change_contact"))
    office = client_of(manager)

    export = office.post(
        "/admin/distribution/contact/",
        {
            "action": "export_csv",
            "_selected_action": list(Contact.objects.values_list("pk", flat=True)),
        },
    )

    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert sorted(row[0] for row in rows[1:]) == [
        "'\n=HYPERLINK(1)",
        "' =1+1",
        "'\u00a0@SUMME(1)",
        "Anna - WDR",
    ]


# Injection into the e-mails.

MARKUP = '<img src=x onerror="alert(1)"><a href="https://evil.example">Klick</a>'


def test_markup_in_quotes_names_and_photo_texts_reaches_the_html_part_as_text(smtp):
    make_profile(name=f"Anna {MARKUP}", press_contact_name=MARKUP)
    image = make_image(alt_text=f"Foto {MARKUP}", credit=f"Foto: {MARKUP}")
    release = make_release(title=f"Haushalt {MARKUP}", lead=f"Vorspann {MARKUP}", hero_image=image)
    person = make_person(name=f"Bert {MARKUP}", role=MARKUP)
    make_quote(release=release, text=f"Wir {MARKUP}", person=person, context=MARKUP)
    make_contact(email="anna@example.net", name=f"Carla {MARKUP}")
    mailing = sending.create_mailing(release, None, Mailing.Mode.PUBLICATION)

    sending.send_mailing.call(mailing.pk)

    html = smtp.messages()[0].get_body(("html",)).get_content()
    assert "<img src=x" not in html and 'href="https://evil.example"' not in html
    assert html.count("&lt;img src=x onerror=&#34;alert(1)&#34;&gt;") >= 7
