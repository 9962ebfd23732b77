"""The public HTML pages (and sitemap/robots): what each shows, and what it must never show."""

import datetime
import html
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.models import Event
from releases.models import Release
from tests.kit.factories import (
    make_category,
    make_event,
    make_image,
    make_person,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import berlin, body, main_html

pytestmark = pytest.mark.django_db

SITE = "https://www.example.org"
NOT_FOUND = "Seite nicht gefunden"
PREVIEW_BANNER = "Vorschau: Dieser Inhalt ist noch nicht öffentlich."
FEED_LINKS = [
    ("application/rss+xml", "/pressemitteilungen/feed/"),
    ("application/atom+xml", "/pressemitteilungen/atom/"),
    ("text/calendar", "/termine/kalender.ics"),
]

TEASER_TITLE = re.compile(r'class="teaser__title"><a href="(?P<href>[^"]*)">(?P<title>.*?)</a>')
EVENT_TEASER = re.compile(r'<article class="teaser teaser--event[^"]*">(.*?)</article>', re.S)
BLOCK_TAG = re.compile(
    r"</?(?:br|p|h[1-6]|ul|ol|li|dl|dt|dd|div|section|article|address|header|footer|nav|"
    r"figure|figcaption|blockquote)\b[^>]*>"
)
ALTERNATE_LINK = re.compile(r'<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">')


def head_html(response):
    return re.search(r"<head>(.*)</head>", body(response), re.S).group(1)


def text(markup):
    """Return markup as a reader sees it: no tags, entities resolved, whitespace collapsed."""
    markup = re.sub(BLOCK_TAG, " ", markup)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def page_title(response):
    return html.unescape(re.search(r"<title>(.*?)</title>", body(response), re.S).group(1))


def teaser_titles(response, prefix="/"):
    """Return the titles of the teasers that link below prefix, in page order."""
    return [
        text(match["title"])
        for match in TEASER_TITLE.finditer(main_html(response))
        if match["href"].startswith(prefix)
    ]


def event_teasers(response):
    """Return (title, marked cancelled) for each event teaser, in page order."""
    return [
        (text(TEASER_TITLE.search(article)["title"]), "Abgesagt" in article)
        for article in EVENT_TEASER.findall(main_html(response))
    ]


def quote_texts(response):
    return [
        text(quote)
        for quote in re.findall(
            r"<blockquote[^>]*><p>„(.*?)“</p></blockquote>", main_html(response)
        )
    ]


def cites(response):
    return [text(cite) for cite in re.findall(r"<cite>(.*?)</cite>", main_html(response), re.S)]


def figure_values(response):
    return [text(v) for v in re.findall(r'<p class="figure__value">(.*?)</p>', main_html(response))]


def figure_labels(response):
    return [text(v) for v in re.findall(r'<p class="figure__label">(.*?)</p>', main_html(response))]


def embargoed():
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)


# Two ways of not being public yet: the same status for releases and events.
UNPUBLISHED = [
    pytest.param(lambda: {"status": Release.Status.DRAFT}, id="draft"),
    pytest.param(lambda: {"publish_at": embargoed()}, id="embargoed"),
]


# Every public HTML page


@pytest.fixture
def seeded(profile):
    """Create the seed release with one item of every kind, so every public URL has content."""
    category = make_category(name="Aus der Landesregierung", slug="aus-der-landesregierung")
    topic = make_topic(name="Künstliche Intelligenz", slug="kuenstliche-intelligenz")
    release = make_release(
        title="Von der Kohle zur KI",
        slug="von-der-kohle-zur-ki",
        category=category,
        topics=[topic],
        publish_at=berlin(2025, 2, 13, 9, 0),
    )
    release.quotes.add(make_quote(text="Die Kohle hat NRW groß gemacht."))
    release.statistics.add(make_statistic(label="Wertschöpfung durch KI", source_year=2024))
    release.events.add(make_event(title="Zukunftskonferenz", slug="zukunftskonferenz"))
    make_event(
        title="Vergangene Sitzung", slug="vergangene-sitzung", starts_at=berlin(2024, 5, 2, 10)
    )
    return release


PAGE_TITLES = [
    ("/", "Startseite"),
    ("/pressemitteilungen/", "Pressemitteilungen"),
    ("/pressemitteilungen/von-der-kohle-zur-ki/", "Von der Kohle zur KI"),
    (
        "/pressemitteilungen/kategorie/aus-der-landesregierung/",
        "Aus der Landesregierung – Pressemitteilungen",
    ),
    (
        "/pressemitteilungen/thema/kuenstliche-intelligenz/",
        "Künstliche Intelligenz – Pressemitteilungen",
    ),
    ("/pressemitteilungen/2025/", "Pressemitteilungen 2025"),
    ("/termine/", "Termine"),
    ("/termine/archiv/", "Vergangene Termine"),
    ("/termine/zukunftskonferenz/", "Zukunftskonferenz"),
    ("/zitate/", "Zitate"),
    ("/zahlen/", "Zahlen und Fakten"),
    ("/suche/?q=Kohle", "Suche"),
    ("/ueber-mich/", "Über mich"),
    ("/impressum/", "Impressum"),
    ("/datenschutz/", "Datenschutz"),
    ("/barrierefreiheit/", "Erklärung zur Barrierefreiheit"),
]


@pytest.mark.parametrize(("path", "title"), PAGE_TITLES)
def test_public_page_is_german_with_its_title_and_feed_autodiscovery(client, seeded, path, title):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="de">' in body(response)
    assert page_title(response) == f"{title} – Daniel Hagemeier MdL"
    assert ALTERNATE_LINK.findall(head_html(response))[:3] == FEED_LINKS


@pytest.mark.parametrize(
    "path",
    [path for path, _ in PAGE_TITLES] + ["/sitemap.xml", "/robots.txt"],
)
def test_public_page_sets_no_cookies_for_anonymous_readers(client, seeded, path):
    response = client.get(path)

    assert response.status_code == 200
    assert dict(response.cookies) == {}


def test_category_and_topic_pages_announce_their_own_feed(client, seeded):
    category = client.get("/pressemitteilungen/kategorie/aus-der-landesregierung/")
    topic = client.get("/pressemitteilungen/thema/kuenstliche-intelligenz/")

    assert ALTERNATE_LINK.findall(head_html(category)) == [
        *FEED_LINKS,
        ("application/rss+xml", "/pressemitteilungen/kategorie/aus-der-landesregierung/feed/"),
    ]
    assert ALTERNATE_LINK.findall(head_html(topic)) == [
        *FEED_LINKS,
        ("application/rss+xml", "/pressemitteilungen/thema/kuenstliche-intelligenz/feed/"),
    ]


# Home


def test_home_shows_latest_releases_next_events_a_quote_and_figures(client, profile, now):
    for hours in range(6, 0, -1):
        public = make_release(
            title=f"Meldung vor {hours} Stunden", publish_at=now - datetime.timedelta(hours=hours)
        )
    make_release(title="Entwurf", status=Release.Status.DRAFT, publish_at=now)
    make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=5))
    for days in (4, 1, 3, 2):
        make_event(title=f"Termin in {days} Tagen", starts_at=now + datetime.timedelta(days=days))
    make_event(
        title="Entwurfstermin",
        status=Event.Status.DRAFT,
        starts_at=now + datetime.timedelta(hours=1),
    )
    make_event(title="Gesperrter Termin", publish_at=now + datetime.timedelta(hours=1))
    make_event(title="Vorbei", starts_at=now - datetime.timedelta(days=1))
    make_quote(text="Älteres Zitat", said_on=datetime.date(2025, 1, 1), release=public)
    make_quote(
        text="Neuestes öffentliches Zitat", said_on=datetime.date(2025, 2, 1), release=public
    )
    make_quote(text="Zitat ohne Meldung", said_on=datetime.date(2025, 4, 1))
    hidden = make_quote(text="Zitat unter Sperrfrist", said_on=datetime.date(2025, 3, 1))
    make_release(
        title="Mit Sperrfrist-Zitat", publish_at=now + datetime.timedelta(days=1)
    ).quotes.add(hidden)
    for year in (2020, 2021, 2022, 2023, 2024):
        make_statistic(label=f"Kennzahl {year}", source_year=year, release=public)
    make_statistic(label="Kennzahl ohne Meldung", source_year=2031)
    hidden_figure = make_statistic(label="Gesperrte Kennzahl", source_year=2030)
    make_release(title="Mit Sperrfrist-Zahl", status=Release.Status.DRAFT).statistics.add(
        hidden_figure
    )

    response = client.get("/")

    assert response.status_code == 200
    assert teaser_titles(response, "/pressemitteilungen/") == [
        "Meldung vor 1 Stunden",
        "Meldung vor 2 Stunden",
        "Meldung vor 3 Stunden",
        "Meldung vor 4 Stunden",
        "Meldung vor 5 Stunden",
    ]
    assert teaser_titles(response, "/termine/") == [
        "Termin in 1 Tagen",
        "Termin in 2 Tagen",
        "Termin in 3 Tagen",
    ]
    assert quote_texts(response) == ["Neuestes öffentliches Zitat"]
    assert cites(response) == ["Daniel Hagemeier MdL"]
    assert figure_labels(response) == [
        "Kennzahl 2024",
        "Kennzahl 2023",
        "Kennzahl 2022",
        "Kennzahl 2021",
    ]


def test_home_without_content_says_so_in_german(client, profile):
    make_release(title="Entwurf", status=Release.Status.DRAFT)
    make_event(title="Entwurfstermin", status=Event.Status.DRAFT)

    response = client.get("/")

    assert teaser_titles(response) == []
    assert "Hier gibt es noch keine Pressemitteilungen." in body(response)
    assert "Zurzeit stehen keine Termine an." in body(response)


# Release list, detail, category, topic, year


def test_release_list_shows_published_releases_newest_first(client, profile, now):
    make_release(title="Älter", publish_at=now - datetime.timedelta(days=2))
    make_release(title="Neuer", publish_at=now - datetime.timedelta(hours=1))
    make_release(
        title="Entwurf", status=Release.Status.DRAFT, publish_at=now - datetime.timedelta(hours=2)
    )
    make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=1))

    response = client.get("/pressemitteilungen/")

    assert response.status_code == 200
    assert teaser_titles(response) == ["Neuer", "Älter"]
    assert re.search(r"<h1>Pressemitteilungen</h1>", main_html(response))


def test_release_list_shows_ten_a_page_with_seite(client, profile, now):
    for n in range(1, 13):
        make_release(title=f"Meldung {n:02d}", publish_at=now - datetime.timedelta(days=13 - n))
    make_release(title="Entwurf", status=Release.Status.DRAFT)
    make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=1))

    first = client.get("/pressemitteilungen/")
    second = client.get("/pressemitteilungen/?seite=2")

    assert teaser_titles(first) == [f"Meldung {n:02d}" for n in range(12, 2, -1)]
    assert teaser_titles(second) == ["Meldung 02", "Meldung 01"]
    assert "Seite 1 von 2" in text(main_html(first))
    assert "Seite 2 von 2" in text(main_html(second))
    assert '<a href="?seite=2" rel="next">Ältere Einträge</a>' in body(first)
    assert '<a href="?seite=1" rel="prev">Neuere Einträge</a>' in body(second)
    assert 'rel="next"' not in body(second)
    assert page_title(second) == "Pressemitteilungen – Seite 2 – Daniel Hagemeier MdL"


def test_release_detail_shows_everything_attached_in_order(client, profile):
    category = make_category(name="Aus der Landesregierung", slug="aus-der-landesregierung")
    release = make_release(
        title="Von der Kohle zur KI",
        slug="von-der-kohle-zur-ki",
        lead="NRW soll Vorreiter bei KI werden.",
        body="<p>Die Studie des <strong>IW</strong> zeigt es.</p>",
        category=category,
        topics=[make_topic(name="Wirtschaft"), make_topic(name="Energie")],
        publish_at=berlin(2025, 2, 13, 9, 0),
        hero_image=make_image(alt_text="Konferenzsaal in Berlin", caption="Die Konferenz"),
    )
    expert = make_person(name="Michael Hüther", role="Direktor des IW Köln")
    second = make_quote(text="KI ist die Chance des Standorts.", person=expert)
    first = make_quote(text="Die Kohle hat NRW groß gemacht.", context="Zukunftskonferenz")
    release.quotes.add(second, through_defaults={"order": 2})
    release.quotes.add(first, through_defaults={"order": 1})
    release.statistics.add(
        make_statistic(
            qualifier="bis zu",
            value=Decimal("67.8"),
            unit="Mrd. Euro",
            label="zusätzliche Wertschöpfung durch KI",
            source_name="Institut der deutschen Wirtschaft",
            source_title="KI-Studie",
            source_year=2024,
        ),
        through_defaults={"order": 1},
    )
    release.statistics.add(
        make_statistic(
            value=57, unit="Prozent", label="der Unternehmen nutzen KI", source_year=2024
        ),
        through_defaults={"order": 2},
    )
    release.events.add(
        make_event(title="Zukunftskonferenz"),
        make_event(title="Entwurfstermin", status=Event.Status.DRAFT),
        make_event(title="Gesperrter Termin", publish_at=embargoed()),
    )

    response = client.get("/pressemitteilungen/von-der-kohle-zur-ki/")

    main = main_html(response)
    assert response.status_code == 200
    assert re.search(r"<h1>Von der Kohle zur KI</h1>", main)
    assert "Pressemitteilung vom 13. Februar 2025" in text(main)
    assert '<p class="release__lead">NRW soll Vorreiter bei KI werden.</p>' in main
    assert "<p>Die Studie des <strong>IW</strong> zeigt es.</p>" in main
    assert '<a href="/pressemitteilungen/kategorie/aus-der-landesregierung/">' in main
    assert 'alt="Konferenzsaal in Berlin"' in main
    assert quote_texts(response) == [
        "Die Kohle hat NRW groß gemacht.",
        "KI ist die Chance des Standorts.",
    ]
    assert cites(response) == ["Daniel Hagemeier MdL", "Michael Hüther, Direktor des IW Köln"]
    assert figure_values(response) == ["bis zu 67,8 Mrd. Euro", "57 Prozent"]
    assert figure_labels(response) == [
        "zusätzliche Wertschöpfung durch KI",
        "der Unternehmen nutzen KI",
    ]
    assert "Quelle: Institut der deutschen Wirtschaft: KI-Studie (2024)" in text(main)
    assert teaser_titles(response, "/termine/") == ["Zukunftskonferenz"]
    assert re.findall(r'<a href="/pressemitteilungen/thema/[^"]+/">([^<]+)</a>', main) == [
        "Energie",
        "Wirtschaft",
    ]
    assert PREVIEW_BANNER not in body(response)


def test_embargoed_release_appears_on_its_pages_at_publish_time(client, profile):
    release = make_release(title="Sperrfrist", slug="sperrfrist", publish_at=embargoed())

    def seen():
        return (
            teaser_titles(client.get("/pressemitteilungen/")),
            client.get("/pressemitteilungen/sperrfrist/").status_code,
            teaser_titles(client.get("/")),
        )

    with time_machine.travel(release.publish_at - datetime.timedelta(seconds=1), tick=False):
        before = seen()
    with time_machine.travel(release.publish_at, tick=False):
        after = seen()

    assert before == ([], 404, [])
    assert after == (["Sperrfrist"], 200, ["Sperrfrist"])


@pytest.mark.parametrize("unpublished", UNPUBLISHED)
def test_unpublished_release_is_404_for_anonymous_readers(client, profile, unpublished):
    make_release(title="Veröffentlicht", slug="veroeffentlicht")
    make_release(title="Geheim", slug="geheim", **unpublished())

    hidden = client.get("/pressemitteilungen/geheim/")
    public = client.get("/pressemitteilungen/veroeffentlicht/")

    assert hidden.status_code == 404
    assert NOT_FOUND in body(hidden)
    assert "Geheim" not in body(hidden)
    assert public.status_code == 200


@pytest.mark.parametrize("unpublished", UNPUBLISHED)
def test_press_officer_previews_unpublished_release_uncached(officer_client, profile, unpublished):
    make_release(title="Geheim", slug="geheim", **unpublished())

    response = officer_client.get("/pressemitteilungen/geheim/")

    assert response.status_code == 200
    assert re.search(r"<h1>Geheim</h1>", main_html(response))
    assert PREVIEW_BANNER in body(response)
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "private"} <= directives


def test_press_officer_sees_no_preview_banner_on_published_release(officer_client, profile):
    make_release(title="Veröffentlicht", slug="veroeffentlicht")

    response = officer_client.get("/pressemitteilungen/veroeffentlicht/")

    assert re.search(r"<h1>Veröffentlicht</h1>", main_html(response))
    assert PREVIEW_BANNER not in body(response)


def test_staff_without_permission_cannot_preview_draft_release(staff_without_permission, profile):
    make_release(title="Geheim", slug="geheim", status=Release.Status.DRAFT)
    staff = Client()
    staff.force_login(staff_without_permission)

    response = staff.get("/pressemitteilungen/geheim/")

    assert response.status_code == 404
    assert NOT_FOUND in body(response)
    assert "Geheim" not in body(response)


def test_category_page_lists_only_its_published_releases(client, profile, now):
    wirtschaft = make_category(
        name="Wirtschaft", slug="wirtschaft", description="Alles zur Wirtschaft."
    )
    other = make_category(name="Kultur", slug="kultur")
    make_release(
        title="Wirtschaft alt", category=wirtschaft, publish_at=now - datetime.timedelta(days=2)
    )
    make_release(
        title="Wirtschaft neu", category=wirtschaft, publish_at=now - datetime.timedelta(days=1)
    )
    make_release(title="Kultur", category=other)
    make_release(title="Entwurf", category=wirtschaft, status=Release.Status.DRAFT)
    make_release(title="Sperrfrist", category=wirtschaft, publish_at=embargoed())

    response = client.get("/pressemitteilungen/kategorie/wirtschaft/")

    assert response.status_code == 200
    assert teaser_titles(response) == ["Wirtschaft neu", "Wirtschaft alt"]
    assert (
        text(re.search(r"<h1>(.*?)</h1>", main_html(response)).group(1)) == "Kategorie Wirtschaft"
    )
    assert '<p class="intro">Alles zur Wirtschaft.</p>' in main_html(response)


@pytest.mark.parametrize("kind", ["category", "topic"])
def test_a_renamed_archive_answers_at_its_new_address_at_once(client, profile, kind):
    # Categories and topics are kept per content generation (releases/archive.py).
    archive = make_category(slug="alt") if kind == "category" else make_topic(slug="alt")
    make_release(**({"category": archive} if kind == "category" else {"topics": [archive]}))
    base = archive.get_absolute_url().removesuffix("alt/")
    before = client.get(f"{base}alt/").status_code
    archive.slug, archive.name = "neu", "Neu benannt"
    archive.save()

    after = {slug: client.get(f"{base}{slug}/").status_code for slug in ("alt", "neu")}

    assert (before, after) == (200, {"alt": 404, "neu": 200})
    assert "Neu benannt" in client.get(f"{base}neu/feed/").content.decode()


def test_category_sidebar_lists_only_categories_with_published_releases(client, profile):
    make_release(title="Sichtbar", category=make_category(name="Sichtbar", slug="sichtbar"))
    make_release(
        title="Entwurf",
        category=make_category(name="Nur Entwürfe", slug="nur-entwuerfe"),
        status=Release.Status.DRAFT,
    )
    make_release(
        title="Sperrfrist",
        category=make_category(name="Nur Sperrfrist", slug="nur-sperrfrist"),
        publish_at=embargoed(),
    )

    response = client.get("/pressemitteilungen/")

    sidebar = re.search(r'<nav class="archive-links".*?</nav>', body(response), re.S).group(0)
    assert re.findall(r'<a href="/pressemitteilungen/kategorie/[^"]+/">([^<]+)</a>', sidebar) == [
        "Sichtbar"
    ]


def test_topic_page_lists_only_its_published_releases(client, profile, now):
    energie = make_topic(name="Energie", slug="energie")
    make_release(title="Energie alt", topics=[energie], publish_at=now - datetime.timedelta(days=2))
    make_release(
        title="Energie neu",
        topics=[energie, make_topic()],
        publish_at=now - datetime.timedelta(days=1),
    )
    make_release(title="Ohne Thema")
    make_release(title="Entwurf", topics=[energie], status=Release.Status.DRAFT)
    make_release(title="Sperrfrist", topics=[energie], publish_at=embargoed())

    response = client.get("/pressemitteilungen/thema/energie/")

    assert response.status_code == 200
    assert teaser_titles(response) == ["Energie neu", "Energie alt"]
    assert text(re.search(r"<h1>(.*?)</h1>", main_html(response)).group(1)) == "Thema Energie"


@time_machine.travel(berlin(2025, 6, 15, 12, 0), tick=False)
def test_year_archive_lists_only_that_years_releases_in_local_time(client, profile):
    make_release(title="Frühjahr 2023", publish_at=berlin(2023, 3, 1, 10))
    make_release(title="Sommer 2024", publish_at=berlin(2024, 7, 1, 10))
    make_release(title="Silvester 2024", publish_at=berlin(2024, 12, 31, 23, 30))
    # 23:30 UTC on 31 December, but already 2025 in Düsseldorf.
    make_release(title="Neujahr 2025", publish_at=berlin(2025, 1, 1, 0, 30))
    make_release(title="Entwurf 2024", publish_at=berlin(2024, 8, 1), status=Release.Status.DRAFT)
    make_release(title="Sperrfrist 2025", publish_at=berlin(2025, 6, 16, 10))

    y2023 = client.get("/pressemitteilungen/2023/")
    y2024 = client.get("/pressemitteilungen/2024/")
    y2025 = client.get("/pressemitteilungen/2025/")

    assert teaser_titles(y2023) == ["Frühjahr 2023"]
    assert teaser_titles(y2024) == ["Silvester 2024", "Sommer 2024"]
    assert teaser_titles(y2025) == ["Neujahr 2025"]
    assert re.search(r"<h1>Pressemitteilungen 2024</h1>", main_html(y2024))
    assert re.findall(r'<a href="/pressemitteilungen/(\d{4})/">', body(y2024)) == [
        "2025",
        "2024",
        "2023",
    ]


@time_machine.travel(berlin(2025, 6, 15, 12, 0), tick=False)
def test_year_with_only_unpublished_releases_is_404(client, profile):
    make_release(title="Sichtbar 2024", publish_at=berlin(2024, 5, 1))
    make_release(title="Entwurf 2022", publish_at=berlin(2022, 5, 1), status=Release.Status.DRAFT)
    make_release(title="Sperrfrist 2026", publish_at=berlin(2026, 1, 2))

    draft_year = client.get("/pressemitteilungen/2022/")
    embargo_year = client.get("/pressemitteilungen/2026/")

    assert draft_year.status_code == 404
    assert embargo_year.status_code == 404
    assert "Entwurf 2022" not in body(draft_year)
    assert "Sperrfrist 2026" not in body(embargo_year)
    assert re.findall(
        r'<a href="/pressemitteilungen/(\d{4})/">', body(client.get("/pressemitteilungen/"))
    ) == ["2024"]


def test_year_archive_shows_ten_a_page_with_seite(client, profile):
    for day in range(1, 13):
        make_release(title=f"Mai {day:02d}", publish_at=berlin(2024, 5, day, 10))
    make_release(title="Juni 2023", publish_at=berlin(2023, 6, 1, 10))

    first = client.get("/pressemitteilungen/2024/")
    second = client.get("/pressemitteilungen/2024/?seite=2")

    assert teaser_titles(first) == [f"Mai {day:02d}" for day in range(12, 2, -1)]
    assert teaser_titles(second) == ["Mai 02", "Mai 01"]


# Events


def test_upcoming_events_soonest_first_with_cancelled_marked(client, profile, now):
    make_event(title="Zukunftskonferenz", starts_at=now + datetime.timedelta(days=3))
    make_event(title="Bürgersprechstunde", starts_at=now + datetime.timedelta(days=1))
    make_event(
        title="Abgesagte Sitzung", starts_at=now + datetime.timedelta(days=2), cancelled=True
    )
    make_event(
        title="Läuft gerade",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=1),
    )
    make_event(title="Vorbei", starts_at=now - datetime.timedelta(days=1))
    make_event(title="Entwurf", status=Event.Status.DRAFT)
    make_event(title="Sperrfrist", publish_at=embargoed())

    response = client.get("/termine/")

    assert response.status_code == 200
    assert event_teasers(response) == [
        ("Läuft gerade", False),
        ("Bürgersprechstunde", False),
        ("Abgesagte Sitzung", True),
        ("Zukunftskonferenz", False),
    ]


def test_event_archive_lists_past_events_most_recent_first(client, profile, now):
    make_event(title="Letzte Woche", starts_at=now - datetime.timedelta(days=7))
    make_event(title="Gestern", starts_at=now - datetime.timedelta(days=1))
    make_event(title="Abgesagt gestern", starts_at=now - datetime.timedelta(days=2), cancelled=True)
    make_event(title="Morgen", starts_at=now + datetime.timedelta(days=1))
    make_event(
        title="Entwurf", status=Event.Status.DRAFT, starts_at=now - datetime.timedelta(days=3)
    )
    make_event(
        title="Sperrfrist", publish_at=embargoed(), starts_at=now - datetime.timedelta(days=3)
    )

    response = client.get("/termine/archiv/")

    assert response.status_code == 200
    assert re.search(r"<h1>Vergangene Termine</h1>", main_html(response))
    assert event_teasers(response) == [
        ("Gestern", False),
        ("Abgesagt gestern", True),
        ("Letzte Woche", False),
    ]


def test_event_detail_shows_german_date_venue_and_public_releases(client, profile):
    event = make_event(
        title="Von der Kohle zur KI",
        slug="von-der-kohle-zur-ki",
        starts_at=berlin(2025, 2, 13, 10, 0),
        ends_at=berlin(2025, 2, 13, 17, 0),
        venue_name="Landesvertretung NRW",
        venue_address="Hiroshimastraße 12–16\n10785 Berlin",
        organizer="Landtagsbüro",
        description="<p>Eine Konferenz über den Strukturwandel.</p>",
    )
    event.speakers.add(make_person(name="Michael Hüther", role="Direktor des IW Köln"))
    make_release(title="Einladung", publish_at=berlin(2025, 2, 1, 9)).events.add(event)
    make_release(title="Entwurf", status=Release.Status.DRAFT).events.add(event)
    make_release(title="Sperrfrist", publish_at=embargoed()).events.add(event)

    response = client.get("/termine/von-der-kohle-zur-ki/")

    main = text(main_html(response))
    assert response.status_code == 200
    assert "Donnerstag, 13. Februar 2025, 10:00 Uhr bis 17:00 Uhr" in main
    assert "Wo Landesvertretung NRW Hiroshimastraße 12–16 10785 Berlin" in main
    assert "Veranstalter Landtagsbüro" in main
    assert "Mitwirkende Michael Hüther, Direktor des IW Köln" in main
    assert "Eine Konferenz über den Strukturwandel." in main
    # The conference is over: its file is offered, quietly (tests/test_past_events.py).
    assert '<a href="/termine/von-der-kohle-zur-ki.ics" download>' in body(response)
    assert teaser_titles(response, "/pressemitteilungen/") == ["Einladung"]
    assert "abgesagt" not in main.lower()


def test_cancelled_event_detail_is_marked_abgesagt(client, profile):
    make_event(title="Sprechstunde", slug="sprechstunde", cancelled=True)

    response = client.get("/termine/sprechstunde/")

    assert response.status_code == 200
    assert page_title(response) == "Abgesagt: Sprechstunde – Daniel Hagemeier MdL"
    assert "Dieser Termin ist abgesagt." in text(main_html(response))


@pytest.mark.parametrize("unpublished", UNPUBLISHED)
def test_unpublished_event_is_404_for_anonymous_readers(client, profile, unpublished):
    make_event(title="Öffentlich", slug="oeffentlich")
    make_event(title="Geheim", slug="geheim", **unpublished())

    hidden = client.get("/termine/geheim/")
    public = client.get("/termine/oeffentlich/")

    assert hidden.status_code == 404
    assert NOT_FOUND in body(hidden)
    assert "Geheim" not in body(hidden)
    assert public.status_code == 200


@pytest.mark.parametrize("unpublished", UNPUBLISHED)
def test_press_officer_previews_unpublished_event_uncached(officer_client, profile, unpublished):
    make_event(title="Geheim", slug="geheim", **unpublished())

    response = officer_client.get("/termine/geheim/")

    assert response.status_code == 200
    assert re.search(r"<h1>Geheim</h1>", main_html(response))
    assert PREVIEW_BANNER in body(response)
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "private"} <= directives


def test_staff_without_permission_cannot_preview_draft_event(staff_without_permission, profile):
    make_event(title="Geheim", slug="geheim", status=Event.Status.DRAFT)
    staff = Client()
    staff.force_login(staff_without_permission)

    response = staff.get("/termine/geheim/")

    assert response.status_code == 404
    assert NOT_FOUND in body(response)
    assert "Geheim" not in body(response)


# Quotes and figures


def test_quotes_page_hides_quotes_only_on_unpublished_releases(client, profile):
    expert = make_person(name="Michael Hüther", role="Direktor des IW Köln")
    make_quote(text="Ohne Meldung", said_on=datetime.date(2025, 1, 3))
    on_public = make_quote(
        text="In öffentlicher Meldung", said_on=datetime.date(2025, 2, 1), person=expert
    )
    on_embargoed = make_quote(text="Nur unter Sperrfrist", said_on=datetime.date(2025, 3, 1))
    on_draft = make_quote(text="Nur im Entwurf", said_on=datetime.date(2025, 3, 2))
    on_both = make_quote(text="Öffentlich und gesperrt", said_on=datetime.date(2024, 12, 1))
    own = make_quote(
        text="Eigenes Wort", said_on=datetime.date(2025, 1, 1), context="Neujahrsempfang"
    )
    public = make_release(title="Öffentlich")
    public.quotes.add(on_public, on_both, own)
    make_release(title="Sperrfrist", publish_at=embargoed()).quotes.add(on_embargoed, on_both)
    make_release(title="Entwurf", status=Release.Status.DRAFT).quotes.add(on_draft)

    response = client.get("/zitate/")

    assert response.status_code == 200
    assert quote_texts(response) == [
        "In öffentlicher Meldung",
        "Eigenes Wort",
        "Öffentlich und gesperrt",
    ]
    assert cites(response) == [
        "Michael Hüther, Direktor des IW Köln",
        "Daniel Hagemeier MdL",
        "Daniel Hagemeier MdL",
    ]
    assert "Daniel Hagemeier MdL, Neujahrsempfang, 1. Januar 2025" in text(main_html(response))


def test_figures_page_renders_values_the_german_way_with_sources(client, profile):
    public = make_release(title="Öffentlich")
    make_statistic(label="Ohne Meldung", source_year=2032)
    make_statistic(
        release=public,
        qualifier="bis zu",
        value=Decimal("67.8"),
        unit="Mrd. Euro",
        label="Wertschöpfung durch KI",
        source_name="Institut der deutschen Wirtschaft",
        source_url="https://www.iwkoeln.de/studie",
        source_year=2024,
    )
    make_statistic(
        release=public,
        value=Decimal("1234567.5"),
        qualifier="rund",
        unit="Euro",
        label="Fördermittel",
        source_year=2023,
    )
    make_statistic(
        value=None, unit="", label="jedes fünfte Unternehmen", source_year=2022, release=public
    )
    hidden = make_statistic(value=99, label="Gesperrte Kennzahl", source_year=2030)
    make_release(title="Sperrfrist", publish_at=embargoed()).statistics.add(hidden)
    draft_only = make_statistic(value=98, label="Kennzahl im Entwurf", source_year=2031)
    make_release(title="Entwurf", status=Release.Status.DRAFT).statistics.add(draft_only)

    response = client.get("/zahlen/")

    assert response.status_code == 200
    assert figure_labels(response) == [
        "Wertschöpfung durch KI",
        "Fördermittel",
        "jedes fünfte Unternehmen",
    ]
    assert figure_values(response) == ["bis zu 67,8 Mrd. Euro", "rund 1.234.567,5 Euro"]
    assert (
        '<a href="https://www.iwkoeln.de/studie">Institut der deutschen Wirtschaft</a> (2024)'
        in main_html(response)
    )


# Search


def test_search_finds_only_public_content_in_every_section(client, profile):
    public = make_release(title="Abschied von der Kohle", publish_at=berlin(2025, 1, 5, 9))
    make_release(title="Unwichtig", lead="Kohle im Vorspann", publish_at=berlin(2025, 1, 6, 9))
    make_release(title="Kohle Entwurf", status=Release.Status.DRAFT)
    gesperrt = make_release(title="Kohle Sperrfrist", publish_at=embargoed())
    make_event(title="Gipfel zur Kohle")
    make_event(title="Kohle Entwurfstermin", status=Event.Status.DRAFT)
    make_event(title="Kohle gesperrt", publish_at=embargoed())
    make_quote(text="Die Kohle hat uns groß gemacht.", release=public)
    make_quote(text="Kohle ohne Meldung")
    gesperrt.quotes.add(make_quote(text="Kohle unter Sperrfrist"))
    make_statistic(label="Beschäftigte in der Kohle", value=12, source_year=2024, release=public)
    make_statistic(label="Kohle ohne Meldung", source_year=2024)
    gesperrt.statistics.add(make_statistic(label="Kohle gesperrt", source_year=2024))

    response = client.get("/suche/?q=kohle")

    assert response.status_code == 200
    # A hit in the title ranks above a hit in the lead.
    assert teaser_titles(response, "/pressemitteilungen/") == [
        "Abschied von der Kohle",
        "Unwichtig",
    ]
    assert teaser_titles(response, "/termine/") == ["Gipfel zur Kohle"]
    assert quote_texts(response) == ["Die Kohle hat uns groß gemacht."]
    assert figure_labels(response) == ["Beschäftigte in der Kohle"]
    assert re.findall(r'<span class="count">\((\d+)\)</span>', main_html(response)) == [
        "2",
        "1",
        "1",
        "1",
    ]
    assert '<meta name="robots" content="noindex">' in head_html(response)


def test_search_requires_every_word(client, profile):
    make_release(title="Von der Kohle zur KI")
    make_release(title="Kohleausstieg")
    make_release(title="KI in der Schule")

    response = client.get("/suche/?q=KI+Kohle")

    assert teaser_titles(response) == ["Von der Kohle zur KI"]


def test_search_without_results_says_so_in_german(client, profile):
    make_release(title="Sperrfrist Solarpark", publish_at=embargoed())

    response = client.get("/suche/?q=Solarpark")

    assert response.status_code == 200
    assert teaser_titles(response) == []
    assert (
        "Zu „Solarpark“ wurde nichts gefunden. Versuchen Sie einen anderen oder kürzeren Begriff."
        in text(main_html(response))
    )


# Profile and legal pages


def test_profile_page_shows_office_and_press_contact(client, profile):
    response = client.get("/ueber-mich/")

    main = main_html(response)
    assert response.status_code == 200
    assert re.search(r"<h1>Daniel Hagemeier MdL</h1>", main)
    assert "Landtag Nordrhein-Westfalen, CDU" in text(main)
    assert "Büro Platz des Landtags 1 40221 Düsseldorf E-Mail: buero@example.org" in text(main)
    assert "Pressekontakt Erika Presse E-Mail: presse@example.org" in text(main)
    assert '<a href="mailto:presse@example.org">presse@example.org</a>' in main


def test_imprint_names_the_responsible_person_and_press_contact(client, profile):
    response = client.get("/impressum/")

    main = text(main_html(response))
    assert response.status_code == 200
    assert "Angaben gemäß § 5 DDG Daniel Hagemeier MdL Landtag Nordrhein-Westfalen" in main
    assert "Verantwortlich für den Inhalt Daniel Hagemeier MdL, Anschrift wie oben." in main
    assert "Pressekontakt Erika Presse E-Mail: presse@example.org" in main


@pytest.mark.parametrize(
    ("path", "headings"),
    [
        (
            "/datenschutz/",
            [
                "Datenschutzerklärung",
                "Verantwortlich",
                "Keine Cookies, kein Tracking",
                "Server-Protokolle",
                "Redaktionszugang",
                "Feeds und Kalender",
                "Ihre Rechte",
            ],
        ),
        (
            "/barrierefreiheit/",
            [
                "Erklärung zur Barrierefreiheit",
                "Stand der Vereinbarkeit",
                "Nicht barrierefreie Inhalte",
                "Feedback und Kontakt",
                "Schlichtungsverfahren",
            ],
        ),
    ],
)
def test_legal_page_has_its_german_sections(client, profile, path, headings):
    response = client.get(path)

    assert response.status_code == 200
    assert [
        text(h) for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", main_html(response))
    ] == headings
    assert "buero@example.org" in main_html(response)


# Sitemap and robots.txt


SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def sitemap_urls(client, path):
    """Return {loc: lastmod} of a sitemap, following an index into its sections."""
    response = client.get(path)
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    if root.tag.endswith("sitemapindex"):
        urls = {}
        for loc in root.findall("s:sitemap/s:loc", SITEMAP):
            assert loc.text.startswith(f"{SITE}/sitemap-")
            urls |= sitemap_urls(client, loc.text.removeprefix(SITE))
        return urls
    return {
        url.findtext("s:loc", namespaces=SITEMAP): url.findtext("s:lastmod", namespaces=SITEMAP)
        for url in root.findall("s:url", SITEMAP)
    }


def test_sitemap_lists_public_pages_releases_and_events_with_absolute_urls(client, profile):
    release = make_release(slug="von-der-kohle-zur-ki", publish_at=berlin(2025, 2, 13, 9))
    # Still the 13th in UTC: the day is the site's.
    Release.objects.filter(pk=release.pk).update(updated_at=berlin(2025, 2, 14, 0, 30))
    make_release(slug="entwurf", status=Release.Status.DRAFT)
    make_release(slug="sperrfrist", publish_at=embargoed())
    make_event(slug="zukunftskonferenz")
    make_event(slug="entwurfstermin", status=Event.Status.DRAFT)
    make_event(slug="gesperrter-termin", publish_at=embargoed())

    urls = sitemap_urls(client, "/sitemap.xml")

    assert list(urls) == [
        f"{SITE}/",
        f"{SITE}/pressemitteilungen/",
        f"{SITE}/termine/",
        f"{SITE}/zitate/",
        f"{SITE}/zahlen/",
        f"{SITE}/ueber-mich/",
        f"{SITE}/feeds/",
        f"{SITE}/impressum/",
        f"{SITE}/datenschutz/",
        f"{SITE}/barrierefreiheit/",
        f"{SITE}/pressemitteilungen/von-der-kohle-zur-ki/",
        f"{SITE}/termine/zukunftskonferenz/",
    ]
    assert urls[f"{SITE}/pressemitteilungen/von-der-kohle-zur-ki/"] == "2025-02-14"


def test_sitemap_index_dates_each_section_by_its_latest_public_change(
    client, profile, django_assert_max_num_queries
):
    older = make_release(slug="aelter", publish_at=berlin(2025, 2, 13, 9))
    newer = make_release(slug="neuer", publish_at=berlin(2025, 3, 1, 9))
    Release.objects.filter(pk=older.pk).update(updated_at=berlin(2025, 3, 5, 12))
    Release.objects.filter(pk=newer.pk).update(updated_at=berlin(2025, 3, 1, 9))
    # A draft edited later, and an embargo, must not date the public section.
    make_release(slug="entwurf", status=Release.Status.DRAFT)
    make_release(slug="sperrfrist", publish_at=embargoed())
    make_event(slug="termin", publish_at=berlin(2025, 1, 2, 8))
    Event.objects.update(updated_at=berlin(2025, 1, 2, 8))

    with django_assert_max_num_queries(10):
        root = ElementTree.fromstring(client.get("/sitemap.xml").content)

    lastmod = {
        entry.findtext("s:loc", namespaces=SITEMAP).removeprefix(SITE): entry.findtext(
            "s:lastmod", namespaces=SITEMAP
        )
        for entry in root.findall("s:sitemap", SITEMAP)
    }
    assert lastmod["/sitemap-releases.xml"].startswith("2025-03-05T")
    assert lastmod["/sitemap-events.xml"].startswith("2025-01-02T")


def test_sitemap_index_pages_a_large_section(client, profile, settings):
    from releases.sitemaps import ReleaseSitemap

    ReleaseSitemap.limit, limit = 2, ReleaseSitemap.limit
    try:
        for n in range(5):
            make_release(slug=f"meldung-{n}")
        index = client.get("/sitemap.xml").content.decode()
        urls = sitemap_urls(client, "/sitemap.xml")
    finally:
        ReleaseSitemap.limit = limit

    assert f"{SITE}/sitemap-releases.xml?p=3" in index
    assert sorted(url for url in urls if "/meldung-" in url) == [
        f"{SITE}/pressemitteilungen/meldung-{n}/" for n in range(5)
    ]


def test_news_sitemap_has_the_last_two_days_with_title_and_publication(client, profile, now):
    make_release(title="Heute", slug="heute", publish_at=now - datetime.timedelta(hours=3))
    make_release(title="Vorige Woche", slug="alt", publish_at=now - datetime.timedelta(days=7))
    make_release(title="Entwurf", slug="entwurf", status=Release.Status.DRAFT)
    make_release(title="Sperrfrist", slug="sperrfrist", publish_at=embargoed())

    root = ElementTree.fromstring(client.get("/sitemap-news.xml").content)

    entries = [
        (
            url.findtext("s:loc", namespaces=SITEMAP),
            url.findtext(f"{NEWS}news/{NEWS}title"),
            url.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}name"),
            url.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}language"),
        )
        for url in root.findall("s:url", SITEMAP)
    ]
    assert entries == [(f"{SITE}/pressemitteilungen/heute/", "Heute", "Daniel Hagemeier MdL", "de")]


def test_robots_txt_points_to_the_absolute_sitemaps(client, profile):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "User-agent: *\nAllow: /\nDisallow: /vorschau/\n"
        f"Sitemap: {SITE}/sitemap.xml\nSitemap: {SITE}/sitemap-news.xml\n"
    )


# Query counts


class World:
    """A site that grows by n public items of every kind, all on the measured pages."""

    def __init__(self):
        self.category = make_category(name="Wirtschaft", slug="wirtschaft")
        self.topic = make_topic(name="Energie", slug="energie")
        self.release = make_release(
            title="Energie Hauptmeldung",
            slug="hauptmeldung",
            category=self.category,
            publish_at=berlin(2024, 1, 1, 12),
        )
        self.size = 0

    def grow(self, n):
        now = datetime.datetime.now(datetime.UTC)
        for _ in range(n):
            self.size += 1
            i = self.size
            quote = make_quote(text=f"Energie Zitat {i}", person=make_person(role="Expertin"))
            figure = make_statistic(label=f"Energie Kennzahl {i}", source_year=2024)
            event = make_event(title=f"Energie Termin {i}")
            make_event(title=f"Energie Rückblick {i}", starts_at=now - datetime.timedelta(days=i))
            release = make_release(
                title=f"Energie Meldung {i}",
                category=self.category,
                topics=[self.topic, make_topic()],
                publish_at=berlin(2024, 2, 1) + datetime.timedelta(hours=i),
            )
            release.quotes.add(quote)
            release.statistics.add(figure)
            release.events.add(event)
            self.release.quotes.add(quote, through_defaults={"order": i})
            self.release.statistics.add(figure, through_defaults={"order": i})
            self.release.events.add(event)
            self.release.topics.add(make_topic())


def measure(client, path, marker):
    """Return (queries, how often marker occurs) for one anonymous request."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context), body(response).count(marker)


TEASER = 'class="teaser__title"'
QUOTE = "<blockquote"


def len_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries)


@pytest.mark.parametrize(
    ("path", "marker", "shown", "max_queries"),
    [
        # Right after an edit. Every page: the profile. Beside the release lists and a
        # release: the archive (categories, one step a year: +3 here). The home page's
        # quote and figures, and a release's related ones, are kept like the archive.
        ("/", TEASER, (8, 8), 9),
        ("/pressemitteilungen/", TEASER, (10, 10), 10),
        ("/pressemitteilungen/kategorie/wirtschaft/", TEASER, (10, 10), 11),
        ("/pressemitteilungen/thema/energie/", TEASER, (10, 10), 11),
        ("/pressemitteilungen/2024/", TEASER, (10, 10), 11),
        # Related releases: ranked ids by topic, the category's newest to fill, the rows;
        # +2 for the gallery and the press-kit attachments.
        ("/pressemitteilungen/hauptmeldung/", QUOTE, (10, 50), 18),
        ("/termine/", TEASER, (10, 20), 5),
        ("/termine/archiv/", TEASER, (10, 20), 5),
        ("/zitate/", QUOTE, (10, 20), 6),
        ("/zahlen/", 'class="figure__value"', (10, 20), 6),
        # Categories (with the archive) and topics with public releases.
        ("/feeds/", "/thema/", (21, 101), 9),
        ("/sitemap-releases.xml", "<url>", (11, 51), 5),
        ("/sitemap-events.xml", "<url>", (20, 100), 5),
        # The overview shows five hits per kind and links to the rest.
        ("/suche/?q=Energie", QUOTE, (5, 5), 12),
    ],
)
def test_page_costs_the_same_queries_for_10_and_50_items(
    client, profile, django_assert_max_num_queries, path, marker, shown, max_queries, committed
):
    """A page must not query once per listed item, or it slows down as the archive grows.

    Each measured right after its edits were committed: nothing kept from before.
    """
    world = World()
    with committed():
        world.grow(10)
    queries_10, shown_10 = measure(client, path, marker)
    with committed():
        world.grow(40)

    with django_assert_max_num_queries(max_queries):
        queries_50, shown_50 = measure(client, path, marker)

    assert (shown_10, shown_50) == shown
    assert queries_50 == queries_10
