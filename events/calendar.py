"""iCalendar (RFC 5545) for events: one file per event and a subscription of all."""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags

from office.links import absolute_url

PRODID = "-//Plenum//Termine//DE"


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
    vevent.add("summary", event.title)
    if event.all_day:
        # DTEND of an all-day event is exclusive: the day after the last day.
        vevent.add("dtstart", event.local_start_date)
        vevent.add("dtend", event.local_end_date + datetime.timedelta(days=1))
    else:
        vevent.add("dtstart", timezone.localtime(event.starts_at))
        vevent.add("dtend", timezone.localtime(event.ends_at))
    location = ", ".join([event.venue_name, *event.venue_address.splitlines()])
    vevent.add("location", location)
    if description := " ".join(strip_tags(event.description).split()):
        vevent.add("description", description)
    vevent.add("url", absolute_url(event.get_absolute_url()))
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    return vevent


def calendar_for(events, name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # The VTIMEZONE comes first and covers only the years the events need.
    # An empty calendar gets it too: RFC 5545 wants one component at least.
    today = timezone.localdate()
    first = min((event.local_start_date for event in events), default=today)
    last = max((event.local_end_date for event in events), default=today)
    calendar.add_component(
        icalendar.Timezone.from_tzid(
            settings.TIME_ZONE,
            first_date=first.replace(month=1, day=1),
            last_date=last.replace(month=12, day=31),
        )
    )
    for event in events:
        calendar.add_component(vevent_for(event))
    return calendar
