"""Rich text is sanitized on every path into the database and out onto the page."""

import ast
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from events.models import Event
from office.models import LegalPage
from office.richtext import RichTextField
from releases.models import Release
from tests.conftest import make_category, make_event, make_profile, make_release

pytestmark = pytest.mark.django_db

# Each vector carries something that runs script, loads a foreign resource or
# styles the page if a sanitizer lets it through.
XSS_VECTORS = [
    # script tags in many spellings
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<script/xss src="//evil.example/x.js"></script>',
    "<script>alert(1)",
    "<p>Text<script",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<!--><script>alert(1)</script>-->",
    "<!-- --!><script>alert(1)</script> -->",
    "<p><!--<script>alert(1)//--></p>",
    # event handlers on allowed and disallowed tags
    '<p onclick="alert(1)">Text</p>',
    "<strong onmouseover=alert(1)>Text</strong>",
    '<a href="https://example.org" onfocus="alert(1)" autofocus>Text</a>',
    "<ol type=1 start=2 onclick=alert(1)><li>Text</li></ol>",
    "<table><tr><td colspan=2 onmouseover=alert(1)>Text</td></tr></table>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    # script URLs, plain and obfuscated
    '<a href="javascript:alert(1)">Text</a>',
    '<a href="JaVaScRiPt:alert(1)">Text</a>',
    "<a href=javascript:alert(1)>Text</a>",
    '<a href="  javascript:alert(1)">Text</a>',
    '<a href="jav&#x09;ascript:alert(1)">Text</a>',
    '<a href="jav\tascript:alert(1)">Text</a>',
    '<a href="java\nscript:alert(1)">Text</a>',
    '<a href="\x01javascript:alert(1)">Text</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">Text</a>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">Text</a>',
    '<a href="javascript&colon;alert(1)">Text</a>',
    '<a href="vbscript:msgbox(1)">Text</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Text</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">Text</a>',
    '<a href="#" xlink:href="javascript:alert(1)">Text</a>',
    '<blockquote cite="javascript:alert(1)">Text</blockquote>',
    '<table background="javascript:alert(1)"><tr><td>Text</td></tr></table>',
    # SVG and MathML
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>Text</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">Text</math>',
    # embedding and navigation
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>Text</button></form>',
    '<button formaction="javascript:alert(1)">Text</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    # styles
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="width:expression(alert(1))">Text</p>',
    '<p style="background:url(javascript:alert(1))">Text</p>',
    '<a href="https://example.org" style="color:red">Text</a>',
    # mutation XSS and parser confusion
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<p title="x><script>alert(1)</script>">Text</p>',
    "<textarea><script>alert(1)</script></textarea>",
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
    "<isindex action=javascript:alert(1) type=submit>",
]

# The event and profile pages use the same sanitizer (every vector is saved
# through all three fields above) and differ only in their template, so a
# sample of vectors that leave markup behind covers their rendering.
RENDER_SAMPLE = [
    vector
    for vector in XSS_VECTORS
    if vector.startswith(("<p ", "<a ", "<strong", "<ol", "<table", "<blockquote", "<noscript"))
]

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "em",
    "h2",
    "h3",
    "h4",
    "li",
    "ol",
    "p",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
GLOBAL_ATTRIBUTES = {"title", "lang"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "rel"},
    "ol": {"start", "type", "data-type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
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
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")

ALLOWED_MARKUP = (
    "<h2>Zwei</h2><h3>Drei</h3><h4>Vier</h4>"
    "<p><strong>fett</strong> <em>kursiv</em><br>neue Zeile</p>"
    "<ul><li>Punkt</li></ul><ol><li>Schritt</li></ol>"
    "<blockquote><p>Ein Zitat</p></blockquote>"
    '<table><tbody><tr><th colspan="2">Kopf</th></tr><tr><td>1</td><td>2</td></tr></tbody></table>'
    '<p><a href="https://www.landtag.nrw.de/">Landtag</a> '
    '<a href="mailto:presse@example.org">Pressestelle</a></p>'
)


class Markup(HTMLParser):
    """Collect start tags with attributes and text, optionally only inside <div class="prose">."""

    def __init__(self, html, only_prose=False):
        super().__init__(convert_charrefs=True)
        self.only_prose = only_prose
        self.prose_depth = 0
        self.prose_found = False
        self.elements = []
        self.text = []
        self.feed(html)
        self.close()

    @property
    def inside(self):
        return not self.only_prose or self.prose_depth > 0

    def handle_starttag(self, tag, attrs):
        if self.only_prose and tag == "div":
            if self.prose_depth:
                self.prose_depth += 1
            elif "prose" in (dict(attrs).get("class") or "").split():
                self.prose_depth = 1
                self.prose_found = True
                return
        if self.inside:
            self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        if self.inside:
            self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if self.only_prose and tag == "div" and self.prose_depth:
            self.prose_depth -= 1

    def handle_data(self, data):
        if self.inside:
            self.text.append(data)

    @property
    def tags(self):
        return [tag for tag, _ in self.elements]


def script_url(value):
    """Return True if a browser would read the value as a script or data URL."""
    # Browsers drop ASCII whitespace and control characters before the scheme.
    squeezed = "".join(ch for ch in (value or "") if ord(ch) > 0x20).lower()
    return squeezed.startswith(SCRIPT_SCHEMES)


def offences(elements):
    """Return every tag, attribute and URL that the allowlist should have removed."""
    found = []
    for tag, attrs in elements:
        if tag not in ALLOWED_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()) | GLOBAL_ATTRIBUTES:
                found.append(f"<{tag} {name}>")
            if script_url(value):
                found.append(f"<{tag} {name}={value!r}>")
    return found


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


@pytest.fixture
def category(db):
    return make_category()


class FormFields(HTMLParser):
    """Collect what a browser would submit with the admin's change form (id "<model>_form")."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.data = {}
        self.in_form = False
        self.done = False
        self.select = None
        self.textarea = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form") and not self.done:
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and "__prefix__" not in name:
            if attrs.get("type") in ("submit", "button", "file"):
                return
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name and "__prefix__" not in name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value") or ""
        elif tag == "textarea" and name and "__prefix__" not in name:
            self.textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def release_form_data(category, body, slug):
    """Return what the admin's add form submits; test_admin.py reads the same fields from it."""
    data = {
        "title": "Sicherheitstest",
        "slug": slug,
        "lead": "Vorspann",
        "body": body,
        "category": str(category.pk),
        "status": "published",
        "publish_at_0": "13.02.2025",
        "publish_at_1": "10:00:00",
    }
    for prefix in (
        "releasequote_set",
        "releasestatistic_set",
        "releaseimage_set",
        "releaseattachment_set",
    ):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


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
    data = FormFields(officer_client.get("/admin/events/event/add/").content.decode()).data
    data |= {
        "title": "Termin",
        "slug": "termin",
        "description": "".join(RENDER_SAMPLE),
        "starts_at_0": "13.02.2025",
        "starts_at_1": "10:00:00",
        "ends_at_0": "13.02.2025",
        "ends_at_1": "17:00:00",
        "venue_name": "Berlin",
        "status": "published",
    }

    response = officer_client.post("/admin/events/event/add/", data)

    assert response.status_code == 302
    description = Event.objects.get(slug="termin").description
    assert_safe_rich_text(description)
    assert "Text" in Markup(description).text


def test_profile_biography_is_sanitized_when_posted_in_the_admin(officer_client, profile):
    url = f"/admin/office/profile/{profile.pk}/change/"
    data = FormFields(officer_client.get(url).content.decode()).data
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
    # The versions (office/revisions.py) copy the field, so a kept version is sanitized too.
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
