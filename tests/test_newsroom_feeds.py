"""What newsroom tools expect of feeds: JSON Feed, creator, publisher, logo, an events feed."""

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.feeds import FEED_ITEM_COUNT as EVENT_FEED_ITEM_COUNT
from events.models import Event
from releases.feeds import FEED_ITEM_COUNT
from releases.models import Release
from tests.kit.factories import (
    make_event,
    make_image,
    make_quote,
    make_release,
    make_statistic,
    make_topic,
)
from tests.kit.pages import parse_feed

pytestmark = pytest.mark.django_db

SITE = "https://www.example.org"
JSON_FEED_ITEM_FIELDS = {"id", "url", "title", "content_html", "date_published"}


def json_feed(client):
    response = client.get("/pressemitteilungen/feed.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/feed+json"
    return json.loads(response.content)


def test_json_feed_has_the_required_fields_of_version_1_1(client, profile):
    make_release(title="Veröffentlicht")

    feed = json_feed(client)

    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Pressemitteilungen – Daniel Hagemeier MdL"
    assert feed["home_page_url"] == f"{SITE}/pressemitteilungen/"
    assert feed["feed_url"] == f"{SITE}/pressemitteilungen/feed.json"
    assert feed["language"] == "de"
    assert feed["authors"] == [{"name": "Daniel Hagemeier MdL", "url": f"{SITE}/ueber-mich/"}]
    assert all(set(item) >= JSON_FEED_ITEM_FIELDS for item in feed["items"])


def test_json_feed_carries_the_same_entries_as_rss(client, now):
    make_release(title="Neu", publish_at=now - datetime.timedelta(hours=1))
    make_release(title="Alt", publish_at=now - datetime.timedelta(days=1))
    make_release(title="Entwurf", status=Release.Status.DRAFT)
    make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=1))

    rss = parse_feed(client.get("/pressemitteilungen/feed/"))
    feed = json_feed(client)

    assert [item["title"] for item in feed["items"]] == ["Neu", "Alt"]
    assert [item["id"] for item in feed["items"]] == [entry.id for entry in rss.entries]
    assert [item["url"] for item in feed["items"]] == [entry.link for entry in rss.entries]


def test_json_feed_item_has_summary_full_text_tags_image_and_dates(client):
    image = make_image()
    release = make_release(
        lead="Der Vorspann.", body="<p>Der Text.</p>", hero_image=image, topics=[make_topic()]
    )
    release.quotes.add(make_quote(text="Ein Satz der Abgeordneten"))

    (item,) = json_feed(client)["items"]

    assert item["summary"] == "Der Vorspann."
    assert "<p>Der Text.</p>" in item["content_html"]
    assert "Ein Satz der Abgeordneten" in item["content_html"]
    assert item["tags"] == [release.category.name, release.topics.get().name]
    assert item["image"] == f"{SITE}{image.file.url}"
    assert datetime.datetime.fromisoformat(item["date_published"]) == release.publish_at
    assert datetime.datetime.fromisoformat(item["date_modified"]) == release.modified_at


def test_json_feed_gains_an_embargoed_release_when_its_time_comes(client, now):
    embargoed = make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=5))

    before = [item["title"] for item in json_feed(client)["items"]]
    with time_machine.travel(embargoed.publish_at):
        after = [item["title"] for item in json_feed(client)["items"]]

    assert (before, after) == ([], ["Sperrfrist"])


def test_json_feed_queries_do_not_grow_with_items(client):
    """A feed reader polls often; 10 or 50 releases must cost the same."""
    counts = []
    for total in (10, 50):
        Release.objects.all().delete()
        for _ in range(total):
            make_release(topics=[make_topic()]).quotes.add(make_quote())
        with CaptureQueriesContext(connection) as queries:
            json_feed(client)
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 8


def test_rss_names_creator_publisher_and_logo(client, profile):
    make_release()

    feed = parse_feed(client.get("/pressemitteilungen/feed/"))

    assert feed.feed.publisher == "Daniel Hagemeier MdL"
    assert feed.feed.image.href == f"{SITE}/static/img/logo.png"
    assert feed.feed.image.link == f"{SITE}/pressemitteilungen/"
    assert [entry.author for entry in feed.entries] == ["Daniel Hagemeier MdL"]


def test_atom_feed_has_a_logo(client):
    make_release()

    feed = parse_feed(client.get("/pressemitteilungen/atom/"))

    assert feed.feed.logo == f"{SITE}/static/img/logo.png"
    assert feed.feed.icon == f"{SITE}/static/img/logo.png"


def test_logo_is_a_real_png(client):
    from django.contrib.staticfiles import finders
    from PIL import Image

    with Image.open(finders.find("img/logo.png")) as logo:
        assert (logo.format, logo.size) == ("PNG", (144, 144))


# /termine/feed/


def test_event_feed_lists_upcoming_public_events_soonest_first(client, now):
    make_event(title="Übermorgen", starts_at=now + datetime.timedelta(days=2))
    make_event(title="Morgen", starts_at=now + datetime.timedelta(days=1))
    make_event(
        title="Vorbei",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now - datetime.timedelta(hours=20),
    )
    make_event(title="Entwurf", status=Event.Status.DRAFT)
    make_event(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=1))

    feed = parse_feed(client.get("/termine/feed/"))

    assert [entry.title for entry in feed.entries] == ["Morgen", "Übermorgen"]
    assert feed.feed.language == "de"
    assert feed.feed.link == f"{SITE}/termine/"


def test_event_feed_marks_a_cancelled_event_and_says_when_and_where(client, now):
    event = make_event(title="Bürgersprechstunde", cancelled=True, venue_name="Rathaus Borken")

    (entry,) = parse_feed(client.get("/termine/feed/")).entries

    assert entry.title == "Abgesagt: Bürgersprechstunde"
    assert "Rathaus Borken" in entry.summary
    assert "abgesagt" in entry.summary
    assert entry.link == f"{SITE}/termine/{event.slug}/"
    assert entry.id == f"termin-{event.pk}@www.example.org"


def test_event_feed_is_announced_and_bounded(client, now):
    for days in range(EVENT_FEED_ITEM_COUNT + 5):
        make_event(starts_at=now + datetime.timedelta(days=days + 1))

    feed = parse_feed(client.get("/termine/feed/"))
    page = client.get("/termine/").content.decode()

    assert len(feed.entries) == EVENT_FEED_ITEM_COUNT
    assert 'href="/termine/feed/"' in page
    assert FEED_ITEM_COUNT == 20


def test_control_characters_in_a_quote_or_figure_do_not_break_the_feeds(client):
    release = make_release()
    release.quotes.add(make_quote(text="Aus Word\x0bkopiert"))
    release.statistics.add(make_statistic(label="Seitenumbruch\x0cim Satz"))

    for path in ("/pressemitteilungen/feed/", "/pressemitteilungen/atom/"):
        (entry,) = parse_feed(client.get(path)).entries
        assert "Aus Wordkopiert" in entry.content[0].value
        assert "Seitenumbruchim Satz" in entry.content[0].value
