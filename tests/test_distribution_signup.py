"""Signing up for the Presseverteiler: double opt-in, limits, the personal page (issue 21)."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from distribution.models import Contact, Signup
from office.publishing import Status
from tests.kit.factories import make_category, make_contact, make_profile, make_release, make_topic
from tests.kit.smtp import text_of
from tests.kit.tasks import run_due_tasks

pytestmark = pytest.mark.django_db

SIGNUP = "/presseverteiler/"


@pytest.fixture
def public_topics():
    """A category and a topic of a published release, and a category only a draft uses."""
    make_profile()
    land = make_category(name="Landespolitik", slug="landespolitik")
    energie = make_topic(name="Energie", slug="energie")
    release = make_release(category=land)
    release.topics.add(energie)
    geheim = make_category(name="Geheimes Vorhaben", slug="geheim")
    make_release(category=geheim, status=Status.DRAFT)
    return land, energie, geheim


def form_token(client):
    page = client.get(SIGNUP).content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def sign_up(client, email="anna@zeitung.example", remote_addr="127.0.0.1", **fields):
    data = {
        "name": "Anna Schreiber",
        "outlet": "Westfälische Zeitung",
        "email": email,
        "consent": "on",
        "token": form_token(client),
    } | fields
    return client.post(SIGNUP, data, REMOTE_ADDR=remote_addr)


def confirmation_link(mailbox, index=-1):
    message = mailbox.messages()[index]
    text = text_of(message)
    return re.search(r"https://www\.example\.org(/presseverteiler/bestaetigen/\S+/)", text).group(1)


def test_a_reader_looking_at_the_page_gets_no_cookie_and_only_public_topics(client, public_topics):
    response = client.get(SIGNUP)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert "Landespolitik" in page and "Energie" in page
    assert "Geheimes Vorhaben" not in page
    assert "no-cache" in response["Cache-Control"]


def test_sign_up_mails_a_link_that_confirms_once_with_the_chosen_topics(
    client, smtp, public_topics
):
    land, energie, _ = public_topics

    response = sign_up(client, categories=[land.pk], topics=[energie.pk])
    run_due_tasks()

    assert response.status_code == 200
    assert "Wir haben eine E-Mail an anna@zeitung.example geschickt" in response.content.decode()
    assert "Set-Cookie" not in response.headers
    assert smtp.recipients() == ["anna@zeitung.example"]
    message = smtp.messages()[0]
    assert message["Subject"].startswith("Bitte bestätigen: Presseverteiler von")
    assert "48 Stunden" in text_of(message)
    assert not Contact.objects.exists()  # nothing before the click

    link = confirmation_link(smtp)
    looked = client.get(link)  # a mail scanner opening the link confirms nothing
    assert looked.status_code == 200
    assert not Contact.objects.exists()
    confirmed = client.post(link)
    again = client.post(link)

    contact = Contact.objects.get()
    assert confirmed.status_code == 200
    assert (contact.status, contact.source) == (Contact.Status.ACTIVE, Contact.Source.SIGNUP)
    assert (contact.name, contact.outlet) == ("Anna Schreiber", "Westfälische Zeitung")
    assert contact.confirmed_at is not None and contact.consented_at is not None
    assert list(contact.categories.all()) == [land]
    assert list(contact.topics.all()) == [energie]
    assert again.status_code == 410
    assert "schon bestätigt" in again.content.decode()


def test_the_confirmation_link_expires_after_48_hours(client, smtp, public_topics):
    sign_up(client)
    run_due_tasks()
    link = confirmation_link(smtp)

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=48, minutes=1)):
        response = client.post(link)

    assert response.status_code == 410
    assert "nur begrenzte Zeit gültig" in response.content.decode()
    assert not Contact.objects.exists()


def test_a_forged_or_altered_link_confirms_nothing(client, smtp, public_topics):
    sign_up(client)
    run_due_tasks()
    link = confirmation_link(smtp)
    signup = Signup.objects.get()

    altered = link.replace(f"/{signup.pk}:", f"/{signup.pk + 1}:")
    response = client.post(altered)

    assert response.status_code == 410
    assert not Contact.objects.exists()


def test_the_answer_is_the_same_whether_the_address_is_on_the_list_or_not(
    client, smtp, public_topics
):
    make_contact(email="bekannt@zeitung.example", name="Bekannt", outlet="Alt")

    known = sign_up(client, email="bekannt@zeitung.example", name="Fremder", outlet="Neu")
    unknown = sign_up(client, email="neu1@zeitung.example", name="Fremder", outlet="Neu")

    mask = lambda response: response.content.decode().replace("bekannt", "X").replace("neu1", "X")  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert mask(known) == mask(unknown)
    # A stranger typing a known address changes nothing until its inbox confirms.
    contact = Contact.objects.get(email="bekannt@zeitung.example")
    assert (contact.name, contact.outlet) == ("Bekannt", "Alt")


def test_an_address_gets_three_confirmation_mails_a_day_at_most(client, smtp, public_topics):
    answers = [sign_up(client).status_code for _ in range(4)]
    run_due_tasks()

    assert answers == [200, 200, 200, 429]
    assert smtp.recipients() == ["anna@zeitung.example"] * 3
    last = sign_up(client)
    assert "heute schon mehrere Bestätigungen geschickt" in last.content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        assert sign_up(client).status_code == 200


def test_a_client_may_sign_up_a_limited_number_of_addresses_an_hour(
    client, smtp, settings, public_topics
):
    settings.SIGNUP_REQUESTS_PER_CLIENT_HOUR = 2

    answers = [sign_up(client, email=f"person{n}@example.net").status_code for n in range(3)]
    other = sign_up(client, email="person9@example.net", remote_addr="10.0.0.9")
    run_due_tasks()

    assert answers == [200, 200, 429]
    assert other.status_code == 200
    assert sorted(smtp.recipients()) == [
        "person0@example.net",
        "person1@example.net",
        "person9@example.net",
    ]


def test_a_post_from_another_site_is_refused(client, smtp, public_topics):
    token = form_token(client)
    data = {"name": "A", "email": "a@example.net", "consent": "on", "token": token}

    by_origin = client.post(SIGNUP, data, headers={"Origin": "https://evil.example"})
    by_fetch = client.post(SIGNUP, data, headers={"Sec-Fetch-Site": "cross-site"})
    same_site = client.post(
        SIGNUP, data, headers={"Origin": "https://www.example.org", "Sec-Fetch-Site": "same-origin"}
    )

    assert (by_origin.status_code, by_fetch.status_code, same_site.status_code) == (403, 403, 200)
    assert "über das Formular auf dieser Seite" in by_origin.content.decode()
    assert Signup.objects.count() == 1


def test_a_form_left_open_too_long_asks_again_and_keeps_the_input(client, smtp, public_topics):
    token = form_token(client)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        response = client.post(
            SIGNUP, {"name": "Anna", "email": "anna@example.net", "consent": "on", "token": token}
        )

    page = response.content.decode()
    assert "Das Formular war zu lange geöffnet" in page
    assert 'value="anna@example.net"' in page
    assert not Signup.objects.exists()


def test_bad_input_gets_german_messages_and_keeps_what_was_typed(client, public_topics):
    _, _, geheim = public_topics

    response = sign_up(client, email="keine-adresse", categories=[geheim.pk], consent="")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in page
    assert "Diese Kategorie gibt es nicht." in page
    assert "Bitte bestätigen Sie, dass Sie E-Mails bekommen möchten." in page
    assert 'value="Anna Schreiber"' in page
    assert 'aria-invalid="true"' in page
    assert not Signup.objects.exists()


def test_header_characters_in_the_name_cannot_reach_the_mail(client, smtp, public_topics):
    sign_up(client, name="Anna\r\nBcc: alle@example.net")
    run_due_tasks()
    client.post(confirmation_link(smtp))

    assert Contact.objects.get().name == "Anna Bcc: alle@example.net"
    assert smtp.recipients() == ["anna@zeitung.example"]


def test_the_personal_page_changes_topics_and_keeps_those_not_offered(client, public_topics):
    land, energie, geheim = public_topics
    contact = make_contact(categories=[land, geheim])

    page = client.get(f"/presseverteiler/einstellungen/{contact.token}/")
    saved = client.post(
        f"/presseverteiler/einstellungen/{contact.token}/",
        {"name": "Neuer Name", "outlet": "WDR", "topics": [energie.pk]},
    )

    contact.refresh_from_db()
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert "Geheimes Vorhaben" not in page.content.decode()
    assert "Gespeichert." in saved.content.decode()
    assert (contact.name, contact.outlet) == ("Neuer Name", "WDR")
    assert list(contact.categories.all()) == [geheim]
    assert list(contact.topics.all()) == [energie]
    assert client.get("/presseverteiler/einstellungen/falsch/").status_code == 404


def test_unsubscribing_by_link_and_by_one_click_post(client, public_topics):
    by_link = make_contact()
    one_click = make_contact()

    asked = client.get(f"/presseverteiler/abmelden/{by_link.token}/")
    client.post(f"/presseverteiler/abmelden/{by_link.token}/")
    # RFC 8058: the mail client posts this body, with no cookie and no token.
    client.post(
        f"/presseverteiler/abmelden/{one_click.token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    by_link.refresh_from_db()
    one_click.refresh_from_db()
    assert "Möchten Sie" in asked.content.decode()
    assert by_link.status == one_click.status == Contact.Status.UNSUBSCRIBED
    settings_page = client.get(by_link.get_absolute_url()).content.decode()
    assert "bekommt keine E-Mails aus dem Presseverteiler" in settings_page


def test_signing_up_again_after_unsubscribing_needs_a_new_confirmation(client, smtp, public_topics):
    contact = make_contact(email="anna@zeitung.example", status=Contact.Status.UNSUBSCRIBED)

    sign_up(client)
    run_due_tasks()
    assert Contact.objects.get().status == Contact.Status.UNSUBSCRIBED
    client.post(confirmation_link(smtp))

    contact.refresh_from_db()
    assert contact.status == Contact.Status.ACTIVE
    assert contact.source == Contact.Source.SIGNUP
