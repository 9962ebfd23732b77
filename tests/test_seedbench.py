"""`manage.py seedbench` fills an empty database with what the benchmark needs, and says so."""

import html
import io
import re

import feedparser
import icalendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events.models import Event
from office.models import Quote, Statistic
from releases.feeds import FEED_ITEM_COUNT
from releases.models import Release, ReleaseQuote, ReleaseStatistic, Topic
from tests.kit.factories import make_release

pytestmark = pytest.mark.django_db

SITE = "https://www.example.org"
TEASER = re.compile(r'class="teaser__title"><a href="([^"]*)">')


def seedbench(*args):
    out = io.StringIO()
    call_command("seedbench", "--releases", "30", "--events", "12", *args, stdout=out)
    return out.getvalue()


def teaser_links(response):
    """Return the links of the teasers in the page's main part, in page order."""
    assert response.status_code == 200
    main = re.search(r"<main[^>]*>(.*)</main>", response.content.decode(), re.S).group(1)
    return [html.unescape(href) for href in TEASER.findall(main)]


def urls(items, site=""):
    return [f"{site}{item.get_absolute_url()}" for item in items]


@pytest.fixture
def seeded():
    return seedbench()


def test_report_states_the_counts_in_the_database(seeded):
    public = Release.objects.published().count()
    drafts = Release.objects.filter(status=Release.Status.DRAFT).count()
    embargoed = Release.objects.filter(
        status=Release.Status.PUBLISHED, publish_at__gt=timezone.now()
    ).count()
    cancelled = Event.objects.filter(cancelled=True).count()

    assert (Release.objects.count(), Event.objects.count()) == (30, 12)
    assert (public, drafts, embargoed) == (27, 2, 1)
    assert seeded.startswith(
        f"30 Pressemitteilungen ({public} öffentlich, {drafts} Entwürfe, {embargoed} mit "
        f"Sperrfrist), {Quote.objects.count()} Zitate, {Statistic.objects.count()} Kennzahlen, "
        f"12 Termine ({Event.objects.published().count()} öffentlich, {cancelled} abgesagt) "
        "angelegt in "
    )


def test_published_sees_exactly_the_public_releases_and_events(seeded):
    releases, events = Release.objects.all(), Event.objects.all()

    public_releases = {r.pk for r in Release.objects.published()}
    public_events = {e.pk for e in Event.objects.published()}

    assert public_releases == {r.pk for r in releases if r.is_published()}
    assert len(public_releases) < len(releases)
    assert public_events == {e.pk for e in events if e.is_published()}
    assert len(public_events) < len(events)


def test_events_lie_in_the_past_and_ahead_and_some_are_cancelled(seeded):
    upcoming = Event.objects.published().upcoming().count()
    past = Event.objects.published().past().count()

    assert upcoming >= 1
    assert past >= 1
    assert upcoming + past == Event.objects.published().count()
    assert Event.objects.filter(cancelled=True).count() == 1


def test_releases_are_linked_to_topics_quotes_figures_and_events(seeded):
    with_topics = set(Release.topics.through.objects.values_list("release_id", flat=True))

    assert with_topics == set(Release.objects.values_list("pk", flat=True))
    assert ReleaseQuote.objects.count() > 0
    assert ReleaseStatistic.objects.count() > 0
    assert Release.events.through.objects.count() > 0
    assert Event.speakers.through.objects.count() > 0
    assert Statistic.objects.exclude(source_name="").count() == Statistic.objects.count()
    assert Quote.objects.filter(releases=None).exists()  # standalone ones for /zitate/


def test_bodies_are_structured_like_press_releases(seeded):
    body = Release.objects.first().body

    assert body.startswith("<p><strong>")
    assert body.count("<h2>") == 3
    assert re.search(r"<ul>(<li>[^<]+</li>){3,5}</ul>", body)


def test_same_seed_gives_the_same_releases():
    runs = []
    for _ in range(2):
        with transaction.atomic():
            seedbench()
            runs.append(list(Release.objects.order_by("pk").values_list("slug", "status")))
            transaction.set_rollback(True)

    assert runs[0] == runs[1]
    assert len(runs[0]) == 30


def test_releases_without_events():
    seedbench("--events", "0")

    assert (Release.objects.count(), Event.objects.count()) == (30, 0)


def test_refuses_a_database_that_holds_releases():
    make_release(title="Schon da")

    with pytest.raises(CommandError, match="--append"):
        seedbench()

    assert [r.title for r in Release.objects.all()] == ["Schon da"]


def test_append_adds_releases_with_new_slugs(seeded):
    seedbench("--append")

    slugs = list(Release.objects.values_list("slug", flat=True))
    assert len(slugs) == 60
    assert len(set(slugs)) == 60


def test_appended_drafts_keep_their_quotes_hidden(client, seeded):
    """Bulk inserts send no signals; the command itself renews what is kept."""
    client.get("/zitate/")  # keeps the ids of the hidden quotes
    seedbench("--append")
    hidden = Quote.objects.exclude(releases__in=Release.objects.published()).exclude(releases=None)

    shown = {quote.pk for quote in Quote.objects.published()}

    assert hidden.exists()
    assert not shown & set(hidden.values_list("pk", flat=True))


def test_release_list_pages_link_every_public_release_and_nothing_else(client, seeded):
    pages = [client.get(f"/pressemitteilungen/?seite={n}") for n in (1, 2, 3)]

    links = [href for page in pages for href in teaser_links(page)]

    assert links == urls(Release.objects.published())
    assert len(links) == 27


def test_deep_pages_list_the_same_releases_as_counting_rows_would(client):
    # Past page 21 the paginator skips ids on the index, then reads the page's rows
    # (office/site/paging.py): the same slices, the short last page included.
    seedbench("--releases", "300")
    public = urls(Release.objects.published())
    last = -(-len(public) // 10)
    numbers = (21, 22, 23, last - 1, last)

    pages = {n: teaser_links(client.get(f"/pressemitteilungen/?seite={n}")) for n in numbers}

    assert last > 23
    assert pages == {n: public[(n - 1) * 10 : n * 10] for n in numbers}


def test_feeds_carry_the_newest_public_releases(client, seeded):
    rss = feedparser.parse(client.get("/pressemitteilungen/feed/").content)
    atom = feedparser.parse(client.get("/pressemitteilungen/atom/").content)

    expected = urls(Release.objects.published()[:FEED_ITEM_COUNT], SITE)
    assert [entry.link for entry in rss.entries] == expected
    assert [entry.link for entry in atom.entries] == expected


def test_draft_and_embargoed_releases_are_not_found(client, seeded):
    hidden = Release.objects.exclude(pk__in=Release.objects.published())

    statuses = [client.get(release.get_absolute_url()).status_code for release in hidden]

    assert statuses == [404, 404, 404]


def test_release_page_shows_its_quotes_and_figures(client, seeded):
    release = (
        Release.objects.published()
        .filter(releasequote__isnull=False, releasestatistic__isnull=False)
        .first()
    )
    link = release.releasestatistic_set.select_related("statistic").first()

    page = html.unescape(client.get(f"/pressemitteilungen/{release.slug}/").content.decode())

    assert f"<h1>{release.title}</h1>" in page
    assert release.quotes.first().text in page
    assert link.statistic.label in page


def test_category_and_topic_archives_list_their_public_releases(client, seeded):
    release = Release.objects.published().select_related("category").first()
    category, topic = release.category, Topic.objects.filter(releases=release).first()

    by_category = teaser_links(client.get(f"/pressemitteilungen/kategorie/{category.slug}/"))
    by_topic = teaser_links(client.get(f"/pressemitteilungen/thema/{topic.slug}/"))

    assert by_category == urls(Release.objects.published().filter(category=category)[:10])
    assert by_topic == urls(Release.objects.published().filter(topics=topic)[:10])


def test_events_pages_and_calendar_hold_the_public_events(client, seeded):
    upcoming = teaser_links(client.get("/termine/"))
    past = teaser_links(client.get("/termine/archiv/"))
    calendar = icalendar.Calendar.from_ical(client.get("/termine/kalender.ics").content)

    assert upcoming == urls(Event.objects.published().upcoming())
    assert past == urls(Event.objects.published().past())
    assert sorted(str(vevent["url"]) for vevent in calendar.walk("VEVENT")) == sorted(
        urls(Event.objects.published(), SITE)
    )


def test_search_finds_public_releases_and_events_about_innovation(client, seeded):
    found = teaser_links(client.get("/suche/?q=Innovation"))

    releases = Release.objects.published().filter(
        Q(title__icontains="innovation")
        | Q(lead__icontains="innovation")
        | Q(body__icontains="innovation")
    )
    events = Event.objects.published().filter(
        Q(title__icontains="innovation") | Q(description__icontains="innovation")
    )
    assert releases.exists()
    assert found == urls(releases) + urls(events)


def test_home_and_sitemap_show_the_seeded_content(client, seeded):
    home = teaser_links(client.get("/"))
    sitemap = client.get("/sitemap-releases.xml").content.decode()

    assert home[:5] == urls(Release.objects.published()[:5])
    locations = re.findall(r"<loc>([^<]+/pressemitteilungen/[^<]+)</loc>", sitemap)
    assert sorted(locations) == sorted(urls(Release.objects.published(), SITE))
