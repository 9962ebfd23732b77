import datetime

import icalendar
import pytest
import time_machine

from events.models import Event
from tests.kit.factories import make_event
from tests.kit.pages import berlin, count_queries

pytestmark = pytest.mark.django_db

SITE = "https://www.example.org"


def parse(response):
    """Return the calendar as a calendar app reads it."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def vevents(response):
    return parse(response).walk("VEVENT")


def summaries(response):
    return [str(vevent["SUMMARY"]) for vevent in vevents(response)]


def make_draft_and_embargoed_events(now):
    """Create the events that must never leak into a calendar."""
    draft = make_event(title="Entwurf", slug="entwurf", status=Event.Status.DRAFT)
    embargoed = make_event(
        title="Sperrfrist", slug="sperrfrist", publish_at=now + datetime.timedelta(hours=1)
    )
    return draft, embargoed


# /termine/kalender.ics


def test_calendar_is_icalendar_2_with_prodid(client):
    make_event()

    calendar = parse(client.get("/termine/kalender.ics"))

    assert calendar.name == "VCALENDAR"
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]).startswith("-//")


def test_calendar_lists_past_and_upcoming_published_events_in_start_order(client, now):
    make_event(title="Morgen", starts_at=now + datetime.timedelta(days=1))
    make_event(
        title="Letzte Woche",
        starts_at=now - datetime.timedelta(days=7),
        ends_at=now - datetime.timedelta(days=7, hours=-2),
    )
    make_event(title="Nächsten Monat", starts_at=now + datetime.timedelta(days=30))
    make_draft_and_embargoed_events(now)

    assert summaries(client.get("/termine/kalender.ics")) == [
        "Letzte Woche",
        "Morgen",
        "Nächsten Monat",
    ]


def test_embargoed_event_enters_calendar_at_publish_time(client, now):
    make_event(title="Öffentlich")
    embargoed = make_event(title="Sperrfrist", publish_at=now + datetime.timedelta(hours=1))

    before = summaries(client.get("/termine/kalender.ics"))
    with time_machine.travel(embargoed.publish_at + datetime.timedelta(seconds=1)):
        after = summaries(client.get("/termine/kalender.ics"))
        single = summaries(client.get(f"/termine/{embargoed.slug}.ics"))

    assert before == ["Öffentlich"]
    assert after == ["Öffentlich", "Sperrfrist"]
    assert single == ["Sperrfrist"]


def test_calendar_without_events_is_still_valid(client, now):
    make_draft_and_embargoed_events(now)

    response = client.get("/termine/kalender.ics")

    calendar = parse(response)
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert response.content.endswith(b"END:VCALENDAR\r\n")
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]).startswith("-//")
    assert calendar.walk("VEVENT") == []


# /termine/<slug>.ics


def test_event_ics_holds_only_that_event(client):
    make_event(title="Anderer Termin", slug="anderer-termin")
    make_event(title="Dieser Termin", slug="dieser-termin")

    assert summaries(client.get("/termine/dieser-termin.ics")) == ["Dieser Termin"]


@pytest.mark.parametrize("slug", ["entwurf", "sperrfrist", "gibt-es-nicht"])
def test_ics_of_draft_embargoed_or_unknown_event_is_not_found(client, now, slug):
    make_event(title="Öffentlich", slug="oeffentlich")
    make_draft_and_embargoed_events(now)

    response = client.get(f"/termine/{slug}.ics")

    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content
    assert b"Sperrfrist" not in response.content


# Fields of an event


@pytest.mark.parametrize(
    ("starts_at", "utc"),
    [
        (berlin(2025, 2, 13, 10, 0), datetime.datetime(2025, 2, 13, 9, 0, tzinfo=datetime.UTC)),
        (berlin(2025, 7, 3, 10, 0), datetime.datetime(2025, 7, 3, 8, 0, tzinfo=datetime.UTC)),
    ],
    ids=["winter", "summer"],
)
def test_start_carries_berlin_wall_time(client, starts_at, utc):
    make_event(slug="termin", starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=7))

    response = client.get("/termine/termin.ics")

    [vevent] = vevents(response)
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert vevent["DTSTART"].dt.replace(tzinfo=None) == datetime.datetime(
        starts_at.year, starts_at.month, starts_at.day, 10, 0
    )
    assert vevent["DTSTART"].dt == utc
    assert f"DTSTART;TZID=Europe/Berlin:{starts_at:%Y%m%d}T100000".encode() in response.content
    assert vevent["DTEND"].params["TZID"] == "Europe/Berlin"
    assert vevent["DTEND"].dt == utc + datetime.timedelta(hours=7)


def test_calendar_defines_the_berlin_timezone_it_uses(client):
    make_event(starts_at=berlin(2025, 2, 13, 10, 0), ends_at=berlin(2025, 2, 13, 17, 0))
    make_event(starts_at=berlin(2025, 7, 3, 10, 0), ends_at=berlin(2025, 7, 3, 12, 0))

    calendar = parse(client.get("/termine/kalender.ics"))

    [vtimezone] = calendar.walk("VTIMEZONE")
    assert vtimezone["TZID"] == "Europe/Berlin"
    # Built from the VTIMEZONE itself, as a client without a tz database would.
    defined = vtimezone.to_tz(lookup_tzid=False)
    winter = datetime.datetime(2025, 2, 13, 10, 0, tzinfo=defined)
    summer = datetime.datetime(2025, 7, 3, 10, 0, tzinfo=defined)
    assert winter.utcoffset() == datetime.timedelta(hours=1)
    assert summer.utcoffset() == datetime.timedelta(hours=2)


def test_uid_survives_slug_and_title_edits(client):
    event = make_event(title="Erster Titel", slug="erster-titel")
    [before] = vevents(client.get("/termine/kalender.ics"))

    event.title = "Neuer Titel"
    event.slug = "neuer-titel"
    event.save()
    [after] = vevents(client.get("/termine/kalender.ics"))
    [single] = vevents(client.get("/termine/neuer-titel.ics"))

    assert (str(before["SUMMARY"]), str(before["URL"])) == (
        "Erster Titel",
        f"{SITE}/termine/erster-titel/",
    )
    assert (str(after["SUMMARY"]), str(after["URL"])) == (
        "Neuer Titel",
        f"{SITE}/termine/neuer-titel/",
    )
    assert after["UID"] == before["UID"]
    assert single["UID"] == before["UID"]


def test_uids_are_unique_across_events(client):
    for _ in range(5):
        make_event()

    uids = [str(vevent["UID"]) for vevent in vevents(client.get("/termine/kalender.ics"))]

    assert len(uids) == 5
    assert len(set(uids)) == 5


def test_dtstamp_is_present_in_utc(client):
    make_event()
    make_event()

    for vevent in vevents(client.get("/termine/kalender.ics")):
        assert vevent["DTSTAMP"].dt.utcoffset() == datetime.timedelta(0)
        assert vevent["DTSTAMP"].to_ical().endswith(b"Z")


def test_location_has_venue_name_and_address(client):
    make_event(
        slug="termin",
        venue_name="Landtag NRW, Plenarsaal",
        venue_address="Platz des Landtags 1\n40221 Düsseldorf",
    )

    [vevent] = vevents(client.get("/termine/termin.ics"))

    assert str(vevent["LOCATION"]) == (
        "Landtag NRW, Plenarsaal, Platz des Landtags 1, 40221 Düsseldorf"
    )


def test_summary_is_title_and_url_is_absolute(client):
    make_event(title="Bürgersprechstunde: Kohle & KI", slug="buergersprechstunde")

    [vevent] = vevents(client.get("/termine/kalender.ics"))

    assert str(vevent["SUMMARY"]) == "Bürgersprechstunde: Kohle & KI"
    assert str(vevent["URL"]) == f"{SITE}/termine/buergersprechstunde/"


def test_cancelled_event_stays_in_calendar_marked_cancelled(client, now):
    make_event(title="Findet statt", starts_at=now + datetime.timedelta(days=1))
    make_event(title="Abgesagt", starts_at=now + datetime.timedelta(days=2), cancelled=True)

    statuses = {
        str(vevent["SUMMARY"]): str(vevent["STATUS"])
        for vevent in vevents(client.get("/termine/kalender.ics"))
    }

    assert statuses == {"Findet statt": "CONFIRMED", "Abgesagt": "CANCELLED"}


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "dtstart", "dtend"),
    [
        # Local midnight is 23:00 UTC the day before: the date must be Berlin's.
        (
            berlin(2025, 3, 10, 0, 0),
            berlin(2025, 3, 10, 23, 59),
            datetime.date(2025, 3, 10),
            datetime.date(2025, 3, 11),
        ),
        (
            berlin(2025, 3, 10, 9, 0),
            berlin(2025, 3, 12, 18, 0),
            datetime.date(2025, 3, 10),
            datetime.date(2025, 3, 13),
        ),
    ],
    ids=["one-day", "three-days"],
)
def test_all_day_event_has_dates_with_exclusive_end(client, starts_at, ends_at, dtstart, dtend):
    make_event(slug="ganztags", all_day=True, starts_at=starts_at, ends_at=ends_at)

    response = client.get("/termine/ganztags.ics")

    [vevent] = vevents(response)
    assert type(vevent["DTSTART"].dt) is datetime.date
    assert type(vevent["DTEND"].dt) is datetime.date
    assert (vevent["DTSTART"].dt, vevent["DTEND"].dt) == (dtstart, dtend)
    assert f"DTSTART;VALUE=DATE:{dtstart:%Y%m%d}\r\n".encode() in response.content
    assert f"DTEND;VALUE=DATE:{dtend:%Y%m%d}\r\n".encode() in response.content


def test_demo_event_ics_has_every_field(client, profile):
    event = make_event(
        title="Von der Kohle zur KI",
        slug="von-der-kohle-zur-ki",
        starts_at=berlin(2025, 2, 13, 10, 0),
        ends_at=berlin(2025, 2, 13, 17, 0),
        venue_name="Vertretung des Landes Nordrhein-Westfalen beim Bund",
        venue_address="Hiroshimastraße 12-16\n10785 Berlin",
        description="<p>Zukunftskonferenz zum <strong>Strukturwandel</strong> im Rheinischen"
        " Revier.</p>",
    )
    make_event(title="Anderer Termin")

    response = client.get("/termine/von-der-kohle-zur-ki.ics")

    calendar = parse(response)
    assert response["Content-Disposition"] == 'inline; filename="von-der-kohle-zur-ki.ics"'
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]).startswith("-//")
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Von der Kohle zur KI"
    assert b"DTSTART;TZID=Europe/Berlin:20250213T100000\r\n" in response.content
    assert b"DTEND;TZID=Europe/Berlin:20250213T170000\r\n" in response.content
    assert vevent["DTSTART"].dt == datetime.datetime(2025, 2, 13, 9, 0, tzinfo=datetime.UTC)
    assert vevent["DTEND"].dt == datetime.datetime(2025, 2, 13, 16, 0, tzinfo=datetime.UTC)
    assert str(vevent["LOCATION"]) == (
        "Vertretung des Landes Nordrhein-Westfalen beim Bund, Hiroshimastraße 12-16, 10785 Berlin"
    )
    assert str(vevent["DESCRIPTION"]) == (
        "Zukunftskonferenz zum Strukturwandel im Rheinischen Revier."
    )
    assert str(vevent["URL"]) == f"{SITE}/termine/von-der-kohle-zur-ki/"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["UID"]).endswith("@www.example.org")
    [in_subscription] = [
        v for v in vevents(client.get("/termine/kalender.ics")) if v["SUMMARY"] == event.title
    ]
    assert in_subscription["UID"] == vevent["UID"]
    assert vevent["DTSTAMP"].dt.utcoffset() == datetime.timedelta(0)


# Query counts


def test_calendar_queries_do_not_grow_with_events(client, profile, django_assert_max_num_queries):
    """Calendar apps poll the subscription often: its query count must not grow with events."""
    for _ in range(10):
        make_event()
    with_10 = count_queries(client, "/termine/kalender.ics")
    for _ in range(40):
        make_event()
    with_50 = count_queries(client, "/termine/kalender.ics")

    assert with_10 == with_50
    with django_assert_max_num_queries(2):
        assert len(vevents(client.get("/termine/kalender.ics"))) == 50


def test_subscription_is_what_icalendar_renders_for_the_whole_calendar(client, profile):
    from events.calendar import calendar_for

    events = [make_event(), make_event(cancelled=True), make_event(description="<p>Lang " * 40)]
    client.get("/termine/kalender.ics")  # renders and keeps every event's VEVENT

    served = client.get("/termine/kalender.ics").content

    expected = calendar_for(events, f"Termine – {profile.full_name}").to_ical()
    assert served == expected


def test_subscription_renders_only_the_edited_event_again(client, monkeypatch):
    from events import calendar

    events = [make_event(title=f"Termin {n}") for n in range(5)]
    rendered = []
    real = calendar.vevent_for
    monkeypatch.setattr(
        calendar, "vevent_for", lambda event: rendered.append(event.pk) or real(event)
    )
    client.get("/termine/kalender.ics")
    first = list(rendered)
    events[2].title = "Verlegt"
    events[2].save()
    rendered.clear()

    response = client.get("/termine/kalender.ics")

    assert sorted(first) == sorted(event.pk for event in events)
    assert rendered == [events[2].pk]
    assert "Verlegt" in summaries(response)
