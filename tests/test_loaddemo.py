"""`manage.py loaddemo` models the seed release in full, safely and repeatably."""

import datetime
import io
from html.parser import HTMLParser

import feedparser
import icalendar
import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from distribution.models import Contact, Delivery, Mailing
from events.models import Event
from office.models import Profile, Quote, Statistic
from releases.models import Release

pytestmark = pytest.mark.django_db

TITLE = "Von der Kohle zur KI: NRW setzt auf Zukunftstechnologien und Innovationen"
EVENT_TITLE = "Zukunftskonferenz „Von der Kohle zur KI“"
IW = "Institut der deutschen Wirtschaft (IW)"


def loaddemo():
    out = io.StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


class Texts(HTMLParser):
    """Collect the text of every element for which match(tag, attrs) is true."""

    def __init__(self, html, match):
        super().__init__(convert_charrefs=True)
        self.match = match
        self.found = []
        self._open = []  # [tag, depth] of elements being collected
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        for entry in self._open:
            if entry[0] == tag:
                entry[1] += 1
        if self.match(tag, dict(attrs)):
            self.found.append("")
            self._open.append([tag, 1, len(self.found) - 1])

    def handle_endtag(self, tag):
        for entry in list(self._open):
            if entry[0] == tag:
                entry[1] -= 1
                if entry[1] == 0:
                    self._open.remove(entry)
                    index = entry[2]
                    self.found[index] = " ".join(self.found[index].split())

    def handle_data(self, data):
        for _, _, index in self._open:
            self.found[index] += data


def texts(response, css_class):
    return Texts(
        response.content.decode(),
        lambda tag, attrs: css_class in (attrs.get("class") or "").split(),
    ).found


# What the seed becomes


def test_loaddemo_creates_the_seed_release_published_in_its_category():
    loaddemo()

    release = Release.objects.get()

    assert release.title == TITLE
    assert release.category.name == "Aus der Landesregierung"
    assert release.status == Release.Status.PUBLISHED
    assert list(Release.objects.published()) == [release]
    assert timezone.localtime(release.publish_at).date() == datetime.date(2025, 2, 14)


def test_loaddemo_attaches_the_four_figures_in_order_with_their_source():
    loaddemo()

    links = Release.objects.with_details().get().statistic_links

    assert [link.statistic.display_value for link in links] == [
        "bis zu 67,8 Mrd. Euro",
        "20 Prozent",
        "57 Prozent",
        "",
    ]
    assert [link.statistic.source_name for link in links] == [IW] * 4
    assert links[3].statistic.label.startswith("Weltkonzerne wie Microsoft")
    assert Statistic.objects.count() == 4


def test_loaddemo_attaches_the_mdl_quote_without_a_person():
    loaddemo()

    links = Release.objects.with_details().get().quote_links

    assert [(link.quote.person, link.quote.said_on) for link in links] == [
        (None, datetime.date(2025, 2, 13))
    ]
    assert links[0].quote.text.startswith("Zur Zukunft gehört Künstlichen Intelligenz")
    assert links[0].quote.speaker_name(Profile.load()) == "Daniel Hagemeier MdL"


def test_loaddemo_creates_the_conference_in_berlin_linked_to_the_release():
    loaddemo()

    event = Event.objects.get()

    assert event.title == EVENT_TITLE
    assert event.local_start_date == datetime.date(2025, 2, 13)
    assert event.venue_name == "Vertretung des Landes Nordrhein-Westfalen beim Bund"
    assert event.venue_address.splitlines()[-1].endswith("Berlin")
    assert event.is_published()
    assert list(event.releases.all()) == list(Release.objects.filter(title=TITLE))


def test_loaddemo_creates_the_profile():
    loaddemo()

    assert [profile.full_name for profile in Profile.objects.all()] == ["Daniel Hagemeier MdL"]


def test_loaddemo_body_is_the_seed_text_with_its_three_subheadings():
    loaddemo()

    body = Release.objects.get().body

    assert Texts(body, lambda tag, attrs: tag == "h2").found == [
        "KI als Chance für Wirtschaft und Arbeitsplätze",
        "Internationale Konkurrenz und politische Verantwortung",
        "NRW als führender KI-Standort in Europa",
    ]


# Running it twice


def snapshot():
    """Return every row of every model, without password hashes (they are salted anew)."""
    return {
        model._meta.label: [
            {
                field.attname: getattr(row, field.attname)
                for field in model._meta.concrete_fields
                if field.attname != "password"
            }
            for row in model.objects.order_by("pk")
        ]
        for model in apps.get_models()
    }


def changed_values(before, after):
    return {
        (label, index, name): (value, after[label][index][name])
        for label, rows in before.items()
        for index, row in enumerate(rows[: len(after[label])])
        for name, value in row.items()
        if after[label][index][name] != value
    }


def test_running_loaddemo_twice_changes_nothing(settings):
    settings.DEBUG = True
    first_run = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(first_run, tick=False):
        loaddemo()
        before = snapshot()

    with time_machine.travel(first_run + datetime.timedelta(hours=1), tick=False):
        loaddemo()
        after = snapshot()

    assert {label: len(rows) for label, rows in after.items()} == {
        label: len(rows) for label, rows in before.items()
    }
    # updated_at reaches subscribers as Atom <updated>, iCalendar LAST-MODIFIED
    # and sitemap <lastmod>: a rerun must not announce an edit nobody made.
    assert changed_values(before, after) == {}
    assert Client().login(username="admin", password="plenum-demo")
    assert Client().login(username="redaktion", password="plenum-demo")


def test_running_loaddemo_twice_keeps_one_of_everything(settings):
    settings.DEBUG = True

    loaddemo()
    loaddemo()

    assert [
        Release.objects.count(),
        Event.objects.count(),
        Quote.objects.count(),
        Statistic.objects.count(),
        Profile.objects.count(),
        User.objects.count(),
    ] == [1, 1, 1, 4, 1, 3]


# Demo accounts


def test_loaddemo_without_debug_creates_no_accounts(settings):
    settings.DEBUG = False

    output = loaddemo()

    assert list(User.objects.all()) == []
    assert "plenum-demo" not in output
    assert "Keine Demo-Zugänge angelegt" in output


def test_loaddemo_with_debug_creates_admin_and_one_login_per_role(settings):
    settings.DEBUG = True

    output = loaddemo()

    admin = User.objects.get(username="admin")
    editors = User.objects.filter(username__in=["redaktion", "freigabe"]).order_by("username")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert [
        (user.username, user.is_staff, user.is_superuser, [g.name for g in user.groups.all()])
        for user in editors
    ] == [
        ("freigabe", True, False, ["Freigabe"]),
        ("redaktion", True, False, ["Redaktion"]),
    ]
    assert all(user.check_password("plenum-demo") for user in [admin, *editors])
    assert "admin / plenum-demo" in output
    assert "redaktion / plenum-demo" in output
    assert "freigabe / plenum-demo" in output


@pytest.mark.parametrize("username", ["redaktion", "freigabe"])
def test_demo_editors_edit_releases_but_not_users(settings, username):
    settings.DEBUG = True
    loaddemo()
    client = Client()

    logged_in = client.login(username=username, password="plenum-demo")

    assert logged_in
    assert client.get("/admin/releases/release/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403


# The demo on every public surface


def test_demo_release_is_on_the_home_page(client):
    loaddemo()

    response = client.get("/")

    assert response.status_code == 200
    # The demo's conference is over and nothing is upcoming: it shows as past.
    assert texts(response, "teaser__title") == [TITLE, EVENT_TITLE]
    assert texts(response, "figure__value") == [
        "bis zu 67,8 Mrd. Euro",
        "20 Prozent",
        "57 Prozent",
    ]


def test_demo_release_detail_page_shows_figures_quote_and_event(client):
    loaddemo()

    response = client.get("/pressemitteilungen/von-der-kohle-zur-ki/")

    assert response.status_code == 200
    assert texts(response, "figure__value") == [
        "bis zu 67,8 Mrd. Euro",
        "20 Prozent",
        "57 Prozent",
    ]
    assert texts(response, "figure__source") == [f"Quelle: {IW}"] * 4
    assert texts(response, "quote__source")[0].startswith("Daniel Hagemeier MdL, ")
    assert texts(response, "teaser__title") == [EVENT_TITLE]


def test_demo_release_is_in_the_feed(client):
    loaddemo()

    feed = feedparser.parse(client.get("/pressemitteilungen/feed/").content)

    assert [entry.title for entry in feed.entries] == [TITLE]
    assert (
        feed.entries[0].link == "https://www.example.org/pressemitteilungen/von-der-kohle-zur-ki/"
    )


def test_demo_event_is_in_the_calendar(client):
    loaddemo()

    response = client.get("/termine/kalender.ics")

    calendar = icalendar.Calendar.from_ical(response.content)
    events = [
        (str(vevent["SUMMARY"]), vevent.decoded("DTSTART").date(), str(vevent["LOCATION"]))
        for vevent in calendar.walk("VEVENT")
    ]
    assert events == [
        (
            EVENT_TITLE,
            datetime.date(2025, 2, 13),
            "Vertretung des Landes Nordrhein-Westfalen beim Bund, "
            "Hiroshimastraße 12–16, 10785 Berlin",
        )
    ]


# The Presseverteiler


def test_loaddemo_with_debug_sends_the_demo_release_to_made_up_contacts(settings):
    settings.DEBUG = True

    loaddemo()

    contacts = Contact.objects.order_by("email")
    [mailing] = Mailing.objects.all()
    assert [c.email for c in contacts] == [
        "anna.beispiel@example.org",
        "ben.muster@example.org",
        "clara.probe@example.org",
    ]
    assert {c.status for c in contacts} == {Contact.Status.ACTIVE}
    assert {(c.source, c.legal_basis) for c in contacts} == {
        (Contact.Source.IMPORTED, "Demo-Kontakt (erfunden), Rechtsgrundlage: Demo")
    }
    assert [t.slug for t in contacts[0].topics.order_by("slug")] == [
        "kuenstliche-intelligenz",
        "wirtschaft",
    ]
    assert mailing.release.title == TITLE
    assert mailing.everyone
    assert mailing.created_by.username == "freigabe"
    assert sorted(mailing.deliveries.values_list("contact__email", flat=True)) == [
        c.email for c in contacts
    ]


def test_running_loaddemo_twice_sends_the_demo_release_once(settings):
    settings.DEBUG = True

    loaddemo()
    loaddemo()

    assert [Contact.objects.count(), Mailing.objects.count(), Delivery.objects.count()] == [3, 1, 3]


def test_loaddemo_without_debug_adds_no_contacts_and_sends_nothing(settings):
    settings.DEBUG = False

    loaddemo()

    assert list(Contact.objects.all()) == []
    assert list(Mailing.objects.all()) == []
