"""Metadata for search engines and link previews, related content, and the /feeds/ page."""

import datetime
import json
import re
from html.parser import HTMLParser

import pytest
import time_machine

from events.models import Event
from releases.models import Release
from tests.kit.factories import (
    make_category,
    make_event,
    make_image,
    make_person,
    make_release,
    make_topic,
)

pytestmark = pytest.mark.django_db

SITE = "https://www.example.org"


class HeadReader(HTMLParser):
    """Collect <meta>, <link rel=canonical> and JSON-LD blocks, as crawlers read them."""

    def __init__(self):
        super().__init__()
        self.meta, self.canonical, self.json_ld, self._in_json = {}, None, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs["href"]
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json = True

    def handle_data(self, data):
        if self._in_json:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in_json = False


def read(client, path):
    response = client.get(path)
    assert response.status_code == 200
    reader = HeadReader()
    reader.feed(response.content.decode())
    return reader


def of_type(reader, kind):
    (data,) = [item for item in reader.json_ld if item["@type"] == kind]
    return data


def test_release_page_is_a_news_article_with_author_publisher_and_dates(client, profile):
    image = make_image(alt_text="Die Abgeordnete am Pult")
    release = make_release(
        title="Von der Kohle zur KI",
        slug="kohle-ki",
        lead="NRW setzt auf KI.",
        hero_image=image,
        category=make_category(name="Aus der Landesregierung"),
        topics=[make_topic(name="Wirtschaft")],
    )

    reader = read(client, "/pressemitteilungen/kohle-ki/")
    article = of_type(reader, "NewsArticle")

    assert article["@context"] == "https://schema.org"
    assert article["headline"] == "Von der Kohle zur KI"
    assert article["description"] == "NRW setzt auf KI."
    assert datetime.datetime.fromisoformat(article["datePublished"]) == release.publish_at
    assert datetime.datetime.fromisoformat(article["dateModified"]) == release.modified_at
    assert article["author"]["@type"] == "Person"
    assert article["author"]["name"] == "Daniel Hagemeier MdL"
    assert article["publisher"]["name"] == "Daniel Hagemeier MdL"
    assert article["publisher"]["logo"]["url"] == f"{SITE}/static/img/logo.png"
    assert article["image"] == [f"{SITE}{image.file.url}"]
    assert article["mainEntityOfPage"] == f"{SITE}/pressemitteilungen/kohle-ki/"
    assert article["articleSection"] == "Aus der Landesregierung"
    assert article["keywords"] == ["Wirtschaft"]


def test_release_page_has_open_graph_and_twitter_tags(client, profile):
    image = make_image(alt_text="Die Abgeordnete am Pult")
    release = make_release(
        title="Klare Worte", slug="klare-worte", lead="Kurz gesagt.", hero_image=image
    )

    reader = read(client, "/pressemitteilungen/klare-worte/")

    assert reader.canonical == f"{SITE}/pressemitteilungen/klare-worte/"
    assert {
        key: reader.meta[key] for key in ("og:type", "og:title", "og:description", "og:url")
    } == {
        "og:type": "article",
        "og:title": "Klare Worte",
        "og:description": "Kurz gesagt.",
        "og:url": f"{SITE}/pressemitteilungen/klare-worte/",
    }
    assert reader.meta["og:image"] == f"{SITE}{image.social()[0]}"
    assert reader.meta["og:image:alt"] == "Die Abgeordnete am Pult"
    assert reader.meta["og:locale"] == "de_DE"
    assert reader.meta["twitter:card"] == "summary_large_image"
    assert (
        datetime.datetime.fromisoformat(reader.meta["article:published_time"]) == release.publish_at
    )
    assert reader.meta["description"] == "Kurz gesagt."


def test_release_without_image_gets_a_title_card_and_the_logo_in_structured_data(client, profile):
    make_release(title="Ohne Bild", slug="ohne-bild")

    reader = read(client, "/pressemitteilungen/ohne-bild/")

    assert reader.meta["og:image"] == f"{SITE}/pressemitteilungen/ohne-bild/vorschaubild.png"
    assert (reader.meta["og:image:width"], reader.meta["og:image:height"]) == ("1200", "630")
    assert reader.meta["og:image:alt"] == "Ohne Bild"
    assert reader.meta["twitter:card"] == "summary_large_image"
    assert of_type(reader, "NewsArticle")["image"] == [f"{SITE}/static/img/logo.png"]


def test_detail_pages_carry_breadcrumbs(client, profile):
    make_release(title="Meldung", slug="meldung")
    make_event(title="Termin", slug="termin")

    release_crumbs = of_type(read(client, "/pressemitteilungen/meldung/"), "BreadcrumbList")
    event_crumbs = of_type(read(client, "/termine/termin/"), "BreadcrumbList")

    assert [(i["position"], i["name"], i["item"]) for i in release_crumbs["itemListElement"]] == [
        (1, "Startseite", f"{SITE}/"),
        (2, "Pressemitteilungen", f"{SITE}/pressemitteilungen/"),
        (3, "Meldung", f"{SITE}/pressemitteilungen/meldung/"),
    ]
    assert [i["name"] for i in event_crumbs["itemListElement"]] == [
        "Startseite",
        "Termine",
        "Termin",
    ]


@pytest.mark.parametrize(
    ("cancelled", "status"), [(False, "EventScheduled"), (True, "EventCancelled")]
)
def test_event_page_is_a_schema_org_event(client, profile, cancelled, status):
    event = make_event(
        title="Von der Kohle zur KI",
        slug="konferenz",
        venue_name="Vertretung des Landes Nordrhein-Westfalen beim Bund",
        venue_address="Hiroshimastraße 12–16\n10785 Berlin",
        organizer="Landesregierung NRW",
        cancelled=cancelled,
    )
    event.speakers.add(make_person(name="Michael Hüther"))

    data = of_type(read(client, "/termine/konferenz/"), "Event")

    assert data["name"] == "Von der Kohle zur KI"
    assert datetime.datetime.fromisoformat(data["startDate"]) == event.starts_at
    assert datetime.datetime.fromisoformat(data["endDate"]) == event.ends_at
    assert data["location"] == {
        "@type": "Place",
        "name": "Vertretung des Landes Nordrhein-Westfalen beim Bund",
        "address": "Hiroshimastraße 12–16, 10785 Berlin",
    }
    assert data["eventStatus"] == f"https://schema.org/{status}"
    assert data["organizer"] == {"@type": "Organization", "name": "Landesregierung NRW"}
    assert data["performer"] == [{"@type": "Person", "name": "Michael Hüther"}]


def test_profile_page_is_a_person(client, profile):
    data = of_type(read(client, "/ueber-mich/"), "Person")

    assert data["name"] == "Daniel Hagemeier MdL"
    assert data["affiliation"] == {"@type": "PoliticalParty", "name": "CDU"}
    assert data["url"] == f"{SITE}/ueber-mich/"


def test_json_ld_cannot_be_closed_early_by_a_title(client, profile):
    make_release(title="</script><script>alert(1)</script>", slug="angriff")

    html = client.get("/pressemitteilungen/angriff/").content.decode()

    assert "<script>alert(1)" not in html
    assert of_type(read(client, "/pressemitteilungen/angriff/"), "NewsArticle")["headline"] == (
        "</script><script>alert(1)</script>"
    )


def test_canonical_url_keeps_the_page_number_and_drops_other_parameters(client, profile):
    for _ in range(12):
        make_release()

    assert read(client, "/pressemitteilungen/?seite=2&utm_source=x").canonical == (
        f"{SITE}/pressemitteilungen/?seite=2"
    )
    assert read(client, "/pressemitteilungen/?seite=1").canonical == f"{SITE}/pressemitteilungen/"


def test_every_page_title_names_the_mdl(client, profile):
    make_release(title="Klare Worte", slug="klare-worte")

    html = client.get("/pressemitteilungen/klare-worte/").content.decode()

    assert re.search(r"<title>(.*?)</title>", html)[1] == "Klare Worte – Daniel Hagemeier MdL"


def test_related_releases_share_topics_first_then_category(client, profile, now):
    energy, school = make_topic(name="Energie"), make_topic(name="Schule")
    home, other = make_category(name="Inland"), make_category(name="Ausland")
    shown = make_release(title="Hauptmeldung", slug="haupt", category=home, topics=[energy, school])
    make_release(
        title="Zwei Themen",
        category=other,
        topics=[energy, school],
        publish_at=now - datetime.timedelta(days=9),
    )
    make_release(
        title="Ein Thema",
        category=other,
        topics=[energy],
        publish_at=now - datetime.timedelta(days=1),
    )
    make_release(
        title="Gleiche Kategorie", category=home, publish_at=now - datetime.timedelta(hours=1)
    )
    make_release(
        title="Zweite Kategorie", category=home, publish_at=now - datetime.timedelta(days=20)
    )
    make_release(title="Fremd", category=other)
    make_release(title="Entwurf", category=home, topics=[energy], status=Release.Status.DRAFT)
    make_release(
        title="Sperrfrist",
        category=home,
        topics=[energy],
        publish_at=now + datetime.timedelta(hours=1),
    )

    html = client.get(f"/pressemitteilungen/{shown.slug}/").content.decode()
    section = re.search(r'<section class="related".*?</section>', html, re.S)[0]

    assert re.findall(r'class="teaser__title"><a href="[^"]*">([^<]*)</a>', section) == [
        "Zwei Themen",
        "Ein Thema",
        "Gleiche Kategorie",
    ]


def related_titles(client, slug):
    html = client.get(f"/pressemitteilungen/{slug}/").content.decode()
    section = re.search(r'<section class="related".*?</section>', html, re.S)
    return (
        re.findall(r'class="teaser__title"><a href="[^"]*">([^<]*)</a>', section[0])
        if section
        else []
    )


def test_related_releases_follow_edits_and_embargoes_at_once(client, profile, now, committed):
    """The ranking is kept between requests; an edit or an embargo's end renews it."""
    energy = make_topic(name="Energie")
    shown = make_release(slug="haupt", topics=[energy])
    withdrawn_later = make_release(title="Bald zurückgezogen", topics=[energy])
    embargoed = make_release(
        title="Sperrfrist", topics=[energy], publish_at=now + datetime.timedelta(hours=1)
    )
    before = related_titles(client, shown.slug)

    with committed():
        withdrawn_later.status = Release.Status.WITHDRAWN
        withdrawn_later.save()
    after_withdrawal = related_titles(client, shown.slug)
    with time_machine.travel(embargoed.publish_at):
        at_embargo_end = related_titles(client, shown.slug)

    assert before == ["Bald zurückgezogen"]
    assert after_withdrawal == []
    assert at_embargo_end == ["Sperrfrist"]


def test_event_page_lists_its_public_releases(client, profile, now):
    event = make_event(slug="konferenz")
    make_release(title="Einladung").events.add(event)
    make_release(title="Entwurf", status=Release.Status.DRAFT).events.add(event)

    html = client.get("/termine/konferenz/").content.decode()

    assert "Einladung" in html
    assert "Entwurf" not in html


def test_feeds_page_explains_and_links_every_feed(client, profile):
    make_release(
        category=make_category(name="Inland", slug="inland"),
        topics=[make_topic(name="Energie", slug="energie")],
    )
    make_release(
        category=make_category(name="Geheim", slug="geheim"),
        topics=[make_topic(name="Vertraulich", slug="vertraulich")],
        status=Release.Status.DRAFT,
    )
    make_event(status=Event.Status.PUBLISHED)

    html = client.get("/feeds/").content.decode()

    for href in (
        "/pressemitteilungen/feed/",
        "/pressemitteilungen/atom/",
        "/pressemitteilungen/feed.json",
        "/pressemitteilungen/kategorie/inland/feed/",
        "/pressemitteilungen/thema/energie/feed/",
        "/termine/kalender.ics",
        "/termine/feed/",
        "webcal://www.example.org/termine/kalender.ics",
    ):
        assert f'href="{href}"' in html
    assert "/kategorie/geheim/" not in html
    assert "/thema/vertraulich/" not in html
    assert "Feedreader" in html
