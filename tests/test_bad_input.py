"""Odd, hostile or simply wrong requests: never a server error, and a German answer."""

import datetime
import html
import re

import pytest

from releases.models import Release
from tests.kit.factories import (
    make_category,
    make_event,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import BERLIN, body, main_html

pytestmark = pytest.mark.django_db

NOT_FOUND = "Seite nicht gefunden"
SEARCH_VALUE = re.compile(r'name="q" value="([^"<>]*)"')
NOTHING_FOUND = re.compile(r"Zu „([^\"<>]*)“ wurde nichts gefunden\.")
TEASER_TITLE = re.compile(r'class="teaser__title"><a href="[^"]*">(.*?)</a>')


def teaser_titles(response):
    # Search marks the words it matched: a title reads as its text.
    titles = TEASER_TITLE.findall(main_html(response))
    return [html.unescape(re.sub(r"<[^>]+>", "", title)) for title in titles]


def form_errors(response):
    return [
        html.unescape(e)
        for e in re.findall(r'<p class="form-error"[^>]*>(.*?)</p>', body(response))
    ]


@pytest.fixture
def site(profile):
    """Create one public item on every list, so a 404 is never just an empty database."""
    category = make_category(name="Wirtschaft", slug="wirtschaft")
    topic = make_topic(name="Energie", slug="energie")
    public = make_release(
        title="Landtag beschließt Haushalt",
        slug="haushalt",
        category=category,
        topics=[topic],
        publish_at=datetime.datetime(2024, 5, 2, 10, tzinfo=BERLIN),
    )
    make_release(title="Entwurf", slug="entwurf", status=Release.Status.DRAFT)
    make_event(title="Bürgersprechstunde", slug="sprechstunde")
    make_event(
        title="Rückblick",
        slug="rueckblick",
        starts_at=datetime.datetime(2024, 5, 3, 10, tzinfo=BERLIN),
    )
    make_quote(text="Wir stehen zu unserem Wort.", release=public)
    make_statistic(value=57, label="der Unternehmen nutzen KI", source_year=2024, release=public)


# Unknown addresses


@pytest.mark.parametrize(
    "path",
    [
        "/pressemitteilungen/gibt-es-nicht/",
        "/pressemitteilungen/entwurf/",
        "/termine/gibt-es-nicht/",
        "/termine/gibt-es-nicht.ics",
        "/pressemitteilungen/kategorie/gibt-es-nicht/",
        "/pressemitteilungen/thema/gibt-es-nicht/",
        "/pressemitteilungen/kategorie/gibt-es-nicht/feed/",
        "/pressemitteilungen/thema/gibt-es-nicht/feed/",
        "/pressemitteilungen/12345/",
        "/pressemitteilungen/0000/",
        "/pressemitteilungen/9999/",
        "/pressemitteilungen/1999/",
        "/pressemitteilungen/" + "a" * 3000 + "/",
        "/pressemitteilungen/kategorie/" + "a" * 3000 + "/",
        "/termine/" + "a" * 3000 + ".ics",
        "/pressemitteilungen/a%00b/",
        "/pressemitteilungen/kategorie/wirtschaft%00/",
        "/pressemitteilungen/%C3%BCber/",
        "/termine/%27%20OR%201=1%20--/",
    ],
)
def test_unknown_address_is_a_german_404(client, site, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert re.search(rf"<h1>{NOT_FOUND}</h1>", body(response))
    assert "Entwurf" not in body(response)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/pressemitteilungen/haushalt/", "Landtag beschließt Haushalt"),
        ("/pressemitteilungen/kategorie/wirtschaft/", "Landtag beschließt Haushalt"),
        ("/pressemitteilungen/thema/energie/", "Landtag beschließt Haushalt"),
        ("/pressemitteilungen/2024/", "Landtag beschließt Haushalt"),
        ("/termine/sprechstunde/", "Bürgersprechstunde"),
    ],
)
def test_known_addresses_next_to_the_unknown_ones_work(client, site, path, shown):
    response = client.get(path)

    assert response.status_code == 200
    assert shown in main_html(response)


# Page numbers

PAGINATED = [
    ("/pressemitteilungen/", "Landtag beschließt Haushalt"),
    ("/pressemitteilungen/kategorie/wirtschaft/", "Landtag beschließt Haushalt"),
    ("/pressemitteilungen/thema/energie/", "Landtag beschließt Haushalt"),
    ("/pressemitteilungen/2024/", "Landtag beschließt Haushalt"),
    ("/termine/", "Bürgersprechstunde"),
    ("/termine/archiv/", "Rückblick"),
    ("/zitate/", "Wir stehen zu unserem Wort."),
    ("/zahlen/", "der Unternehmen nutzen KI"),
]


@pytest.mark.parametrize("seite", ["abc", "-1", "0", "99999", "1.5", "%00", "1e3", "9" * 40])
@pytest.mark.parametrize(("path", "shown"), PAGINATED)
def test_bad_page_number_is_a_german_404(client, site, path, shown, seite):
    response = client.get(f"{path}?seite={seite}")

    assert response.status_code == 404
    assert re.search(rf"<h1>{NOT_FOUND}</h1>", body(response))
    assert shown not in body(response)


@pytest.mark.parametrize(("path", "shown"), PAGINATED)
def test_first_page_number_shows_the_list(client, site, path, shown):
    response = client.get(f"{path}?seite=1")

    assert response.status_code == 200
    assert shown in main_html(response)


# Search


def test_overlong_search_is_refused_with_a_german_message(client, site):
    make_release(title="Langer Vorspann", lead="a" * 3000)

    response = client.get("/suche/", {"q": "a" * 3000})

    assert response.status_code == 200
    assert form_errors(response) == ["Bitte geben Sie höchstens 200 Zeichen ein."]
    assert teaser_titles(response) == []


@pytest.mark.parametrize(
    ("length", "errors"), [(200, []), (201, ["Bitte geben Sie höchstens 200 Zeichen ein."])]
)
def test_search_accepts_exactly_200_characters(client, site, length, errors):
    response = client.get("/suche/", {"q": "x" * length})

    assert response.status_code == 200
    assert form_errors(response) == errors


@pytest.mark.parametrize("query", ["a%00b", "%00", "Haushalt%00"])
def test_search_with_nul_byte_gets_a_german_message(client, site, query):
    response = client.get(f"/suche/?q={query}")

    assert response.status_code == 200
    assert form_errors(response) == ["Der Suchbegriff enthält ungültige Zeichen."]
    assert teaser_titles(response) == []


@pytest.mark.parametrize("query", ["", "   ", "\t"])
def test_empty_search_asks_for_a_term(client, site, query):
    response = client.get("/suche/", {"q": query})

    assert response.status_code == 200
    assert form_errors(response) == ["Bitte geben Sie einen Suchbegriff ein."]
    assert teaser_titles(response) == []


def test_search_page_without_query_shows_the_form_without_error(client, site):
    response = client.get("/suche/")

    assert response.status_code == 200
    assert '<input type="search" id="search-q" name="q" value=""' in body(response)
    assert form_errors(response) == []
    assert teaser_titles(response) == []


@pytest.mark.parametrize(
    "query",
    [
        "%",
        "_",
        "%_%",
        "'",
        '"',
        "\\",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "' OR 1=1 --",
        "'; DROP TABLE releases_release; --",
        "😀",
        "{{ profile }}",
    ],
)
def test_odd_search_finds_nothing_and_echoes_the_query_escaped(client, site, query):
    response = client.get("/suche/", {"q": query})

    assert response.status_code == 200
    assert teaser_titles(response) == []
    # Escaped: an unescaped quote or angle bracket would end the match early.
    assert html.unescape(SEARCH_VALUE.search(main_html(response))[1]) == query
    assert html.unescape(NOTHING_FOUND.search(main_html(response))[1]) == query
    assert "<script>alert" not in body(response)
    assert "<img src=x" not in body(response)
    assert Release.objects.count() == 2


@pytest.mark.parametrize(("query", "title"), [("%", "Anteil steigt auf 57 %"), ("_", "KI_Gesetz")])
def test_like_wildcards_in_search_match_literally(client, site, query, title):
    make_release(title=title, publish_at=datetime.datetime(2024, 6, 1, tzinfo=BERLIN))
    make_release(
        title="Ohne Sonderzeichen", publish_at=datetime.datetime(2024, 6, 2, tzinfo=BERLIN)
    )

    response = client.get("/suche/", {"q": query})

    # PostgreSQL's full-text search finds no words in punctuation, the word
    # matcher finds the character itself; neither treats it as "anything".
    assert teaser_titles(response) in ([title], [])
    assert "Ohne Sonderzeichen" not in teaser_titles(response)


def test_repeated_search_parameter_searches_the_last_one(client, site):
    make_release(title="Windkraft im Münsterland")

    response = client.get("/suche/?q=Haushalt&q=Windkraft")

    assert response.status_code == 200
    assert teaser_titles(response) == ["Windkraft im Münsterland"]
    assert 'name="q" value="Windkraft"' in main_html(response)


def test_search_with_many_words_still_answers(client, site):
    response = client.get("/suche/", {"q": " ".join(["Haushalt"] * 22)})

    assert response.status_code == 200
    assert form_errors(response) == []
    assert teaser_titles(response) == ["Landtag beschließt Haushalt"]
