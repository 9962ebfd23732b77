import datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from office.models import Statistic
from releases.models import Release, ReleaseQuote, ReleaseStatistic
from tests.kit.browsers import (
    close_quietly,
    log_in,
    open_add_release_form,
    phone_context,
    save,
    type_with_bold,
)
from tests.kit.factories import (
    image_bytes,
    make_image,
    make_profile,
    make_quote,
    make_release,
    member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED_TITLE = "Von der Kohle zur KI: NRW setzt auf Zukunftstechnologien und Innovationen"
SEED_BODY = (
    "<h2>KI als Chance für Wirtschaft und Arbeitsplätze</h2>"
    "<p>Nordrhein-Westfalen verfügt als Standort über eine starke industrielle Basis und eine "
    "der dichtesten Forschungslandschaften Europas.</p>"
    "<ol><li>Der Beitrag von generativer KI zur Bruttowertschöpfung in NRW könnte bis zu "
    "67,8 Milliarden Euro betragen.</li>"
    "<li>Bereits jedes fünfte Unternehmen in NRW setzt heute auf KI-Technologien.</li></ol>"
    "<h2>Internationale Konkurrenz und politische Verantwortung</h2>"
    "<p>Die wirtschaftliche Konkurrenz ist jedoch hoch – Länder wie die USA und Frankreich "
    "setzen gezielt auf KI-Investitionen.</p>" * 6
)
WORD_PASTE = (
    "<p class=MsoNormal style='margin:0cm;font-family:Calibri'>"
    "<span style='color:red'>Hallo <b>Welt</b></span><o:p></o:p></p>"
    "<script>alert(1)</script>"
    '<p onclick="x()">Klick</p>'
)


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="de-DE")
    context.set_default_timeout(5000)
    yield context
    close_quietly(context)


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def phone(browser):
    context = phone_context(browser)
    yield context
    context.close()


@pytest.fixture
def officer_page(page, live_server):
    member("presse", "Freigabe")
    log_in(page, live_server, "presse")
    return page


def test_press_officer_writes_bold_text_in_the_editor(officer_page, live_server, category):
    page = officer_page

    editor = open_add_release_form(page, live_server, "Neue Meldung zur KI")
    slug = page.input_value("#id_slug")
    editor.click()
    type_with_bold(page, "NRW wird ", "KI-Standort", " Nummer eins.")
    save(page)

    release = Release.objects.get()
    assert slug == "neue-meldung-zur-ki"
    assert (release.title, release.slug, release.category) == (
        "Neue Meldung zur KI",
        "neue-meldung-zur-ki",
        category,
    )
    assert release.body == "<p>NRW wird <strong>KI-Standort</strong> Nummer eins.</p>"


def test_slug_is_prefilled_the_german_way(officer_page, live_server, category):
    page = officer_page

    open_add_release_form(page, live_server, "Förderung für Straßen in Köln")

    assert page.input_value("#id_slug") == "foerderung-fuer-strassen-in-koeln"


def test_paste_from_word_is_stored_as_clean_markup(officer_page, live_server, category):
    page = officer_page

    editor = open_add_release_form(page, live_server, "Text aus Word")
    editor.click()
    editor.evaluate(
        """(element, html) => {
            const data = new DataTransfer();
            data.setData("text/html", html);
            data.setData("text/plain", "Hallo Welt Klick");
            element.dispatchEvent(new ClipboardEvent("paste", {
                clipboardData: data, bubbles: true, cancelable: true,
            }));
        }""",
        WORD_PASTE,
    )
    save(page)

    body = Release.objects.get(slug="text-aus-word").body
    leftovers = ("class=", "style=", "<span", "o:p", "<script", "alert", "onclick")
    assert [leftover for leftover in leftovers if leftover in body] == []
    assert body == "<p>Hallo <strong>Welt</strong></p><p>Klick</p>"


def make_seed_release(**kwargs):
    """Create the seed release with a hero image wider than a phone, a quote and a figure."""
    kwargs.setdefault("title", SEED_TITLE)
    kwargs.setdefault("slug", "von-der-kohle-zur-ki")
    kwargs.setdefault("body", SEED_BODY)
    kwargs.setdefault("hero_image", make_image(content=image_bytes(size=(1600, 900))))
    release = make_release(**kwargs)
    quote = make_quote(
        text="Zur Zukunft gehört Künstliche Intelligenz – und Nordrhein-Westfalen kann hier "
        "eine führende Rolle übernehmen.",
        context="Zukunftskonferenz „Von der Kohle zur KI“ in Berlin",
    )
    statistic = Statistic.objects.create(
        qualifier="bis zu",
        value="67.8",
        unit="Mrd. Euro",
        label="Beitrag generativer KI zur Bruttowertschöpfung in NRW",
        source_name="Institut der deutschen Wirtschaft",
        source_url="https://www.iwkoeln.de/studien/ki-potenziale-in-nordrhein-westfalen.html",
        source_year=2025,
    )
    ReleaseQuote.objects.create(release=release, quote=quote)
    ReleaseStatistic.objects.create(release=release, statistic=statistic)
    return release


def test_reader_on_a_phone_gets_a_same_origin_cookieless_page(phone, live_server, category):
    make_profile()
    make_seed_release()
    page = phone.new_page()
    hosts = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))

    for path in ("/", "/pressemitteilungen/", "/pressemitteilungen/von-der-kohle-zur-ki/"):
        page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    lang = page.evaluate("document.documentElement.lang")
    page.keyboard.press("Tab")
    first_focus = page.evaluate("document.activeElement.textContent.trim()")
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#inhalt'")
    focus_after_skip = page.evaluate("document.activeElement.id")
    main_top = page.evaluate("document.getElementById('inhalt').getBoundingClientRect().top")
    scrolled = page.evaluate("window.scrollY")

    assert page.locator("h1").inner_text() == SEED_TITLE
    assert set(hosts) == {urlsplit(live_server.url).netloc}
    assert phone.cookies() == []
    assert scroll_width <= 375
    assert lang == "de"
    assert first_focus == "Zum Inhalt springen"
    assert focus_after_skip == "inhalt"
    assert scrolled > 0
    assert abs(main_top) < 1


@pytest.mark.parametrize(
    ("title", "body"),
    [
        pytest.param(
            "Breitbandausbauförderrichtlinie beschlossen", SEED_BODY, id="compound-word-title"
        ),
        pytest.param(
            SEED_TITLE,
            '<p>Die Drucksache: <a href="https://www.landtag.nrw.de/portal/WWW/dokumentenarchiv'
            '/Dokument/MMD18-4517.pdf">https://www.landtag.nrw.de/portal/WWW/dokumentenarchiv'
            "/Dokument/MMD18-4517.pdf</a></p>",
            id="link-text-is-a-url",
        ),
    ],
)
def test_release_with_long_words_fits_a_phone(phone, live_server, category, title, body):
    make_profile()
    make_seed_release(title=title, body=body)
    page = phone.new_page()

    page.goto(f"{live_server.url}/pressemitteilungen/von-der-kohle-zur-ki/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def describe_focus(page: Page):
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            return [
                element.id || element.textContent.trim().replace(/\\s+/g, " "),
                getComputedStyle(element).outlineStyle,
            ];
        }"""
    )


def test_keyboard_reaches_navigation_and_search_with_visible_focus(page, live_server):
    make_profile()
    page.goto(f"{live_server.url}/")

    focused = []
    for _ in range(8):
        page.keyboard.press("Tab")
        focused.append(describe_focus(page))

    assert [name for name, _ in focused] == [
        "Zum Inhalt springen",
        "Daniel Hagemeier MdL Landtag Nordrhein-Westfalen",
        "Pressemitteilungen",
        "Termine",
        "Zitate",
        "Zahlen",
        "Über mich",
        "site-search-q",
    ]
    assert [style for _, style in focused if style == "none"] == []


def test_header_search_finds_published_release_by_keyboard(page, live_server, category, now):
    make_release(title="Kohleausstieg im Rheinischen Revier", slug="kohleausstieg")
    make_release(title="Kohleausstieg: Entwurf", slug="kohle-entwurf", status=Release.Status.DRAFT)
    make_release(
        title="Kohleausstieg unter Sperrfrist",
        slug="kohle-sperrfrist",
        publish_at=now + datetime.timedelta(hours=1),
    )
    page.goto(f"{live_server.url}/")

    page.focus("#site-search-q")
    page.keyboard.type("Kohleausstieg")
    page.keyboard.press("Enter")
    page.wait_for_url("**/suche/?q=Kohleausstieg")

    titles = page.locator(".teaser__title").all_inner_texts()
    assert titles == ["Kohleausstieg im Rheinischen Revier"]
