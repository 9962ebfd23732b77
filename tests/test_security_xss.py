"""Hostile content stored through the admin stays inert on every public surface and feed.

Extends the sanitizer's vectors (tests/test_sanitizer.py) past a hundred, posts
them the way a compromised or careless editor account would, and reads every
page and feed a reader or a feed reader gets. A real browser runs a sample in
tests/test_security_browser.py.
"""

import hashlib
import io
import json
import re
from html.parser import HTMLParser

import feedparser
import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from feedparser import FeedParserDict
from PIL import Image as PILImage

from events.models import Event
from office.models import Image, LegalPage, Person, Profile, Quote, Statistic
from releases.models import Category, Release, Topic
from tests.kit.factories import make_profile, make_release
from tests.kit.pages import admin_form, release_form_data
from tests.kit.xss import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    GLOBAL_ATTRIBUTES,
    VECTORS,
    Markup,
    offences,
    script_url,
)

pytestmark = pytest.mark.django_db


# Joined, so every surface shows every vector at once, in plain and in rich text.
ALL_AT_ONCE = "".join(VECTORS)
# Control characters break XML feeds (test_control_characters_pasted_into_a_release_...),
# so the plain-text fields of the all-at-once site go without them.
CONTROL_CHARACTERS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
PLAIN_ALL_AT_ONCE = ALL_AT_ONCE.translate(CONTROL_CHARACTERS)
# Plain-text fields get short hostile values that fit their lengths.
SHORT = '"><svg onload=alert(1)><script>alert(1)</script>'


def vector_id(vector):
    return hashlib.sha1(vector.encode()).hexdigest()[:8] + "-" + vector[:30]


class Page(HTMLParser):
    """Every element of a page, marked as inside or outside rich text (<div class="prose">)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.depth = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and self.depth:
            self.depth += 1
        elif tag == "div" and "prose" in (attrs.get("class") or "").split():
            self.depth = 1
            self.elements.append((tag, attrs, False))
            return
        self.elements.append((tag, attrs, self.depth > 0))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), self.depth > 0))

    def handle_endtag(self, tag):
        if tag == "div" and self.depth:
            self.depth -= 1

    @property
    def prose(self):
        return [(tag, attrs) for tag, attrs, inside in self.elements if inside]

    @property
    def structure(self):
        """Return the template's own elements: tags and attribute names outside rich text."""
        return [(tag, sorted(attrs)) for tag, attrs, inside in self.elements if not inside]

    @property
    def active(self):
        return [
            (tag, name, value)
            for tag, attrs, _ in self.elements
            for name, value in attrs.items()
            if name.startswith("on") or script_url(value)
        ]


def assert_inert_page(html, baseline_html):
    page, baseline = Page(html), Page(baseline_html)

    assert page.active == []
    assert offences(page.prose) == []
    assert [attrs for _, attrs in page.prose if "style" in attrs] == []
    # Not one element or attribute more than the same page with harmless text.
    assert page.structure == baseline.structure


def feed_offences(html, baseline_html):
    """Return what the allowlist or the feed template's own markup does not explain."""
    allowed = {tag: ALLOWED_ATTRIBUTES.get(tag, set()) | GLOBAL_ATTRIBUTES for tag in ALLOWED_TAGS}
    for tag, attrs in Markup(baseline_html).elements:
        allowed.setdefault(tag, set(GLOBAL_ATTRIBUTES)).update(attrs)
    found = []
    for tag, attrs in Markup(html).elements:
        if tag not in allowed:
            found.append(f"<{tag}>")
            continue
        found += [f"<{tag} {name}>" for name in attrs if name not in allowed[tag]]
        found += [f"<{tag} {name}={value!r}>" for name, value in attrs.items() if script_url(value)]
    return found


def entry_html(entry):
    """Return the HTML a feed reader renders for an entry: content, else the summary."""
    if entry.get("content"):
        return "".join(part.value for part in entry.content)
    return entry.get("summary", "")


def read_any_feed(response):
    """Parse RSS and Atom as a feed reader does (no sanitizing); JSON Feed into the same shape."""
    if not response["Content-Type"].startswith("application/feed+json"):
        return feedparser.parse(response.content, sanitize_html=False)
    items = json.loads(response.content)["items"]
    return FeedParserDict(
        entries=[
            FeedParserDict(
                link=item["url"],
                title=item["title"],
                summary=item.get("summary", ""),
                content=[FeedParserDict(value=item["content_html"])],
            )
            for item in items
        ]
    )


# One vector at a time, posted in the admin's release form.


def post_release(client, category, body, slug, lead="Vorspann"):
    data = release_form_data(category, body, slug) | {"lead": lead}
    return client.post("/admin/releases/release/add/", data)


def test_there_are_more_than_a_hundred_distinct_vectors():
    assert len(set(VECTORS)) == len(VECTORS) >= 100


@pytest.mark.parametrize("vector", VECTORS, ids=vector_id)
def test_vector_posted_in_the_admin_is_inert_on_its_page_and_in_every_feed(
    vector, officer_client, client, category
):
    make_release(category=category, slug="harmlos", body="<p>Anfang</p><p>Text</p>")
    response = post_release(officer_client, category, f"<p>Anfang</p>{vector}", "angriff")
    assert response.status_code == 302

    page = client.get("/pressemitteilungen/angriff/")
    baseline = client.get("/pressemitteilungen/harmlos/")
    feeds = [
        read_any_feed(client.get(url))
        for url in (
            "/pressemitteilungen/feed/",
            "/pressemitteilungen/atom/",
            "/pressemitteilungen/feed.json",
        )
    ]

    assert (page.status_code, baseline.status_code) == (200, 200)
    assert_inert_page(page.content.decode(), baseline.content.decode())
    for feed in feeds:
        by_link = {entry.link.rsplit("/", 2)[-2]: entry_html(entry) for entry in feed.entries}
        assert sorted(by_link) == ["angriff", "harmlos"]
        assert feed_offences(by_link["angriff"], by_link["harmlos"]) == []
        assert "<script" not in by_link["angriff"].lower()


# Every vector at once, in every field, on every surface.

PAGES = [
    "/",
    "/feeds/",
    "/pressemitteilungen/",
    # Approving publishes now: the releases posted here are this year's.
    f"/pressemitteilungen/{timezone.localdate().year}/",
    "/pressemitteilungen/kategorie/sicherheit/",
    "/pressemitteilungen/thema/angriff/",
    "/pressemitteilungen/angriff/",
    "/suche/?q=Angriff",
    "/termine/",
    "/termine/angriff/",
    "/zitate/",
    "/zahlen/",
    "/ueber-mich/",
    "/impressum/",
    "/datenschutz/",
    "/barrierefreiheit/",
    "/pressemitteilungen/gibt-es-nicht/",
]
FEEDS = [
    "/pressemitteilungen/feed/",
    "/pressemitteilungen/atom/",
    "/pressemitteilungen/feed.json",
    "/pressemitteilungen/kategorie/sicherheit/feed/",
    "/pressemitteilungen/thema/angriff/feed/",
    "/termine/feed/",
]
CALENDARS = ["/termine/kalender.ics", "/termine/angriff.ics"]


def defang(text):
    """Return the text without every character that could start markup or end an attribute."""
    return text.translate(str.maketrans("", "", "<>&\"'")).translate(CONTROL_CHARACTERS)


def jpeg():
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), (11, 79, 138)).save(buffer, format="JPEG")
    return buffer.getvalue()


def build_site(officer_client, text):
    """Fill every public field with text(...) of the hostile strings; rich text via the admin."""
    category = Category.objects.create(name=text(SHORT), slug="sicherheit")
    topic = Topic.objects.create(name=text(SHORT), slug="angriff")
    image = Image.objects.create(
        file=SimpleUploadedFile("foto.jpg", jpeg(), "image/jpeg"),
        alt_text=text(SHORT),
        caption=text(SHORT),
        credit=text(SHORT),
    )
    person = Person.objects.create(name=text(SHORT), role=text(SHORT))
    Quote.objects.create(
        text=text(PLAIN_ALL_AT_ONCE), person=person, context=text(SHORT), said_on="2025-02-13"
    )
    Statistic.objects.create(
        value=57,
        unit=text(SHORT),
        label=text(SHORT),
        source_name=text(SHORT),
        source_title=text(SHORT),
    )
    make_profile(name=text(SHORT), role=text(SHORT), constituency=text(SHORT), portrait=image)
    for slug in LegalPage.Slug:
        LegalPage.objects.create(slug=slug, body=text(ALL_AT_ONCE))

    data = release_form_data(category, text(ALL_AT_ONCE), "angriff") | {
        "title": f"Angriff {text(SHORT)}",
        "lead": text(PLAIN_ALL_AT_ONCE),
        "topics": [str(topic.pk)],
        "hero_image": str(image.pk),
    }
    assert officer_client.post("/admin/releases/release/add/", data).status_code == 302

    add = "/admin/events/event/add/"
    data = admin_form(officer_client, add) | {
        "title": f"Angriff {text(SHORT)}",
        "slug": "angriff",
        "description": text(ALL_AT_ONCE),
        "starts_at_0": "13.02.2099",
        "starts_at_1": "10:00:00",
        "ends_at_0": "13.02.2099",
        "ends_at_1": "17:00:00",
        "venue_name": text(SHORT),
        "venue_address": text(SHORT),
        "_decision": "approve",
    }
    assert officer_client.post(add, data).status_code == 302
    release = Release.objects.get(slug="angriff")
    release.events.add(Event.objects.get(slug="angriff"))


def snapshot(client):
    pages = {path: client.get(path) for path in PAGES}
    feeds = {path: read_any_feed(client.get(path)) for path in FEEDS}
    return pages, feeds


def test_every_vector_in_every_field_leaves_every_surface_as_harmless_text_would(
    officer_client, client
):
    build_site(officer_client, defang)
    baseline_pages, baseline_feeds = snapshot(client)
    for model in (Release, Event, Quote, Statistic, Person, Profile, LegalPage, Category, Topic):
        model.objects.all().delete()
    Image.objects.all().delete()

    build_site(officer_client, lambda text: text)
    pages, feeds = snapshot(client)

    assert {path: response.status_code for path, response in pages.items()} == {
        path: 404 if "gibt-es-nicht" in path else 200 for path in PAGES
    }
    for path in PAGES:
        assert_inert_page(pages[path].content.decode(), baseline_pages[path].content.decode())
    for path in FEEDS:
        assert len(feeds[path].entries) == len(baseline_feeds[path].entries) == 1, path
        html = entry_html(feeds[path].entries[0])
        assert feed_offences(html, entry_html(baseline_feeds[path].entries[0])) == [], path
        assert feeds[path].entries[0].title.endswith(SHORT), path


def test_hostile_titles_reach_calendars_as_text(officer_client, client):
    build_site(officer_client, lambda text: text)

    responses = [client.get(path) for path in CALENDARS]

    for response in responses:
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert response["X-Content-Type-Options"] == "nosniff"
        (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
        assert str(event["SUMMARY"]) == f"Angriff {SHORT}"
        assert "<script" not in str(event.get("DESCRIPTION", "")).lower()


def test_feed_summary_carries_the_lead_as_text_not_as_markup(client, category):
    """Escape the plain-text lead: RSS description and Atom summary are HTML to feed readers."""
    make_release(category=category, lead="Fakten <script>alert(1)</script> & <b>Meinung</b>")

    feeds = [
        read_any_feed(client.get(url))
        for url in ("/pressemitteilungen/feed/", "/pressemitteilungen/atom/")
    ]

    for feed in feeds:
        (entry,) = feed.entries
        assert entry.summary_detail.type == "text/html"
        assert Markup(entry.summary).elements == []
        assert Markup(entry.summary).text == ["Fakten <script>alert(1)</script> & <b>Meinung</b>"]


def test_template_syntax_in_content_is_shown_not_evaluated(client, category):
    make_release(
        category=category,
        slug="vorlage",
        lead="{{ request.META }} {% debug %}",
        body="<p>{{ profile.office_email }} {% now 'Y' %}</p>",
    )

    body = client.get("/pressemitteilungen/vorlage/").content.decode()

    assert "{{ request.META }} {% debug %}" in body
    assert "<p>{{ profile.office_email }} {% now &#x27;Y&#x27; %}</p>" in body or (
        "<p>{{ profile.office_email }} {% now 'Y' %}</p>" in body
    )
    assert "HTTP_COOKIE" not in body
    assert "SERVER_NAME" not in body


def test_search_marks_the_query_in_hostile_titles_quotes_and_figures_as_text(client, category):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    release = make_release(category=category, title=f"{hostile} Kohle", body="<p>Text</p>")
    release.quotes.add(Quote.objects.create(text=f"{hostile} Kohle", said_on="2025-02-13"))
    release.statistics.add(Statistic.objects.create(label=f"{hostile} Kohle", source_name="IW"))

    body = client.get("/suche/", {"q": "Kohle"}).content.decode()

    shown = (
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; <mark>Kohle</mark>"
    )
    assert re.findall(r'class="teaser__title"><a href="[^"]*">(.*?)</a>', body) == [shown]
    assert re.findall(r'<blockquote class="quote__text"><p>„(.*?)“</p>', body) == [shown]
    assert re.findall(r'<p class="figure__label">(.*?)</p>', body) == [shown]
    assert [tag for tag, _ in Markup(body).elements if tag in {"script", "img"}] == []


@pytest.mark.parametrize("field", ["source_url"])
@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)"],
)
def test_source_links_with_script_schemes_are_refused_in_the_admin(officer_client, field, url):
    add = "/admin/office/statistic/add/"
    data = admin_form(officer_client, add) | {
        "label": "Anteil",
        "source_name": "Institut",
        field: url,
    }

    response = officer_client.post(add, data)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [field]
    assert list(Statistic.objects.all()) == []


def polyglot_jpeg():
    """Return a valid JPEG whose bytes also carry an HTML page with a script."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), (200, 10, 10)).save(buffer, format="JPEG")
    return buffer.getvalue() + b"<html><body><script>alert(1)</script></body></html>"


def upload(client, name, content):
    add = "/admin/office/image/add/"
    data = admin_form(client, add) | {
        "alt_text": "Polyglott",
        "file": SimpleUploadedFile(name, content, "text/html"),
    }
    return client.post(add, data)


@pytest.mark.parametrize("name", ["seite.html", "grafik.svg", "seite.htm", "bild.jpg.html"])
def test_polyglot_named_as_a_page_or_svg_is_refused(officer_client, name):
    response = upload(officer_client, name, polyglot_jpeg())

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["file"]
    assert list(Image.objects.all()) == []


def test_polyglot_named_jpeg_is_stored_under_a_random_jpeg_name(officer_client):
    response = upload(officer_client, "seite.jpg", polyglot_jpeg())

    assert response.status_code == 302
    image = Image.objects.get()
    directory, _, filename = image.file.name.partition("/")
    assert (directory, filename.endswith(".jpg"), "seite" in filename) == ("bilder", True, False)
    assert image.mime_type == "image/jpeg"


@pytest.mark.parametrize("character", ["\x0b", "\x0c"], ids=["vertical-tab", "form-feed"])
def test_control_characters_pasted_into_a_release_do_not_break_its_feeds(
    officer_client, client, category, character
):
    """A form feed pasted from a word processor must not take the feed down for every subscriber."""
    data = release_form_data(
        category, f"<p>Text{character}mit Steuerzeichen</p>", "steuerzeichen"
    ) | {
        "title": f"Titel{character}mit Steuerzeichen",
        "lead": f"Vorspann{character}mit Steuerzeichen",
    }
    officer_client.post("/admin/releases/release/add/", data)

    responses = [
        client.get(url) for url in ("/pressemitteilungen/feed/", "/pressemitteilungen/atom/")
    ]

    assert Release.objects.filter(slug="steuerzeichen").exists()
    assert [response.status_code for response in responses] == [200, 200]
    assert [[entry.link for entry in read_any_feed(r).entries] for r in responses] == [
        ["https://www.example.org/pressemitteilungen/steuerzeichen/"]
    ] * 2
