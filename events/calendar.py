"""iCalendar (RFC 5545) for events: one file per event and a subscription of all."""

import contextlib
import datetime
import re
from typing import NamedTuple
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from events.models import Event
from office.publishing import last_change
from office.publishing.cache import CACHE_ERRORS, breaker
from office.publishing.revisions import html_to_text
from office.site.links import absolute_url

PRODID = "-//Plenum//Termine//DE"
# Fragments of an event that is not edited for a day are rendered again: cheap, and
# entries of deleted events go away.
VEVENT_TIMEOUT = 24 * 60 * 60
END = b"END:VCALENDAR\r\n"


# Control characters that str.split() does not take for whitespace: RFC 5545 allows
# none in TEXT, and the C1 ones mean nothing to a reader.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def ical_text(text: str, separator: str = " ") -> str:
    """Return text fit for a calendar: no control characters, its lines joined by separator.

    Every text of a calendar goes through here. icalendar escapes CR and LF only in
    the properties it knows as TEXT and writes other characters as they are, so a
    client that breaks lines at any of them (U+2028, NEL, ...) would read the rest
    of a value as properties of their own. A "\n" separator is written escaped.
    """
    lines = (" ".join(CONTROL_CHARACTERS.sub("", line).split()) for line in text.splitlines())
    return separator.join(line for line in lines if line)


def event_uid(event) -> str:
    # The primary key, not the slug: an edited slug must not duplicate the
    # event in subscribers' calendars.
    return f"termin-{event.pk}@{urlsplit(settings.SITE_URL).hostname}"


def vevent_for(event) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    # RFC 5545 lets DTSTAMP be the file's creation time under METHOD:PUBLISH;
    # the last change instead keeps the file identical between polls.
    vevent.add("dtstamp", event.modified_at)
    vevent.add("last-modified", event.modified_at)
    vevent.add("summary", ical_text(event.title))
    if event.all_day:
        # DTEND of an all-day event is exclusive: the day after the last day.
        vevent.add("dtstart", event.local_start_date)
        vevent.add("dtend", event.local_end_date + datetime.timedelta(days=1))
    else:
        vevent.add("dtstart", timezone.localtime(event.starts_at))
        vevent.add("dtend", timezone.localtime(event.ends_at))
    vevent.add("location", ical_text(f"{event.venue_name}\n{event.venue_address}", ", "))
    if description := ical_text(html_to_text(event.description), "\n"):
        vevent.add("description", description)
    vevent.add("url", absolute_url(event.get_absolute_url()))
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    return vevent


# An empty calendar's VTIMEZONE may cover any year; this year's would change the
# body at New Year, with no change of content for its Last-Modified.
EMPTY_CALENDAR_YEAR = 2026


def calendar_years(events) -> tuple[int, int]:
    """Return the first and last year the events touch, in local time."""
    if not events:
        return EMPTY_CALENDAR_YEAR, EMPTY_CALENDAR_YEAR
    # Localized once, not per event: the earliest instant has the earliest local date.
    first = timezone.localdate(min(event.starts_at for event in events))
    last = timezone.localdate(max(event.ends_at for event in events))
    return first.year, last.year


def calendar_frame(name: str, zone: str, first_year: int, last_year: int) -> icalendar.Calendar:
    """Return the calendar's properties and VTIMEZONE, without the events."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # Not escaped, as icalendar's own calendar_name writes it: clients show it raw.
    calendar.add("x-wr-calname", ical_text(name))
    calendar.add("x-wr-timezone", zone)
    # The VTIMEZONE comes first and covers only the years the events need.
    # An empty calendar gets it too: RFC 5545 wants one component at least.
    calendar.add_component(
        icalendar.Timezone.from_tzid(
            zone,
            first_date=datetime.date(first_year, 1, 1),
            last_date=datetime.date(last_year, 12, 31),
        )
    )
    return calendar


def calendar_for(events, name: str) -> icalendar.Calendar:
    calendar = calendar_frame(name, settings.TIME_ZONE, *calendar_years(events))
    for event in events:
        calendar.add_component(vevent_for(event))
    return calendar


def subscription_frame(name: str, zone: str, first_year: int, last_year: int) -> bytes:
    return calendar_frame(name, zone, first_year, last_year).to_ical().removesuffix(END)


# Part of every fragment's key: a changed vevent_for() must not meet old fragments in Redis.
VEVENT_FORMAT = 2


class SubscribedEvent(NamedTuple):
    """What a subscription reads of every event: enough to name its fragment and
    to date the calendar. The rest is read only for events whose fragment is missing."""

    pk: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    modified_at: datetime.datetime


def subscribed_events() -> list[SubscribedEvent]:
    """Return every published event as a SubscribedEvent, in the calendar's order."""
    # Tuples, not model instances: the calendar lists every published event.
    rows = (
        Event.objects.published()
        .order_by("starts_at", "pk")
        .values_list("pk", "starts_at", "ends_at", "publish_at", "updated_at")
    )
    return [
        SubscribedEvent(pk, starts_at, ends_at, last_change(publish_at, updated_at))
        for pk, starts_at, ends_at, publish_at, updated_at in rows
    ]


def subscription_ical(events, name: str) -> bytes:
    """Return the calendar of many events, each VEVENT rendered once per change of its event.

    icalendar is slow per event, and a calendar of hundreds of events would be
    rendered whole after every edit anywhere on the site; this way only an
    edited event is rendered again. `events` are subscribed_events().
    """
    prefix = f"plenum:vevent:{VEVENT_FORMAT}:{settings.SITE_URL}"
    keys = [f"{prefix}:{event.pk}:{event.modified_at.timestamp()}" for event in events]
    try:
        with breaker.guard():
            rendered = cache.get_many(keys)
    except CACHE_ERRORS:
        rendered = {}
    unrendered = {
        key: event.pk for key, event in zip(keys, events, strict=True) if key not in rendered
    }
    full = Event.objects.in_bulk(unrendered.values())
    missing = {key: vevent_for(full[pk]).to_ical() for key, pk in unrendered.items()}
    # Without a cache, every request renders every event: slower, still correct.
    with contextlib.suppress(*CACHE_ERRORS), breaker.guard():
        cache.set_many(missing, VEVENT_TIMEOUT)
    rendered |= missing
    frame = subscription_frame(name, settings.TIME_ZONE, *calendar_years(events))
    return frame + b"".join(rendered[key] for key in keys) + END
