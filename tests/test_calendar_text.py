"""Hostile text entered in the admin reaches both calendars as text, never as properties.

Line breaks of every kind and control characters are posted into every text field
of an event and into the MdL's name, then both .ics files are read as a calendar
app reads them and as raw RFC 5545 content lines.
"""

import collections
import re

import icalendar
import pytest

from tests.kit.factories import change_url, make_event
from tests.kit.pages import admin_form

pytestmark = pytest.mark.django_db

SITE = "https://www.example.org"

LINE_BREAKS = {
    "crlf": "\r\n",
    "lf": "\n",
    "cr": "\r",
    "line-separator": "\u2028",
    "paragraph-separator": "\u2029",
    "nel": "\x85",
}
# The admin refuses NUL outright (tested below); every other kind is entered.
CONTROLS = "\x01\x07\x08\x0b\x0c\x0e\x1b\x1f\x7f\x80\x9f"
INJECTED = [
    "ATTENDEE;RSVP=TRUE:mailto:a@example.org",
    "ORGANIZER:mailto:a@example.org",
    "URL:https://evil.example/",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "SUMMARY:Eingeschleust",
    "END:VCALENDAR",
]
CALENDARS = ["/termine/kalender.ics", "/termine/angriff.ics"]


def hostile(word, line_break):
    """Return a text whose every line would be a property if it reached the file raw."""
    return line_break.join([f"{word}{CONTROLS}ende", *INJECTED])


def sanitised(word, separator):
    """Return what hostile() must read as in a calendar app: no controls, lines joined."""
    return separator.join([f"{word}ende", *INJECTED])


def post_hostile_event(client, line_break):
    add = "/admin/events/event/add/"
    data = admin_form(client, add) | {
        "title": hostile("Titel", line_break),
        "slug": "angriff",
        "description": (
            f"<p>{hostile('Absatz', line_break)}</p><p>Zweiter<br>Teil &amp; Schluss</p>"
        ),
        "starts_at_0": "13.02.2099",
        "starts_at_1": "10:00:00",
        "ends_at_0": "13.02.2099",
        "ends_at_1": "17:00:00",
        "venue_name": hostile("Ort", line_break),
        "venue_address": hostile("Straße", line_break),
        "organizer": hostile("Veranstalter", line_break),
        "_decision": "approve",
    }
    response = client.post(add, data)
    assert response.status_code == 302, response.content.decode()


def post_hostile_profile_name(client, profile, line_break):
    url = change_url(profile)
    data = admin_form(client, url) | {"name": hostile("Abgeordnete", line_break)}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()


def content_lines(body):
    """Return the raw lines of a body, asserting RFC 5545's CRLF endings and 75-octet limit."""
    assert body.endswith(b"\r\n")
    lines = body.removesuffix(b"\r\n").split(b"\r\n")
    assert [line for line in lines if b"\r" in line or b"\n" in line] == []
    assert [line for line in lines if len(line) > 75] == []
    return [line.decode() for line in lines]


def property_names(lines):
    """Return the name of every content line that is not a folded continuation."""
    return [
        re.match(r"[A-Za-z0-9-]+", line).group()
        + (f":{line.split(':', 1)[1]}" if line.startswith(("BEGIN:", "END:")) else "")
        for line in lines
        if not line.startswith((" ", "\t"))
    ]


@pytest.fixture
def hostile_site(officer_client, profile):
    def build(line_break):
        make_event(title="Harmlos", slug="harmlos")
        post_hostile_event(officer_client, line_break)
        post_hostile_profile_name(officer_client, profile, line_break)

    return build


@pytest.mark.parametrize("line_break", LINE_BREAKS.values(), ids=LINE_BREAKS.keys())
def test_hostile_event_fields_are_text_in_both_calendars(client, hostile_site, line_break):
    hostile_site(line_break)

    responses = {path: client.get(path) for path in CALENDARS}

    for path, response in responses.items():
        assert response.status_code == 200, path
        calendar = icalendar.Calendar.from_ical(response.content)
        hostile_vevents = [v for v in calendar.walk("VEVENT") if v["URL"].endswith("/angriff/")]
        [vevent] = hostile_vevents
        assert str(vevent["SUMMARY"]) == sanitised("Titel", " ")
        assert str(vevent["LOCATION"]) == f"{sanitised('Ort', ', ')}, {sanitised('Straße', ', ')}"
        assert str(vevent["DESCRIPTION"]) == (
            f"{sanitised('Absatz', chr(10))}\nZweiter\nTeil & Schluss"
        )
        assert str(vevent["URL"]) == f"{SITE}/termine/angriff/"
    single = icalendar.Calendar.from_ical(responses["/termine/angriff.ics"].content)
    subscription = icalendar.Calendar.from_ical(responses["/termine/kalender.ics"].content)
    assert [str(v["SUMMARY"]) for v in subscription.walk("VEVENT")] == [
        "Harmlos",
        sanitised("Titel", " "),
    ]
    assert str(subscription["X-WR-CALNAME"]) == f"Termine – {sanitised('Abgeordnete', ' ')} MdL"
    assert str(single["X-WR-CALNAME"]) == sanitised("Titel", " ")


@pytest.mark.parametrize("line_break", LINE_BREAKS.values(), ids=LINE_BREAKS.keys())
def test_hostile_event_fields_add_no_content_lines(client, hostile_site, line_break):
    hostile_site(line_break)

    bodies = {path: client.get(path).content for path in CALENDARS}

    for path, body in bodies.items():
        events = 2 if path == "/termine/kalender.ics" else 1
        names = collections.Counter(property_names(content_lines(body)))
        assert names["BEGIN:VCALENDAR"] == names["END:VCALENDAR"] == 1, path
        assert names["BEGIN:VEVENT"] == names["END:VEVENT"] == events, path
        assert names["URL"] == names["SUMMARY"] == names["UID"] == events, path
        assert (names["ATTENDEE"], names["ORGANIZER"]) == (0, 0), path
        assert set(names) <= {
            *("BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT"),
            *("BEGIN:VTIMEZONE", "END:VTIMEZONE", "BEGIN:STANDARD", "END:STANDARD"),
            *("BEGIN:DAYLIGHT", "END:DAYLIGHT", "TZID", "DTSTART", "TZNAME", "TZOFFSETFROM"),
            *("TZOFFSETTO", "RDATE", "RRULE", "COMMENT", "PRODID", "VERSION", "CALSCALE", "METHOD"),
            *("X-WR-CALNAME", "X-WR-TIMEZONE", "UID", "DTSTAMP", "LAST-MODIFIED", "SUMMARY"),
            *("DTEND", "LOCATION", "DESCRIPTION", "URL", "STATUS"),
        }, path
        assert body.endswith(b"END:VCALENDAR\r\n")
        unsafe = re.findall(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", body.decode().replace("\r\n", ""))
        assert unsafe == [], path


def test_long_text_is_folded_between_characters_not_inside_them(client, profile):
    make_event(title="Ü" * 150, slug="lang", description="<p>" + "ß€ " * 100 + "</p>")

    for path in ["/termine/lang.ics", "/termine/kalender.ics"]:
        body = client.get(path).content

        content_lines(body)
        [vevent] = icalendar.Calendar.from_ical(body).walk("VEVENT")
        assert str(vevent["SUMMARY"]) == "Ü" * 150
        assert str(vevent["DESCRIPTION"]) == " ".join(["ß€"] * 100)


@pytest.mark.parametrize("field", ["title", "venue_name", "organizer"])
def test_nul_in_an_event_field_is_refused_in_german(officer_client, field):
    add = "/admin/events/event/add/"
    data = admin_form(officer_client, add) | {
        "title": "Termin",
        "slug": "termin",
        "starts_at_0": "13.02.2099",
        "starts_at_1": "10:00:00",
        "ends_at_0": "13.02.2099",
        "ends_at_1": "17:00:00",
        "venue_name": "Landtag",
    }
    data[field] = f"{data[field]}\x00ATTENDEE:mailto:angriff@example.org"

    response = officer_client.post(add, data)

    assert response.status_code == 200
    assert "Nullzeichen sind nicht erlaubt." in response.content.decode()


def test_description_keeps_paragraphs_and_words_of_the_rich_text(client):
    make_event(
        slug="termin",
        description="<h2>Ablauf</h2><p><strong>Struktur</strong>wandel &amp; <em>KI</em>"
        "<br>im Revier</p><ul><li>Grußwort</li><li>Podium</li></ul>"
        "<table><tr><td>10 Uhr</td><td>Beginn</td></tr></table>",
    )

    [vevent] = icalendar.Calendar.from_ical(client.get("/termine/termin.ics").content).walk(
        "VEVENT"
    )

    assert str(vevent["DESCRIPTION"]) == (
        "Ablauf\nStrukturwandel & KI\nim Revier\nGrußwort\nPodium\n10 Uhr Beginn"
    )
