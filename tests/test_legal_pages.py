"""Impressum, Datenschutz and Barrierefreiheit: built-in text, editable in the admin, the
legally required contact details always from the profile."""

import datetime
import html
import re

import pytest
import time_machine
from django.test import Client

from office.models import LegalPage
from tests.kit.factories import make_profile

pytestmark = pytest.mark.django_db

BLOCK = re.compile(r"</?(?:br|p|h[1-6]|li|ul|div|address|section|article)\b[^>]*>")
BERLIN_NOON = datetime.datetime(2026, 3, 2, 11, 0, tzinfo=datetime.UTC)


def main_text(response):
    main = re.search(r"<main[^>]*>(.*)</main>", response.content.decode(), re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", BLOCK.sub(" ", main))).split())


def headings(response):
    main = re.search(r"<main[^>]*>(.*)</main>", response.content.decode(), re.S).group(1)
    return [
        (int(level), " ".join(re.sub(r"<[^>]+>", "", text).split()))
        for level, text in re.findall(r"<h([1-4])[^>]*>(.*?)</h\1>", main, re.S)
    ]


@pytest.fixture
def full_profile(db):
    return make_profile(
        role="Mitglied des Landtags Nordrhein-Westfalen",
        office_address="Platz des Landtags 1\n40221 Düsseldorf",
        office_phone="0211 884-0",
        office_email="buero@example.org",
    )


def test_imprint_holds_the_details_paragraph_5_ddg_requires(client, full_profile):
    response = client.get("/impressum/")

    text = main_text(response)
    assert response.status_code == 200
    assert text.startswith(
        "Impressum Angaben gemäß § 5 DDG Daniel Hagemeier MdL "
        "Mitglied des Landtags Nordrhein-Westfalen Landtag Nordrhein-Westfalen, CDU "
        "Büro Platz des Landtags 1 40221 Düsseldorf Telefon: 0211 884-0 "
        "E-Mail: buero@example.org "
        "Verantwortlich für den Inhalt Daniel Hagemeier MdL, Anschrift wie oben. "
        "(Verantwortlich im Sinne des § 18 Abs. 2 Medienstaatsvertrag)"
    )
    assert '<a href="tel:0211884-0">0211 884-0</a>' in response.content.decode()


@pytest.mark.parametrize(
    ("path", "slug", "built_in_heading"),
    [
        ("/impressum/", LegalPage.Slug.IMPRINT, "Haftung für Links"),
        ("/datenschutz/", LegalPage.Slug.PRIVACY, "Keine Cookies, kein Tracking"),
        ("/barrierefreiheit/", LegalPage.Slug.ACCESSIBILITY, "Stand der Vereinbarkeit"),
    ],
)
def test_edited_text_replaces_the_built_in_text_of_its_own_page_only(
    client, full_profile, path, slug, built_in_heading
):
    others = {"/impressum/", "/datenschutz/", "/barrierefreiheit/"} - {path}
    with time_machine.travel(BERLIN_NOON, tick=False):
        LegalPage.objects.create(
            slug=slug, body="<h2>Eigener Text</h2><p>Von der Redaktion geschrieben.</p>"
        )

    response = client.get(path)
    other_pages = [main_text(client.get(other)) for other in sorted(others)]

    text = main_text(response)
    assert (2, "Eigener Text") in headings(response)
    assert (2, built_in_heading) not in headings(response)
    assert "Von der Redaktion geschrieben. Zuletzt geändert am 2. März 2026." in text
    assert "buero@example.org" in text
    assert [other for other in other_pages if "Eigener Text" in other] == []


def test_privacy_policy_keeps_the_responsible_office_above_the_edited_text(client, full_profile):
    LegalPage.objects.create(slug=LegalPage.Slug.PRIVACY, body="<p>Neue Fassung.</p>")

    response = client.get("/datenschutz/")

    assert main_text(response).startswith(
        "Datenschutzerklärung Verantwortlich Daniel Hagemeier MdL Platz des Landtags 1 "
        "40221 Düsseldorf E-Mail: buero@example.org Neue Fassung."
    )


def test_accessibility_statement_keeps_feedback_contact_and_conciliation(client, full_profile):
    LegalPage.objects.create(
        slug=LegalPage.Slug.ACCESSIBILITY, body="<h2>Stand der Vereinbarkeit</h2><p>Voll.</p>"
    )

    response = client.get("/barrierefreiheit/")

    assert headings(response) == [
        (1, "Erklärung zur Barrierefreiheit"),
        (2, "Stand der Vereinbarkeit"),
        (2, "Feedback und Kontakt"),
        (2, "Schlichtungsverfahren"),
    ]
    assert "Telefon: 0211 884-0 E-Mail: buero@example.org" in main_text(response)
    assert '<a href="https://www.schlichtungsstelle-bgg.de/">' in response.content.decode()


def test_built_in_accessibility_statement_follows_the_bitv_model(client, full_profile):
    response = client.get("/barrierefreiheit/")

    text = main_text(response)
    assert headings(response) == [
        (1, "Erklärung zur Barrierefreiheit"),
        (2, "Stand der Vereinbarkeit"),
        (3, "Erstellung dieser Erklärung"),
        (2, "Nicht barrierefreie Inhalte"),
        (2, "Feedback und Kontakt"),
        (2, "Schlichtungsverfahren"),
    ]
    assert "weitgehend mit den Anforderungen der BITV 2.0" in text
    assert "Es gibt noch keine Informationen in Leichter Sprache" in text


def test_legal_text_is_sanitized_like_every_rich_text(full_profile):
    page = LegalPage.objects.create(
        slug=LegalPage.Slug.PRIVACY,
        body='<p onclick="steal()">Text<script>alert(1)</script></p><iframe src="x"></iframe>',
    )

    page.refresh_from_db()

    assert page.body == "<p>Text</p>"


def test_each_legal_text_links_to_its_page():
    pages = [LegalPage(slug=slug) for slug in LegalPage.Slug]

    assert [page.get_absolute_url() for page in pages] == [
        "/impressum/",
        "/datenschutz/",
        "/barrierefreiheit/",
    ]


def test_press_officer_writes_the_privacy_policy_in_the_admin(officer_client, full_profile):
    response = officer_client.post(
        "/admin/office/legalpage/add/",
        {"slug": "datenschutz", "body": "<h2>Unsere Regeln</h2><p>Wir speichern wenig.</p>"},
    )

    page = LegalPage.objects.get()
    public = Client().get("/datenschutz/")
    assert response.status_code == 302
    assert (page.slug, page.body) == (
        "datenschutz",
        "<h2>Unsere Regeln</h2><p>Wir speichern wenig.</p>",
    )
    assert (2, "Unsere Regeln") in headings(public)


def test_page_of_a_legal_text_cannot_be_changed_and_no_fourth_text_added(
    officer_client, full_profile
):
    for slug in LegalPage.Slug:
        LegalPage.objects.create(slug=slug, body="<p>Text</p>")
    privacy = LegalPage.objects.get(slug=LegalPage.Slug.PRIVACY)

    add = officer_client.get("/admin/office/legalpage/add/")
    officer_client.post(
        f"/admin/office/legalpage/{privacy.pk}/change/",
        {"slug": "impressum", "body": "<p>Geändert</p>"},
    )

    privacy.refresh_from_db()
    assert add.status_code == 403
    assert (privacy.slug, privacy.body) == ("datenschutz", "<p>Geändert</p>")


def test_staff_without_permission_cannot_edit_legal_texts(client, staff_without_permission):
    client.force_login(staff_without_permission)

    response = client.post(
        "/admin/office/legalpage/add/", {"slug": "impressum", "body": "<p>Fremd</p>"}
    )

    assert response.status_code == 403
    assert list(LegalPage.objects.all()) == []


def test_legal_page_costs_two_queries(client, full_profile, django_assert_num_queries):
    """A legal page reads its own text and the profile it names."""
    LegalPage.objects.create(slug=LegalPage.Slug.PRIVACY, body="<p>Text</p>")

    with django_assert_num_queries(2):
        response = client.get("/datenschutz/")

    assert "Text" in main_text(response)
