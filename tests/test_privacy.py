"""Private by design: readers' browsers talk to this site only, get no cookie and no tracker."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from distribution import invitations, signup as signup_views
from distribution.mail import photo_link
from distribution.models import Signup
from releases.models import Release
from tests.kit.browsers import phone_context
from tests.kit.factories import (
    make_category,
    make_contact,
    make_event,
    make_image,
    make_profile,
    make_release,
)
from tests.kit.public_site import FULL_SLUG, FULL_TITLE, PAGES, build_site

pytestmark = pytest.mark.django_db

FULL_RELEASE = f"/pressemitteilungen/{FULL_SLUG}/"
FULL_URL = f"https://www.example.org{FULL_RELEASE}"
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
# The canonical link names the page's own public address; browsers load nothing from it.
EXTERNAL_RESOURCE = re.compile(
    r"<(?:link(?![^>]*rel=\"canonical\")|img|iframe|source|video|audio|embed|object)\b"
    r"[^>]*\b(?:href|src|data)=\"(?:https?:)?//",
)
# JSON-LD is a data block: browsers never run it, and CSP does not apply to it.
DATA_BLOCK = 'type="application/ld+json"'


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reading_every_page_type_requests_only_this_site_and_sets_no_cookie(browser, live_site):
    context = phone_context(browser)
    page = context.new_page()
    hosts, kinds, scripts_and_icons = set(), set(), set()

    def record(request):
        hosts.add(urlsplit(request.url).netloc)
        kinds.add(request.resource_type)
        if request.resource_type in ("script", "other"):
            scripts_and_icons.add(urlsplit(request.url).path)

    page.on("request", record)

    cookies = {}
    for name, path in PAGES:
        # "load" waits for every image, stylesheet and deferred script of the page.
        page.goto(f"{live_site}{path}", wait_until="load")
        if found := context.cookies():
            cookies[name] = found
    page.remove_listener("request", record)
    # The control: the admin's login form does set its CSRF cookie in this context.
    page.goto(f"{live_site}/admin/login/")
    admin_cookies = [cookie["name"] for cookie in context.cookies()]
    context.close()

    assert hosts == {urlsplit(live_site).netloc}
    assert kinds == {"document", "stylesheet", "image", "script", "other"}
    assert scripts_and_icons == {"/static/js/share.js", "/static/favicon.svg"}
    assert cookies == {}
    assert admin_cookies == ["csrftoken"]


def test_pages_load_no_third_party_resource_and_no_inline_script(client):
    build_site()

    findings = {}
    for name, path in PAGES:
        html = client.get(path).content.decode()
        scripts = [
            (attributes.strip(), body.strip())
            for attributes, body in SCRIPT.findall(html)
            if attributes.strip() != DATA_BLOCK
        ]
        found = [f"script {a} {b[:40]}" for a, b in scripts if not a.startswith('src="/static/')]
        found += [b[:40] for _, b in scripts if b]
        found += EXTERNAL_RESOURCE.findall(html)
        # Inline style attributes would need 'unsafe-inline' in a Content Security Policy.
        found += re.findall(r"<[^>]+\sstyle=\"[^\"]*\"", html)
        if found:
            findings[name] = found

    assert findings == {}


def test_release_offers_plain_share_links_for_mail_mastodon_bluesky_whatsapp_linkedin(client):
    build_site()

    html = client.get(FULL_RELEASE).content.decode()

    share = re.search(r'<section class="share".*?</section>', html, re.S).group(0)
    links = re.findall(r'<a (?:class="([^"]*)" )?href="([^"]*)"[^>]*>([^<]*)</a>', share)
    text = "Haushalt%202027%3A%20Was%20NRW%20in%20Forschung%20und%20Schulen%20investiert"
    plus_text = "Haushalt+2027%3A+Was+NRW+in+Forschung+und+Schulen+investiert"
    url = "https%3A%2F%2Fwww.example.org%2Fpressemitteilungen%2F" + FULL_SLUG + "%2F"
    assert [(label, href.replace("&amp;", "&")) for _, href, label in links] == [
        ("Per E-Mail teilen", f"mailto:?subject={text}&body={url}"),
        ("Auf Mastodon teilen", f"https://s2f.kytta.dev/?text={plus_text}+{url}"),
        ("Auf Bluesky teilen", f"https://bsky.app/intent/compose?text={plus_text}+{url}"),
        ("Über WhatsApp teilen", f"https://wa.me/?text={plus_text}+{url}"),
        ("Auf LinkedIn teilen", f"https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        ("Link zu dieser Pressemitteilung", FULL_URL),
    ]
    assert FULL_TITLE.replace(" ", "%20").replace(":", "%3A") == text
    assert "<script" not in share


def test_share_links_are_missing_from_an_editors_preview(officer_client):
    build_site()
    Release.objects.filter(slug=FULL_SLUG).update(status=Release.Status.DRAFT)

    preview = officer_client.get(FULL_RELEASE).content.decode()
    public = Client().get(FULL_RELEASE)

    assert "Vorschau: Dieser Inhalt ist noch nicht öffentlich." in preview
    assert 'class="share"' not in preview
    assert public.status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_copy_link_button_puts_the_release_address_on_the_clipboard(browser, live_site):
    context = browser.new_context(locale="de-DE", permissions=["clipboard-read", "clipboard-write"])
    context.set_default_timeout(5000)
    page = context.new_page()
    page.goto(f"{live_site}{FULL_RELEASE}")

    page.get_by_role("button", name="Link kopieren").click()
    status = page.get_by_role("status").filter(has_text="Der Link ist kopiert.")
    status.wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    links = page.locator(".share__links a").all_inner_texts()
    context.close()

    assert copied == FULL_URL
    assert links == [
        "Per E-Mail teilen",
        "Auf Mastodon teilen",
        "Auf Bluesky teilen",
        "Über WhatsApp teilen",
        "Auf LinkedIn teilen",
    ]


def test_privacy_page_states_what_the_site_stores(client):
    build_site()

    html = client.get("/datenschutz/").content.decode()

    main = " ".join(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1]).split())
    assert "setzt beim Lesen keine Cookies" in main
    assert "keine Analyse- oder Tracking-Dienste" in main
    assert "IP-Adresse, Zeitpunkt, aufgerufene Adresse" in main
    assert "nach spätestens 14 Tagen gelöscht" in main
    assert "ein Sitzungs-Cookie und ein Sicherheits-Cookie" in main
    assert "Erst wenn Sie einen anklicken, öffnet sich der jeweilige Dienst" in main


def test_the_presseverteiler_pages_set_no_cookie_whatever_a_reader_does(client, settings):
    """Sign-up, confirmation, settings, unsubscribe, answer and photo link: looked at and used."""
    settings.SIGNUP_REQUESTS_PER_CLIENT_HOUR = 1
    make_profile()
    land = make_category(name="Landespolitik", slug="landespolitik")
    image = make_image()
    release = make_release(
        category=land,
        hero_image=image,
        publish_at=timezone.now() + datetime.timedelta(hours=2),
    )
    contact = make_contact(email="anna@example.net")
    invitation = invitations.invite(make_event(), None)
    guest = invitation.guests.get()
    page = client.get("/presseverteiler/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    signup = {"name": "Bert", "email": "bert@example.net", "consent": "on", "token": token}
    waiting = Signup.objects.create(email="carla@example.net", name="Carla")
    confirm = f"/presseverteiler/bestaetigen/{signup_views.confirm_token(waiting)}/"
    photo = urlsplit(photo_link(release, image, release.publish_at)).path

    responses = {
        "sign-up page": client.get("/presseverteiler/"),
        "sign-up": client.post("/presseverteiler/", signup),
        "sign-up with errors": client.post("/presseverteiler/", {"email": "kaputt"}),
        "sign-up over the limit": client.post("/presseverteiler/", signup),
        "sign-up from another site": client.post(
            "/presseverteiler/", signup, HTTP_ORIGIN="https://evil.example"
        ),
        "confirmation page": client.get(confirm),
        "confirmation": client.post(confirm),
        "used confirmation": client.post(confirm),
        "settings page": client.get(contact.get_absolute_url()),
        "settings saved": client.post(contact.get_absolute_url(), {"name": "Anna"}),
        "answer page": client.get(guest.get_absolute_url()),
        "answer": client.post(guest.get_absolute_url(), {"answer": "yes"}),
        "unsubscribe page": client.get(f"/presseverteiler/abmelden/{contact.token}/"),
        "unsubscribe": client.post(f"/presseverteiler/abmelden/{contact.token}/"),
        "settings after unsubscribing": client.get(contact.get_absolute_url()),
        "photo link": client.get(photo),
        "unknown link": client.get("/presseverteiler/einstellungen/unbekannt/"),
    }

    assert {name: r.status_code for name, r in responses.items()} == {
        "sign-up page": 200,
        "sign-up": 200,
        "sign-up with errors": 200,
        "sign-up over the limit": 429,
        "sign-up from another site": 403,
        "confirmation page": 200,
        "confirmation": 200,
        "used confirmation": 410,
        "settings page": 200,
        "settings saved": 200,
        "answer page": 200,
        "answer": 200,
        "unsubscribe page": 200,
        "unsubscribe": 200,
        "settings after unsubscribing": 200,
        "photo link": 200,
        "unknown link": 404,
    }
    cookies = {name: r.headers.get("Set-Cookie") for name, r in responses.items()}
    assert cookies == dict.fromkeys(responses)
    assert client.cookies == {}
