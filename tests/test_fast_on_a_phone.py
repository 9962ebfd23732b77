"""Fast on a phone: a small first load, one small stylesheet, no JavaScript needed."""

import re

import pytest
from django.core.management import call_command

from tests.kit.browsers import PAGE_BUDGET, first_load, phone_context
from tests.kit.public_site import FULL_SLUG, FULL_TITLE, PAGES, ROOT, build_site

pytestmark = pytest.mark.django_db

STYLESHEET_BUDGET = 16 * 1024
DEMO_RELEASE = "/pressemitteilungen/von-der-kohle-zur-ki/"
DEMO_TITLE = "Von der Kohle zur KI: NRW setzt auf Zukunftstechnologien und Innovationen"
FULL_RELEASE = f"/pressemitteilungen/{FULL_SLUG}/"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", [DEMO_RELEASE, FULL_RELEASE], ids=["demo", "every-feature"])
def test_release_first_load_on_a_phone_stays_under_150_kb(browser, live_site, path):
    sizes = first_load(browser, f"{live_site}{path}")

    kinds = sorted(key.split(" ")[0] for key in sizes)
    assert sum(sizes.values()) < PAGE_BUDGET, sizes
    assert kinds.count("stylesheet") == 1
    assert kinds.count("script") == 1
    assert kinds.count("document") == 1


def test_every_page_has_one_small_stylesheet_and_only_deferred_same_origin_scripts(client):
    build_site()

    heads = {}
    for name, path in PAGES:
        head = client.get(path).content.decode().split("</head>")[0]
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', head)
        blocking = [
            script
            for script in re.findall(r"<script\b[^>]*>", head)
            # JSON-LD is data, never run, so it blocks nothing.
            if 'type="application/ld+json"' not in script
            and (not re.search(r'\ssrc="/static/[^"]+"', script) or " defer" not in script)
        ]
        heads[name] = (stylesheets, blocking)
    stylesheet_size = (ROOT / "static" / "css" / "site.css").stat().st_size

    assert heads == {name: (["/static/css/site.css"], []) for name, _ in PAGES}
    assert stylesheet_size < STYLESHEET_BUDGET


def test_stylesheet_gets_a_content_hash_in_production(client, settings, tmp_path):
    """Check that a hashed name lets browsers and CDNs cache the stylesheet for good."""
    build_site()
    # Static addresses are remembered (office/site/links.py), per storage.
    before = client.get(DEMO_RELEASE).content.decode()
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)

    html = client.get(DEMO_RELEASE).content.decode()

    assert '<link rel="stylesheet" href="/static/css/site.css">' in before
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) == [
        re.search(r"/static/css/site\.[0-9a-f]{12}\.css", html).group(0)
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_without_javascript_reads_a_release_and_searches(browser, live_site):
    context = phone_context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_site}/")

    page.get_by_role("link", name=FULL_TITLE).click()
    page.wait_for_url(f"**{FULL_RELEASE}")
    heading = page.locator("h1").inner_text()
    lead = page.locator(".release__lead").inner_text()
    copy_link = page.locator(".share__links li").last.inner_text()
    page.get_by_role("searchbox", name="Website durchsuchen").fill("Kohle")
    page.keyboard.press("Enter")
    page.wait_for_url("**/suche/?q=Kohle")
    results = page.locator(".teaser__title").all_inner_texts()
    context.close()

    assert heading == FULL_TITLE
    assert lead == "Der Haushaltsentwurf 2027 stärkt Schulen und Hochschulen im ganzen Land."
    assert copy_link == "Link zu dieser Pressemitteilung"
    assert results == [DEMO_TITLE, "Zukunftskonferenz „Von der Kohle zur KI“"]
