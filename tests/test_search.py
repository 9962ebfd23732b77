"""Search: German full text on PostgreSQL, a word matcher on SQLite, one interface."""

import datetime
import html
import re

import pytest
from django.core.management import call_command
from django.db import connection

from events.models import Event
from office.site.search import stem
from releases.models import Release, ReleaseQuote, ReleaseStatistic
from tests.kit.factories import make_category, make_event, make_quote, make_release, make_statistic

pytestmark = pytest.mark.django_db


def result_titles(response, section="pressemitteilungen"):
    match = re.search(
        rf'<section class="search-results" aria-labelledby="results-{section}">(.*?)</section>',
        response.content.decode(),
        re.S,
    )
    if not match:
        return []
    titles = re.findall(r'class="teaser__title"><a href="[^"]*">(.*?)</a>', match[1])
    return [html.unescape(re.sub("<[^>]+>", "", title)) for title in titles]


def marked_words(markup):
    """Return each marked stretch with the letters touching it, to show a cut word."""
    return re.findall(r"\w*<mark>[^<]*</mark>\w*", markup)


def section_html(response, section):
    return re.search(
        rf'aria-labelledby="results-{section}">(.*?)</section>', response.content.decode(), re.S
    )[1]


def search(client, query, **params):
    response = client.get("/suche/", {"q": query, **params})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("Unternehmen", "Die Lage des Unternehmens ist gut."),
        ("Innovationen", "Eine Innovation aus Bochum."),
        ("Schulen", "Die Schule im Dorf bleibt."),
        ("künstliche", "Künstliche Intelligenz im Mittelstand."),
    ],
)
def test_search_finds_other_forms_of_a_german_word(client, query, text):
    make_release(title="Treffer", body=f"<p>{text}</p>")
    make_release(title="Daneben", body="<p>Nichts davon.</p>")

    assert result_titles(search(client, query)) == ["Treffer"]


def test_title_hit_ranks_above_body_hit(client, now):
    make_release(
        title="Haushalt",
        body="<p>Wir reden über Wasserstoff.</p>",
        publish_at=now - datetime.timedelta(hours=1),
    )
    make_release(
        title="Wasserstoff für NRW",
        body="<p>Ein Plan.</p>",
        publish_at=now - datetime.timedelta(days=30),
    )

    assert result_titles(search(client, "Wasserstoff")) == ["Wasserstoff für NRW", "Haushalt"]


def test_seed_release_comes_first_for_a_journalists_query(client, now):
    call_command("loaddemo", verbosity=0)
    make_release(
        title="Künstliche Intelligenz in der Schule",
        lead="Ein Projekt.",
        body="<p>Über künstliche Intelligenz im Unterricht.</p>",
        publish_at=now,
    )

    titles = result_titles(search(client, "Künstliche Intelligenz Arbeitsplätze"))

    assert titles[0] == "Von der Kohle zur KI: NRW setzt auf Zukunftstechnologien und Innovationen"


def test_search_never_shows_drafts_or_embargoed_items(client, now):
    public = make_release(title="Energie öffentlich", body="<p>Energie</p>")
    make_release(title="Energie Entwurf", body="<p>Energie</p>", status=Release.Status.DRAFT)
    make_release(
        title="Energie Sperrfrist",
        body="<p>Energie</p>",
        publish_at=now + datetime.timedelta(hours=1),
    )
    make_event(title="Energie-Termin")
    make_event(title="Energie-Entwurf", status=Event.Status.DRAFT)
    held = make_quote(text="Energie ist Zukunft, gesperrt")
    make_release(status=Release.Status.DRAFT).quotes.add(held)
    make_quote(text="Energie ist Zukunft", release=public)
    make_quote(text="Energie ohne Meldung, gesperrt")

    response = search(client, "Energie")
    body = response.content.decode()

    assert result_titles(response) == ["Energie öffentlich"]
    assert result_titles(response, "termine") == ["Energie-Termin"]
    assert "<mark>Energie</mark> ist Zukunft“" in body
    assert "gesperrt" not in body


def test_counts_per_type_and_a_link_to_all_of_one_type(client):
    for n in range(7):
        public = make_release(title=f"Klima {n}", body="<p>Klima</p>")
    make_event(title="Forum zum Klima")
    make_statistic(label="Ziel für das Klima im Jahr 2045", release=public)

    body = search(client, "Klima").content.decode()

    assert "9 Treffer für „Klima“" in body
    assert (
        'id="results-pressemitteilungen">Pressemitteilungen <span class="count">(7)</span>' in body
    )
    assert 'id="results-termine">Termine <span class="count">(1)</span>' in body
    assert 'id="results-zahlen">Zahlen <span class="count">(1)</span>' in body
    assert "q=Klima&amp;typ=pressemitteilungen" in body
    assert 'id="results-zitate"' not in body


def test_type_filter_pages_through_one_type(client, now):
    for n in range(12):
        make_release(
            title=f"Verkehr {n:02d}",
            body="<p>Verkehr</p>",
            publish_at=now - datetime.timedelta(hours=n),
        )
    make_event(title="Verkehrsforum")

    first = search(client, "Verkehr", typ="pressemitteilungen")
    second = search(client, "Verkehr", typ="pressemitteilungen", seite=2)

    assert len(result_titles(first)) == 10
    assert len(result_titles(second)) == 2
    assert result_titles(first, "termine") == []
    assert 'href="?q=Verkehr&amp;typ=pressemitteilungen&amp;seite=2"' in first.content.decode()


def test_category_and_year_filters(client):
    inland = make_category(slug="inland", name="Inland")
    make_release(
        title="Schule 2024 Inland",
        body="<p>Schule</p>",
        category=inland,
        publish_at=datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC),
    )
    make_release(
        title="Schule 2025 Inland",
        body="<p>Schule</p>",
        category=inland,
        publish_at=datetime.datetime(2025, 5, 1, tzinfo=datetime.UTC),
    )
    make_release(
        title="Schule 2025 anders",
        category=make_category(slug="ausland"),
        body="<p>Schule</p>",
        publish_at=datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC),
    )

    response = search(client, "Schule", kategorie="inland", jahr=2025)

    assert result_titles(response) == ["Schule 2025 Inland"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kategorie": "gibt-es-nicht"}, "Diese Kategorie gibt es nicht."),
        ({"jahr": "abc"}, "Bitte geben Sie ein Jahr wie 2025 ein."),
        ({"jahr": "99999"}, "Bitte geben Sie ein Jahr wie 2025 ein."),
        ({"typ": "<script>"}, "Diese Art von Inhalt gibt es nicht."),
        ({"seite": "abc", "typ": "zitate"}, None),
    ],
)
def test_odd_filters_get_a_german_message_not_an_error(client, params, message):
    make_release(title="Schule", body="<p>Schule</p>")

    body = search(client, "Schule", **params).content.decode()

    if message:
        assert message in body
    assert "<script>" not in body


def test_a_wrong_filter_points_to_its_message_and_keeps_every_choice(client):
    make_release(category=make_category(name="Inland", slug="inland"))

    body = search(
        client, "Schule", typ="pressemitteilungen", kategorie="inland", jahr="abc"
    ).content.decode()

    year = re.search(r'<input[^>]*name="jahr"[^>]*>', body)[0]
    assert 'value="abc"' in year
    assert 'aria-invalid="true"' in year
    message_id = re.search(r'aria-describedby="([^"]+)"', year)[1]
    assert re.search(rf'id="{message_id}">Bitte geben Sie ein Jahr wie 2025 ein\.<', body)
    assert '<option value="pressemitteilungen" selected>' in body
    assert '<option value="inland" selected>Inland</option>' in body


def test_snippet_marks_the_match_and_escapes_the_text(client):
    make_release(
        title="Sicherheit",
        lead="Ein Vorspann ohne das Wort.",
        body=(
            "<p>Viel Text davor. Der Begriff <strong>Cybersicherheit</strong> "
            "&lt;script&gt; steht hier.</p>"
        ),
    )

    body = search(client, "Cybersicherheit").content.decode()

    assert "<mark>Cybersicherheit</mark>" in body
    assert "<script>" not in body
    assert "&lt;script&gt;" in body


DEMO_TITLE = "Von der Kohle zur KI: NRW setzt auf Zukunftstechnologien und Innovationen"


@pytest.mark.parametrize(
    ("query", "marked_title"),
    [
        ("Kohle", "Von der <mark>Kohle</mark> zur KI: NRW setzt auf Zukunftstechnologien und "),
        ("Innovation", "Zukunftstechnologien und <mark>Innovationen</mark>"),
    ],
)
def test_search_marks_whole_words_in_the_title_and_the_excerpt(client, query, marked_title):
    call_command("loaddemo", verbosity=0)

    releases = section_html(search(client, query), "pressemitteilungen")
    title = re.search(r'class="teaser__title"><a href="[^"]*">(.*?)</a>', releases)[1]
    excerpt = re.search(r'class="teaser__lead">(.*?)</p>', releases, re.S)[1]

    assert marked_title in title
    word = re.search("<mark>(.*?)</mark>", marked_title)[1]
    assert set(marked_words(title)) == {f"<mark>{word}</mark>"}
    assert set(marked_words(excerpt)) == {f"<mark>{word}</mark>"}


def test_search_marks_the_word_in_a_quote_and_a_figure(client):
    release = make_release(title="Mittelstand", body="<p>Ohne das Wort.</p>")
    quote = make_quote(text="Wir fördern Innovationen im Mittelstand.")
    figure = make_statistic(value=None, label="der Betriebe planen Innovationen bis 2030")
    ReleaseQuote.objects.create(release=release, quote=quote)
    ReleaseStatistic.objects.create(release=release, statistic=figure)

    response = search(client, "Innovation")
    quotes, figures = section_html(response, "zitate"), section_html(response, "zahlen")

    assert re.findall(r'<blockquote class="quote__text"><p>(.*?)</p>', quotes) == [
        "„Wir fördern <mark>Innovationen</mark> im Mittelstand.“"
    ]
    assert re.findall(r'<p class="figure__label">(.*?)</p>', figures) == [
        "der Betriebe planen <mark>Innovationen</mark> bis 2030"
    ]


def test_search_costs_the_same_queries_for_10_and_50_hits(client, django_assert_max_num_queries):
    """Each section's first hits with their total, or one page: hits must not add queries."""
    for n in range(50):
        make_release(title=f"Bildung {n}", body="<p>Bildung</p>")
        if n < 10:
            make_event(title=f"Bildungstag {n}")

    # The profile, the form's categories, then a query per section.
    with django_assert_max_num_queries(6):
        search(client, "Bildung")
    with django_assert_max_num_queries(4):
        search(client, "Bildung", typ="pressemitteilungen")


def test_stem_cuts_one_ending_and_leaves_short_words():
    assert [stem(word) for word in ("Innovationen", "Unternehmens", "KI", "Haus", "Kindern")] == [
        "Innovation",
        "Unternehmen",
        "KI",
        "Haus",
        "Kind",
    ]


def test_postgresql_uses_german_full_text_search():
    """On PostgreSQL the stemming comes from the german configuration, not the fallback."""
    from office.site.search import uses_full_text

    assert uses_full_text() == (connection.vendor == "postgresql")


def test_release_search_uses_the_gin_index_on_postgresql():
    """PostgreSQL answers from the stored vector's index; SQLite's word matcher reads the table."""
    from django.db import transaction

    from office.site.search import RELEASE_TEXT, search

    make_release(title="Wasserstoff")
    # All releases, so that the search index is the only one that can narrow the rows.
    queryset = search(
        Release.objects.all(),
        ("title", "lead", "body"),
        "Wasserstoff",
        RELEASE_TEXT,
    )

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # With a handful of rows a scan is cheaper; forbid it to see if the index fits.
                cursor.execute("SET LOCAL enable_seqscan = off")
            plan = queryset.explain()
            assert "release_search_idx" in plan, plan
        else:
            plan = queryset.explain()
            assert "SCAN releases_release" in plan, plan


@pytest.mark.parametrize("write", ["update", "bulk_create"])
def test_search_finds_text_written_without_save(client, write):
    """Commands and imports write past save(); PostgreSQL's trigger still indexes the text."""
    release = make_release(title="Alter Titel", slug="alter-titel")
    if write == "update":
        Release.objects.filter(pk=release.pk).update(title="Wasserstoffstrategie beschlossen")
    else:
        Release.objects.bulk_create(
            [
                Release(
                    title="Wasserstoffstrategie beschlossen",
                    slug="wasserstoff",
                    lead="Vorspann",
                    body="<p>Text</p>",
                    category=release.category,
                    status=Release.Status.PUBLISHED,
                    publish_at=release.publish_at,
                )
            ]
        )

    assert result_titles(search(client, "Wasserstoffstrategie")) == [
        "Wasserstoffstrategie beschlossen"
    ]
