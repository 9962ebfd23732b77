"""Rich text is sanitized on every path into the database and out onto the page."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from events.models import Event
from office.media.richtext import RichTextField
from office.models import LegalPage
from releases.models import Release
from tests.kit.factories import make_event, make_profile, make_release
from tests.kit.pages import admin_form, release_form_data
from tests.kit.xss import XSS_VECTORS, Markup, offences, script_url

pytestmark = pytest.mark.django_db


# The event and profile pages use the same sanitizer (every vector is saved
# through all three fields above) and differ only in their template, so a
# sample of vectors that leave markup behind covers their rendering.
RENDER_SAMPLE = [
    vector
    for vector in XSS_VECTORS
    if vector.startswith(("<p ", "<a ", "<strong", "<ol", "<table", "<blockquote", "<noscript"))
]

# Elements the public pages must never carry inside rendered rich text.
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "form",
    "base",
    "meta",
    "link",
    "img",
}

ALLOWED_MARKUP = (
    "<h2>Zwei</h2><h3>Drei</h3><h4>Vier</h4>"
    "<p><strong>fett</strong> <em>kursiv</em><br>neue Zeile</p>"
    "<ul><li>Punkt</li></ul><ol><li>Schritt</li></ol>"
    "<blockquote><p>Ein Zitat</p></blockquote>"
    '<table><tbody><tr><th colspan="2">Kopf</th></tr><tr><td>1</td><td>2</td></tr></tbody></table>'
    '<p><a href="https://www.landtag.nrw.de/">Landtag</a> '
    '<a href="mailto:presse@example.org">Pressestelle</a></p>'
)


def assert_safe_rich_text(html):
    markup = Markup(html)

    assert offences(markup.elements) == []
    assert "<script" not in html.lower()


def assert_safe_page(html):
    prose = Markup(html, only_prose=True)
    page = Markup(html)

    assert prose.prose_found
    assert offences(prose.elements) == []
    assert sorted(set(prose.tags) & FORBIDDEN_TAGS) == []
    assert [attrs for _, attrs in prose.elements if "style" in attrs] == []
    # Nothing anywhere on the page may run script, whatever the template adds.
    assert [
        (tag, name)
        for tag, attrs in page.elements
        for name, value in attrs.items()
        if name.startswith("on") or script_url(value)
    ] == []


def vector_id(vector):
    return vector[:40]


def post_release_form(client, category, body, slug):
    return client.post("/admin/releases/release/add/", release_form_data(category, body, slug))


# Path 1: the ORM, as commands, imports and the shell use it.


@pytest.mark.parametrize("vector", XSS_VECTORS, ids=vector_id)
def test_release_body_is_sanitized_when_saved_through_the_orm(vector, category):
    release = Release.objects.create(title="T", slug="t", lead="L", body=vector, category=category)

    release.refresh_from_db()

    assert_safe_rich_text(release.body)


@pytest.mark.parametrize("vector", XSS_VECTORS, ids=vector_id)
def test_event_description_is_sanitized_when_saved_through_the_orm(vector):
    event = make_event(description=vector)

    event.refresh_from_db()

    assert_safe_rich_text(event.description)


@pytest.mark.parametrize("vector", XSS_VECTORS, ids=vector_id)
def test_profile_biography_is_sanitized_when_saved_through_the_orm(vector):
    profile = make_profile(biography=vector)

    profile.refresh_from_db()

    assert_safe_rich_text(profile.biography)


def test_sanitizer_runs_again_when_an_existing_row_is_changed(category):
    release = make_release(category=category)
    release.body = '<p onclick="alert(1)">Geändert<script>alert(1)</script></p>'

    release.save()
    release.refresh_from_db()

    assert release.body == "<p>Geändert</p>"


def test_control_characters_in_urls_do_not_reach_the_database(category):
    release = make_release(category=category, body='<a href="java\x00script:alert(1)">x</a>')

    release.refresh_from_db()

    assert "\x00" not in release.body
    assert offences(Markup(release.body).elements) == []


# Path 2: the admin, as a press officer posts the editor's HTML.


@pytest.mark.parametrize("vector", XSS_VECTORS, ids=vector_id)
def test_release_body_is_sanitized_when_posted_in_the_admin(vector, officer_client, category):
    response = post_release_form(officer_client, category, vector, "sicherheitstest")

    assert response.status_code == 302
    release = Release.objects.get(slug="sicherheitstest")
    assert_safe_rich_text(release.body)


def test_event_description_is_sanitized_when_posted_in_the_admin(officer_client):
    data = admin_form(officer_client, "/admin/events/event/add/")
    data |= {
        "title": "Termin",
        "slug": "termin",
        "description": "".join(RENDER_SAMPLE),
        "starts_at_0": "13.02.2025",
        "starts_at_1": "10:00:00",
        "ends_at_0": "13.02.2025",
        "ends_at_1": "17:00:00",
        "venue_name": "Berlin",
        "_decision": "approve",
    }

    response = officer_client.post("/admin/events/event/add/", data)

    assert response.status_code == 302
    description = Event.objects.get(slug="termin").description
    assert_safe_rich_text(description)
    assert "Text" in Markup(description).text


def test_profile_biography_is_sanitized_when_posted_in_the_admin(officer_client, profile):
    url = f"/admin/office/profile/{profile.pk}/change/"
    data = admin_form(officer_client, url)
    data["biography"] = "".join(RENDER_SAMPLE)

    response = officer_client.post(url, data)

    assert response.status_code == 302
    profile.refresh_from_db()
    assert_safe_rich_text(profile.biography)
    assert "Text" in Markup(profile.biography).text


# Path 3: what readers' browsers get.


@pytest.mark.parametrize("vector", XSS_VECTORS, ids=vector_id)
def test_release_page_shows_no_active_markup(vector, client, category):
    make_release(category=category, slug="seite", body=f"<p>Anfang</p>{vector}")

    response = client.get("/pressemitteilungen/seite/")

    assert response.status_code == 200
    assert_safe_page(response.content.decode())


@pytest.mark.parametrize("vector", RENDER_SAMPLE, ids=vector_id)
def test_event_page_shows_no_active_markup(vector, client):
    make_event(slug="seite", description=f"<p>Anfang</p>{vector}")

    response = client.get("/termine/seite/")

    assert response.status_code == 200
    assert_safe_page(response.content.decode())


@pytest.mark.parametrize("vector", RENDER_SAMPLE, ids=vector_id)
def test_profile_page_shows_no_active_markup(vector, client):
    make_profile(biography=f"<p>Anfang</p>{vector}")

    response = client.get("/ueber-mich/")

    assert response.status_code == 200
    assert_safe_page(response.content.decode())


@pytest.mark.parametrize("vector", RENDER_SAMPLE, ids=vector_id)
def test_legal_page_shows_no_active_markup(vector, client):
    LegalPage.objects.create(slug=LegalPage.Slug.PRIVACY, body=f"<p>Anfang</p>{vector}")

    response = client.get("/datenschutz/")

    assert response.status_code == 200
    assert_safe_page(response.content.decode())


# What the editor offers survives.


def test_allowed_markup_is_stored_unchanged(category):
    release = make_release(category=category, body=ALLOWED_MARKUP)

    release.refresh_from_db()

    assert release.body == ALLOWED_MARKUP


def test_allowed_markup_is_stored_unchanged_from_the_admin(officer_client, category):
    response = post_release_form(officer_client, category, ALLOWED_MARKUP, "erlaubt")

    assert response.status_code == 302
    assert Release.objects.get(slug="erlaubt").body == ALLOWED_MARKUP


def test_allowed_markup_reaches_the_release_page(client, category):
    make_release(category=category, slug="erlaubt", body=ALLOWED_MARKUP)

    prose = Markup(client.get("/pressemitteilungen/erlaubt/").content.decode(), only_prose=True)

    assert prose.elements == [
        ("h2", {}),
        ("h3", {}),
        ("h4", {}),
        ("p", {}),
        ("strong", {}),
        ("em", {}),
        ("br", {}),
        ("ul", {}),
        ("li", {}),
        ("ol", {}),
        ("li", {}),
        ("blockquote", {}),
        ("p", {}),
        ("table", {}),
        ("tbody", {}),
        ("tr", {}),
        ("th", {"colspan": "2"}),
        ("tr", {}),
        ("td", {}),
        ("td", {}),
        ("p", {}),
        ("a", {"href": "https://www.landtag.nrw.de/"}),
        ("a", {"href": "mailto:presse@example.org"}),
    ]


def test_h1_is_not_offered_and_becomes_text(category):
    release = make_release(category=category, body="<h1>Große Überschrift</h1><p>Text</p>")

    release.refresh_from_db()

    markup = Markup(release.body)
    assert markup.tags == ["p"]
    assert markup.text == ["Große Überschrift", "Text"]


def test_links_keep_safe_schemes_and_lose_script_schemes(category):
    release = make_release(
        category=category,
        body=(
            '<p><a href="https://example.org/a">a</a><a href="http://example.org/b">b</a>'
            '<a href="mailto:presse@example.org">c</a><a href="javascript:alert(1)">d</a>'
            '<a href="data:text/html,x">e</a></p>'
        ),
    )

    release.refresh_from_db()

    assert [attrs.get("href") for tag, attrs in Markup(release.body).elements if tag == "a"] == [
        "https://example.org/a",
        "http://example.org/b",
        "mailto:presse@example.org",
        None,
        None,
    ]


# QuerySet.update() and bulk_update() write without pre_save, so no code may
# use them on a rich-text field; this test finds any such call in the apps.


def rich_text_fields():
    return {
        (model._meta.model_name, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, RichTextField)
    }


def calls_bypassing_pre_save(source):
    names = {name for _, name in rich_text_fields()}
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "update" and {kw.arg for kw in node.keywords} & names:
            found.append(node.lineno)
        if node.func.attr == "bulk_update":
            found.append(node.lineno)
    return found


def test_rich_text_fields_are_the_four_known_ones():
    # The versions (office/publishing/revisions.py) copy the field: kept versions are sanitized too.
    assert rich_text_fields() == {
        ("release", "body"),
        ("event", "description"),
        ("profile", "biography"),
        ("legalpage", "body"),
        ("historicalrelease", "body"),
        ("historicalevent", "description"),
    }


def test_no_app_code_writes_rich_text_without_pre_save():
    base = Path(settings.BASE_DIR)
    sources = [
        path
        for app in ("office", "releases", "events")
        for path in sorted((base / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]

    found = {
        str(path.relative_to(base)): lines
        for path in sources
        if (lines := calls_bypassing_pre_save(path.read_text()))
    }

    assert len(sources) > 10
    assert found == {}


def test_update_finder_would_notice_an_update_of_a_rich_text_field():
    source = "Release.objects.filter(pk=1).update(body='<script>')\nx.update(title='ok')\n"

    assert calls_bypassing_pre_save(source) == [1]
