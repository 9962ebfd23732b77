import datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
import time_machine

from releases.feeds import FEED_ITEM_COUNT
from releases.models import Release
from tests.kit.factories import (
    make_category,
    make_event,
    make_image,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import count_queries, parse_feed

pytestmark = pytest.mark.django_db

SITE = "https://www.example.org"


def titles(response):
    return [entry.title for entry in parse_feed(response).entries]


def parsed_utc(struct):
    return datetime.datetime(*struct[:6], tzinfo=datetime.UTC)


def whole_seconds(moment):
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def make_full_release(**kwargs):
    """Create a published release with topics, a quote and a key figure."""
    release = make_release(topics=[make_topic(), make_topic()], **kwargs)
    release.quotes.add(make_quote())
    release.statistics.add(make_statistic())
    return release


# /pressemitteilungen/feed/ and /pressemitteilungen/atom/


def test_rss_feed_lists_published_releases_newest_first(client, now):
    make_release(title="Älter", publish_at=now - datetime.timedelta(days=2))
    make_release(title="Neuer", publish_at=now - datetime.timedelta(hours=1))
    make_release(title="Mittel", publish_at=now - datetime.timedelta(days=1))

    response = client.get("/pressemitteilungen/feed/")

    feed = parse_feed(response)
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert feed.version == "rss20"
    assert [entry.title for entry in feed.entries] == ["Neuer", "Mittel", "Älter"]


def test_atom_feed_has_the_same_entries_as_rss(client, now):
    make_release(title="Älter", publish_at=now - datetime.timedelta(days=2))
    make_release(title="Neuer", publish_at=now - datetime.timedelta(hours=1))
    make_release(title="Entwurf", status=Release.Status.DRAFT)

    rss = parse_feed(client.get("/pressemitteilungen/feed/"))
    response = client.get("/pressemitteilungen/atom/")

    atom = parse_feed(response)
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert atom.version == "atom10"
    assert [entry.title for entry in atom.entries] == ["Neuer", "Älter"]
    assert [entry.id for entry in atom.entries] == [entry.id for entry in rss.entries]
    assert [entry.link for entry in atom.entries] == [entry.link for entry in rss.entries]


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_feed_omits_drafts_and_embargoed_releases(client, now, path):
    make_release(title="Veröffentlicht")
    make_release(title="Entwurf", status=Release.Status.DRAFT)
    make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=5))
    make_release(
        title="Alter Entwurf",
        status=Release.Status.DRAFT,
        publish_at=now - datetime.timedelta(days=3),
    )

    assert titles(client.get(path)) == ["Veröffentlicht"]


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_embargoed_release_enters_feed_at_publish_time(client, now, path):
    make_release(title="Veröffentlicht", publish_at=now - datetime.timedelta(hours=1))
    embargoed = make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(hours=2))

    before = titles(client.get(path))
    with time_machine.travel(embargoed.publish_at + datetime.timedelta(seconds=1)):
        after = titles(client.get(path))

    assert before == ["Veröffentlicht"]
    assert after == ["Sperrfrist", "Veröffentlicht"]


def test_feed_holds_at_most_feed_item_count_newest_releases(client, now):
    for hours in range(FEED_ITEM_COUNT + 3):
        make_release(title=f"Meldung {hours}", publish_at=now - datetime.timedelta(hours=hours))
    make_release(title="Entwurf", status=Release.Status.DRAFT)

    entries = titles(client.get("/pressemitteilungen/feed/"))

    assert entries == [f"Meldung {hours}" for hours in range(FEED_ITEM_COUNT)]


def test_feed_channel_names_the_mdl_in_german_with_absolute_links(client, profile):
    make_release()

    rss = parse_feed(client.get("/pressemitteilungen/feed/")).feed
    atom = parse_feed(client.get("/pressemitteilungen/atom/")).feed

    assert rss.title == "Pressemitteilungen – Daniel Hagemeier MdL"
    assert atom.title == "Pressemitteilungen – Daniel Hagemeier MdL"
    assert rss.language == "de"
    assert atom.language == "de"
    assert rss.link == f"{SITE}/pressemitteilungen/"
    assert atom.link == f"{SITE}/pressemitteilungen/"
    assert [link.href for link in rss.links if link.rel == "self"] == [
        f"{SITE}/pressemitteilungen/feed/"
    ]
    assert [link.href for link in atom.links if link.rel == "self"] == [
        f"{SITE}/pressemitteilungen/atom/"
    ]


def test_atom_feed_names_the_mdl_as_author(client, profile):
    make_release()

    feed = parse_feed(client.get("/pressemitteilungen/atom/"))

    # RFC 4287 4.1.1: an Atom feed without an author on the feed or on every entry is invalid.
    assert feed.feed.get("author") == "Daniel Hagemeier MdL"


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_entry_links_are_absolute(client, path):
    make_release(slug="von-der-kohle-zur-ki")

    entries = parse_feed(client.get(path)).entries

    assert [entry.link for entry in entries] == [f"{SITE}/pressemitteilungen/von-der-kohle-zur-ki/"]


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_entry_ids_survive_slug_and_title_edits(client, path):
    release = make_release(title="Erster Titel", slug="erster-titel")
    before = parse_feed(client.get(path)).entries[0]

    release.title = "Neuer Titel"
    release.slug = "neuer-titel"
    release.save()
    after = parse_feed(client.get(path)).entries[0]

    assert (before.title, before.link) == (
        "Erster Titel",
        f"{SITE}/pressemitteilungen/erster-titel/",
    )
    assert (after.title, after.link) == ("Neuer Titel", f"{SITE}/pressemitteilungen/neuer-titel/")
    assert after.id == before.id
    assert not after.id.startswith(SITE)


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_entry_ids_are_unique(client, now, path):
    for hours in range(5):
        make_release(title=f"Meldung {hours}", publish_at=now - datetime.timedelta(hours=hours))

    ids = [entry.id for entry in parse_feed(client.get(path)).entries]

    assert len(ids) == 5
    assert len(set(ids)) == 5


def test_rss_entry_is_dated_at_publish_time(client, now):
    release = make_release(publish_at=now - datetime.timedelta(days=2, minutes=7))

    entry = parse_feed(client.get("/pressemitteilungen/feed/")).entries[0]

    assert parsed_utc(entry.published_parsed) == whole_seconds(release.publish_at)


def test_atom_entry_updated_is_last_edit_after_publication(client, now):
    release = make_release(publish_at=now - datetime.timedelta(days=2))
    with time_machine.travel(now + datetime.timedelta(hours=3)):
        release.title = "Korrigiert"
        release.save()

    with time_machine.travel(now + datetime.timedelta(hours=4)):
        entry = parse_feed(client.get("/pressemitteilungen/atom/")).entries[0]

    release.refresh_from_db()
    assert parsed_utc(entry.published_parsed) == whole_seconds(release.publish_at)
    assert parsed_utc(entry.updated_parsed) == whole_seconds(release.updated_at)
    assert release.updated_at > release.publish_at


def test_atom_entry_updated_is_publish_time_when_written_before_embargo(client, now):
    release = make_release(publish_at=now + datetime.timedelta(hours=6))

    with time_machine.travel(release.publish_at + datetime.timedelta(minutes=1)):
        entry = parse_feed(client.get("/pressemitteilungen/atom/")).entries[0]

    release.refresh_from_db()
    assert release.updated_at < release.publish_at
    assert parsed_utc(entry.published_parsed) == whole_seconds(release.publish_at)
    assert parsed_utc(entry.updated_parsed) == whole_seconds(release.publish_at)


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_entry_summary_is_the_lead(client, path):
    make_release(lead="Die Kohle geht, die KI kommt – und mit ihr neue Arbeit.")

    entry = parse_feed(client.get(path)).entries[0]

    assert entry.summary == "Die Kohle geht, die KI kommt – und mit ihr neue Arbeit."


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_entry_content_carries_body_quote_and_key_figure(client, path):
    body = "<h2>Strukturwandel</h2><p>Das Rheinische Revier <strong>erfindet</strong> sich neu.</p>"
    release = make_release(body=body)
    release.quotes.add(make_quote(text="Aus der Kohle wird Zukunft."))
    release.statistics.add(
        make_statistic(value=Decimal("67.8"), unit="Mrd. Euro", label="zusätzliche Wertschöpfung")
    )
    unrelated = make_release(title="Andere Meldung")
    unrelated.quotes.add(make_quote(text="Gehört nicht hierher."))

    entries = parse_feed(client.get(path)).entries
    content = next(e for e in entries if e.title == release.title).content

    assert len(content) == 1
    html = content[0].value
    assert content[0].type == "text/html"
    assert body in html
    assert "„Aus der Kohle wird Zukunft.“" in html
    assert "<strong>67,8 Mrd. Euro</strong> zusätzliche Wertschöpfung" in html
    assert "Gehört nicht hierher." not in html


# Full texts are rendered once and kept until the next edit anywhere (releases/feeds.py).


def content_of(client, path, release):
    entries = parse_feed(client.get(path)).entries
    return next(entry for entry in entries if entry.title == release.title).content[0].value


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_an_edited_quote_shows_in_the_full_text_at_once(client, path):
    release = make_release()
    quote = make_quote(text="Erste Fassung.")
    release.quotes.add(quote)
    before = content_of(client, path, release)

    quote.text = "Zweite Fassung."
    quote.save()
    after = content_of(client, path, release)

    assert "Erste Fassung." in before
    assert "Zweite Fassung." in after and "Erste Fassung." not in after


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_an_embargoed_event_joins_the_full_text_at_its_publish_time(client, now, path):
    release = make_release()
    event = make_event(title="Bürgersprechstunde", publish_at=now + datetime.timedelta(hours=1))
    release.events.add(event)

    with time_machine.travel(event.publish_at - datetime.timedelta(seconds=1)):
        before = content_of(client, path, release)
    with time_machine.travel(event.publish_at):
        at = content_of(client, path, release)

    assert "Bürgersprechstunde" not in before
    assert "Bürgersprechstunde" in at


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_sanitized_body_stays_sanitized_in_feed(client, path):
    make_release(
        body='<p onclick="steal()">Hallo</p><script>alert("x")</script>'
        '<a href="javascript:alert(1)">Link</a>'
    )

    response = client.get(path)

    html = parse_feed(response).entries[0].content[0].value
    assert "<p>Hallo</p>" in html
    assert "<script" not in html
    assert "alert" not in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert b"alert" not in response.content


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_hero_image_is_an_absolute_jpeg_enclosure_with_its_size(client, path):
    image = make_image()
    make_release(title="Mit Bild", hero_image=image)
    make_release(title="Ohne Bild")

    entries = parse_feed(client.get(path)).entries

    enclosures = {entry.title: entry.enclosures for entry in entries}
    assert enclosures["Ohne Bild"] == []
    [enclosure] = enclosures["Mit Bild"]
    assert enclosure.href == f"{SITE}{image.file.url}"
    assert enclosure.href.startswith(f"{SITE}/media/bilder/")
    assert enclosure.type == "image/jpeg"
    assert int(enclosure.length) == Path(image.file.path).stat().st_size


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/"])
def test_entry_categories_are_category_and_topic_names(client, path):
    category = make_category(name="Aus der Landesregierung")
    topics = [make_topic(name="Strukturwandel"), make_topic(name="Künstliche Intelligenz")]
    make_release(category=category, topics=topics)

    entry = parse_feed(client.get(path)).entries[0]

    assert sorted(tag.term for tag in entry.tags) == [
        "Aus der Landesregierung",
        "Künstliche Intelligenz",
        "Strukturwandel",
    ]


# /pressemitteilungen/kategorie/<slug>/feed/ and /thema/<slug>/feed/


def test_category_feed_lists_only_its_published_releases(client, now):
    category = make_category(name="Aus der Landesregierung", slug="landesregierung")
    other = make_category()
    make_release(title="Regierung", category=category, publish_at=now - datetime.timedelta(hours=1))
    make_release(title="Regierung alt", category=category, publish_at=now - datetime.timedelta(2))
    make_release(title="Anderes", category=other)
    make_release(title="Entwurf", category=category, status=Release.Status.DRAFT)
    make_release(title="Sperrfrist", category=category, publish_at=now + datetime.timedelta(1))

    feed = parse_feed(client.get("/pressemitteilungen/kategorie/landesregierung/feed/"))

    assert [entry.title for entry in feed.entries] == ["Regierung", "Regierung alt"]
    assert feed.feed.link == f"{SITE}/pressemitteilungen/kategorie/landesregierung/"
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [
        f"{SITE}/pressemitteilungen/kategorie/landesregierung/feed/"
    ]


def test_topic_feed_lists_only_its_published_releases(client, now):
    topic = make_topic(name="Strukturwandel", slug="strukturwandel")
    other = make_topic()
    make_release(
        title="Wandel", topics=[topic, other], publish_at=now - datetime.timedelta(hours=1)
    )
    make_release(title="Wandel alt", topics=[topic], publish_at=now - datetime.timedelta(days=2))
    make_release(title="Anderes", topics=[other])
    make_release(title="Ohne Thema")
    make_release(title="Entwurf", topics=[topic], status=Release.Status.DRAFT)
    make_release(title="Sperrfrist", topics=[topic], publish_at=now + datetime.timedelta(days=1))

    feed = parse_feed(client.get("/pressemitteilungen/thema/strukturwandel/feed/"))

    assert [entry.title for entry in feed.entries] == ["Wandel", "Wandel alt"]
    assert feed.feed.link == f"{SITE}/pressemitteilungen/thema/strukturwandel/"
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [
        f"{SITE}/pressemitteilungen/thema/strukturwandel/feed/"
    ]


def test_category_feed_title_names_mdl_and_category(client, profile):
    make_release(category=make_category(name="Aus der Landesregierung", slug="landesregierung"))

    feed = parse_feed(client.get("/pressemitteilungen/kategorie/landesregierung/feed/")).feed

    assert feed.title == "Pressemitteilungen – Daniel Hagemeier MdL: Aus der Landesregierung"
    assert feed.language == "de"


def test_embargoed_release_enters_category_feed_at_publish_time(client, now):
    category = make_category(slug="landesregierung")
    embargoed = make_release(
        title="Sperrfrist", category=category, publish_at=now + datetime.timedelta(hours=1)
    )

    before = client.get("/pressemitteilungen/kategorie/landesregierung/feed/")
    with time_machine.travel(embargoed.publish_at + datetime.timedelta(seconds=1)):
        after = titles(client.get("/pressemitteilungen/kategorie/landesregierung/feed/"))

    # Until then no public release uses the category: its feed is unknown, not empty.
    assert before.status_code == 404
    assert after == ["Sperrfrist"]


@pytest.mark.parametrize(
    "path",
    [
        "/pressemitteilungen/kategorie/gibt-es-nicht/feed/",
        "/pressemitteilungen/thema/gibt-es-nicht/feed/",
    ],
)
def test_feed_of_unknown_category_or_topic_is_not_found(client, path):
    make_release(title="Veröffentlicht", topics=[make_topic()])

    response = client.get(path)

    assert response.status_code == 404
    assert "Veröffentlicht" not in response.content.decode()
    assert feedparser.parse(response.content).entries == []


# Query counts


@pytest.mark.parametrize(
    ("path", "max_queries"),
    [
        ("/pressemitteilungen/feed/", 6),
        ("/pressemitteilungen/atom/", 6),
        ("/pressemitteilungen/kategorie/landesregierung/feed/", 7),
        ("/pressemitteilungen/thema/strukturwandel/feed/", 7),
    ],
)
def test_feed_queries_do_not_grow_with_releases(
    client, profile, path, max_queries, django_assert_max_num_queries
):
    """Feed readers poll often: the query count must not grow with the number of releases."""
    category = make_category(slug="landesregierung")
    topic = make_topic(slug="strukturwandel")
    image = make_image()
    event = make_event()

    def add_releases(count):
        for _ in range(count):
            release = make_full_release(category=category, hero_image=image)
            release.topics.add(topic)
            release.events.add(event)

    add_releases(10)
    with_10 = count_queries(client, path)
    add_releases(40)
    with_50 = count_queries(client, path)

    assert with_10 == with_50
    with django_assert_max_num_queries(max_queries):
        assert len(titles(client.get(path))) == FEED_ITEM_COUNT


# <link rel="alternate"> in every page's head


class HeadLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self.in_head = True
        elif tag == "link" and self.in_head:
            attrs = dict(attrs)
            self.links.append((attrs.get("rel"), attrs.get("type"), attrs.get("href")))

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/pressemitteilungen/",
        "/pressemitteilungen/von-der-kohle-zur-ki/",
        "/pressemitteilungen/kategorie/landesregierung/",
        "/pressemitteilungen/thema/strukturwandel/",
        "/termine/",
        "/termine/archiv/",
        "/termine/zukunftskonferenz/",
        "/zitate/",
        "/zahlen/",
        "/suche/?q=Kohle",
        "/ueber-mich/",
        "/impressum/",
    ],
)
def test_every_page_announces_rss_and_atom_feeds_in_its_head(client, profile, path):
    make_release(
        slug="von-der-kohle-zur-ki",
        category=make_category(slug="landesregierung"),
        topics=[make_topic(slug="strukturwandel")],
    )
    make_event(slug="zukunftskonferenz")

    response = client.get(path)

    assert response.status_code == 200
    parser = HeadLinks()
    parser.feed(response.content.decode())
    alternates = [link for link in parser.links if link[0] == "alternate"]
    assert ("alternate", "application/rss+xml", "/pressemitteilungen/feed/") in alternates
    assert ("alternate", "application/atom+xml", "/pressemitteilungen/atom/") in alternates


@pytest.mark.parametrize(
    "path", ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/", "/termine/feed/"]
)
def test_a_feed_leaves_the_server_in_one_piece(client, path):
    """A WSGI server sends each piece of a response on its own; Django writes a feed in ~900."""
    make_full_release()
    make_event()

    response = client.get(path)

    assert len([piece for piece in response if piece]) == 1
    assert feedparser.parse(response.content).entries
