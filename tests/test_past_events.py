"""A past event reads as past: on its page and, when nothing is upcoming, on the home page."""

import datetime
import html
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Event
from tests.kit.factories import make_event
from tests.kit.pages import body

pytestmark = pytest.mark.django_db

PAST = "Dieser Termin liegt in der Vergangenheit."
BUTTON = (
    '<a class="button" href="/termine/termin.ics" download>In meinen Kalender eintragen (.ics)</a>'
)
QUIET_LINK = '<a href="/termine/termin.ics" download>Kalenderdatei dieses Termins (.ics)</a>'
TEASER_TITLE = re.compile(r'class="teaser__title"><a href="[^"]*">([^<]*)</a>')


def ok_body(response):
    assert response.status_code == 200
    return body(response)


def titles(markup):
    return [html.unescape(title) for title in TEASER_TITLE.findall(markup)]


def events_box(response):
    """Return the home page's events box, and its part about past events (or "")."""
    box = re.search(r'<section class="home__events".*?</section>', ok_body(response), re.S).group()
    upcoming, _, past = box.partition('<h3 id="home-past-events">Vergangene Termine</h3>')
    return upcoming, past


# The event's page


def test_past_event_says_it_is_over_and_offers_its_file_quietly(client, profile, now):
    make_event(
        slug="termin",
        starts_at=now - datetime.timedelta(days=1, hours=2),
        ends_at=now - datetime.timedelta(days=1),
    )

    page = ok_body(client.get("/termine/termin/"))

    assert page.count(PAST) == 1
    assert BUTTON not in page
    assert page.count(QUIET_LINK) == 1


def test_running_and_coming_events_offer_the_calendar_button(client, profile, now):
    make_event(
        slug="termin",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=1),
    )

    page = ok_body(client.get("/termine/termin/"))

    assert PAST not in page
    assert QUIET_LINK not in page
    assert page.count(BUTTON) == 1


def test_past_cancelled_event_is_marked_both_ways(client, profile, now):
    make_event(
        slug="termin",
        cancelled=True,
        starts_at=now - datetime.timedelta(days=3),
        ends_at=now - datetime.timedelta(days=3, hours=-2),
    )

    page = ok_body(client.get("/termine/termin/"))

    assert [PAST in page, "Dieser Termin ist abgesagt." in page] == [True, True]


def test_preview_of_a_past_draft_says_it_is_over_and_offers_no_file(officer_client, profile, now):
    make_event(
        slug="termin",
        status=Event.Status.DRAFT,
        starts_at=now - datetime.timedelta(days=1, hours=2),
        ends_at=now - datetime.timedelta(days=1),
    )

    page = ok_body(officer_client.get("/termine/termin/"))

    assert PAST in page
    assert "/termine/termin.ics" not in page


@pytest.mark.parametrize(
    ("offset", "past"),
    [
        (datetime.timedelta(seconds=-1), False),
        (datetime.timedelta(0), False),
        (datetime.timedelta(microseconds=1), True),
    ],
    ids=["before-the-end", "at-the-end", "after-the-end"],
)
def test_an_event_is_past_from_the_moment_after_its_end_on_page_and_lists(
    client, profile, offset, past
):
    ends_at = datetime.datetime(2030, 5, 1, 12, 0, tzinfo=datetime.UTC)
    make_event(
        title="Grenzfall",
        slug="termin",
        starts_at=ends_at - datetime.timedelta(hours=2),
        ends_at=ends_at,
        publish_at=ends_at - datetime.timedelta(days=30),
    )

    with time_machine.travel(ends_at + offset, tick=False):
        page = ok_body(client.get("/termine/termin/"))
        upcoming = titles(ok_body(client.get("/termine/")))
        archive = titles(ok_body(client.get("/termine/archiv/")))
        twin = Event.objects.get(slug="termin").is_past()

    assert (PAST in page, twin) == (past, past)
    assert (upcoming, archive) == (([], ["Grenzfall"]) if past else (["Grenzfall"], []))


def test_is_past_agrees_with_the_past_queryset(now):
    for hours in (-49, -25, -3, 1, 25):
        make_event(starts_at=now + datetime.timedelta(hours=hours))
    make_event(
        starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(minutes=5)
    )

    past = set(Event.objects.past())

    assert {event for event in Event.objects.all() if event.is_past()} == past
    assert len(past) == 3


# The home page's events box


def make_hidden_past_events(now):
    """Create the past events that must never reach the home page: a draft and an embargoed."""
    make_event(
        title="Vergangener Entwurf",
        status=Event.Status.DRAFT,
        starts_at=now - datetime.timedelta(hours=3),
    )
    make_event(
        title="Vergangen unter Sperrfrist",
        publish_at=now + datetime.timedelta(hours=1),
        starts_at=now - datetime.timedelta(hours=4),
    )


def past_event(title, now, days, **kwargs):
    starts_at = now - datetime.timedelta(days=days)
    return make_event(
        title=title, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2), **kwargs
    )


def test_home_without_upcoming_events_shows_the_three_latest_past_ones(client, profile, now):
    past_event("Vor einer Woche", now, 7)
    past_event("Gestern", now, 1)
    past_event("Vor drei Tagen, abgesagt", now, 3, cancelled=True)
    past_event("Vor zwei Wochen", now, 14)
    make_hidden_past_events(now)
    make_event(title="Kommender Entwurf", status=Event.Status.DRAFT)

    upcoming, past = events_box(client.get("/"))

    assert "Zurzeit stehen keine Termine an." in upcoming
    assert titles(upcoming) == []
    assert titles(past) == ["Gestern", "Vor drei Tagen, abgesagt", "Vor einer Woche"]
    assert '<a href="/termine/archiv/">Alle vergangenen Termine</a>' in past


def test_home_with_an_upcoming_event_shows_no_past_ones(client, profile, now):
    past_event("Gestern", now, 1)
    make_event(title="Morgen", starts_at=now + datetime.timedelta(days=1))
    make_hidden_past_events(now)

    upcoming, past = events_box(client.get("/"))

    assert titles(upcoming) == ["Morgen"]
    assert past == ""


def test_home_without_any_public_event_shows_no_past_heading(client, profile, now):
    make_hidden_past_events(now)

    upcoming, past = events_box(client.get("/"))

    assert "Zurzeit stehen keine Termine an." in upcoming
    assert "Vergangene Termine" not in upcoming
    assert past == ""


def home_queries(client):
    client.get("/")  # what the page keeps per content generation is read once
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    return len(queries)


def test_home_reads_past_events_only_when_nothing_is_upcoming(client, profile, now):
    """The home page is the most read page: past events must cost nothing while events are due."""
    past_event("Gestern", now, 1)
    without_upcoming = home_queries(client)
    make_event(title="Morgen", starts_at=now + datetime.timedelta(days=1))
    with_upcoming = home_queries(client)
    Event.objects.filter(title="Gestern").delete()
    only_upcoming = home_queries(client)

    assert with_upcoming == only_upcoming == without_upcoming - 1


def test_cached_pages_turn_past_when_the_event_ends(
    client, profile, settings, now, django_assert_num_queries
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "state": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "s"},
    }
    settings.PAGE_CACHE_TIMEOUT = 300
    event = make_event(
        title="Gleich vorbei",
        slug="termin",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(minutes=2),
    )
    before = ok_body(client.get("/termine/termin/")), events_box(client.get("/"))
    with django_assert_num_queries(0):  # served from the page cache
        client.get("/termine/termin/")

    with time_machine.travel(event.ends_at + datetime.timedelta(minutes=1)):
        after = ok_body(client.get("/termine/termin/")), events_box(client.get("/"))

    assert (PAST in before[0], PAST in after[0]) == (False, True)
    assert [titles(part) for part in before[1]] == [["Gleich vorbei"], []]
    assert [titles(part) for part in after[1]] == [[], ["Gleich vorbei"]]
