"""In a real browser: the CSP keeps the admin's editor working, and stored attacks stay dead."""

import re

import feedparser
import pytest
from django.test import Client
from playwright.sync_api import expect

from releases.models import Release
from tests.kit.browsers import Watch, log_in, open_add_release_form, save, type_with_bold
from tests.kit.factories import make_event, make_profile, make_quote, make_release, member
from tests.kit.pages import release_form_data
from tests.kit.xss import VECTORS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched(browser, live_server):
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(5000)
    watch = Watch(context, live_server.url)
    page = watch.attach(context.new_page())
    yield page, watch
    context.close()


def test_editor_writes_and_saves_a_release_under_the_admin_policy(watched, live_server, category):
    page, watch = watched
    member("presse", "Freigabe")
    log_in(page, live_server, "presse")
    editor = open_add_release_form(page, live_server, "Sicher im Netz")
    editor.click()
    type_with_bold(page, "Die Policy hält ", "und der Editor läuft", ".")
    save(page)
    page.goto(f"{live_server.url}/admin/zwei-faktor/")
    expect(page.locator("#two-factor-secret")).to_have_count(1)

    release = Release.objects.get()
    assert release.slug == "sicher-im-netz"
    assert re.fullmatch(
        r"<p>Die Policy hält ?<strong> ?und der Editor läuft</strong>.</p>", release.body
    )
    assert page.evaluate("document.querySelector('img[alt^=\"QR-Code\"]').naturalWidth") > 0
    assert watch.violations == []
    assert watch.errors == []


def test_public_pages_run_under_the_strict_policy_without_a_violation(
    watched, live_server, category
):
    page, watch = watched
    make_profile()
    make_release(title="Von der Kohle zur KI", slug="von-der-kohle-zur-ki", category=category)
    make_event(title="Zukunftskonferenz", slug="zukunftskonferenz")
    make_quote(text="Zur Zukunft gehört KI.")
    paths = [
        "/",
        "/pressemitteilungen/",
        "/pressemitteilungen/von-der-kohle-zur-ki/",
        "/termine/zukunftskonferenz/",
        "/zitate/",
        "/suche/?q=KI",
        "/ueber-mich/",
        "/impressum/",
        "/gibt-es-nicht/",
    ]

    for path in paths:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")

    assert watch.violations == []
    assert [error for error in watch.errors if "404" not in error] == []
    assert watch.foreign == []


# Stored attacks, armed so that any script that runs leaves a mark.

MARK = "window.__xss=(window.__xss||0)+1"
ARMED = [vector.replace("alert(1)", MARK) for vector in VECTORS]


def marks(page):
    return page.evaluate("window.__xss || 0")


def test_the_mark_shows_when_script_runs(browser):
    """Prove the check can fail: an unsanitized handler does leave the mark."""
    page = browser.new_page()

    page.set_content(f'<img src="data:," onerror="{MARK}"><svg onload="{MARK}"></svg>')
    page.wait_for_function("window.__xss >= 2")

    assert marks(page) == 2
    page.close()


def test_every_armed_vector_stored_through_the_admin_stays_dead_in_the_browser(
    watched, live_server, category
):
    page, watch = watched
    editor = member("presse", "Freigabe")
    make_profile()
    admin = Client()
    admin.force_login(editor)
    for number, vector in enumerate(ARMED):
        data = release_form_data(category, f"<p>Anfang {number}</p>{vector}", f"angriff-{number}")
        assert admin.post("/admin/releases/release/add/", data).status_code == 302
    data = release_form_data(category, "".join(ARMED), "alle-auf-einmal")
    assert admin.post("/admin/releases/release/add/", data).status_code == 302

    # The site, under its CSP: one page with every vector, and the lists.
    for path in ("/pressemitteilungen/alle-auf-einmal/", "/pressemitteilungen/", "/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert marks(page) == 0, path
    # What feed readers render, without our CSP: each stored body on its own page.
    bodies = [
        content.value
        for url in ("/pressemitteilungen/feed/", "/pressemitteilungen/atom/")
        for entry in feedparser.parse(admin.get(url).content, sanitize_html=False).entries
        for content in entry.content
    ]
    site_bodies = list(Release.objects.order_by("pk").values_list("body", flat=True))
    for html in [*site_bodies, *bodies]:
        page.set_content(f"<!doctype html><html><body>{html}</body></html>")
        page.wait_for_timeout(20)
        assert marks(page) == 0, html

    assert len(site_bodies) == len(ARMED) + 1
    assert len(bodies) == 40
    assert watch.dialogs == []
    assert watch.foreign == []
    assert watch.violations == []
