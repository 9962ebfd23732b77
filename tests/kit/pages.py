"""Reading responses as a browser, a feed reader or an editor would see them."""

import datetime
import json
import re
import zoneinfo
from html.parser import HTMLParser

import feedparser
from django.db import connection
from django.test.utils import CaptureQueriesContext

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def berlin(*args):
    return datetime.datetime(*args, tzinfo=BERLIN)


def body(response):
    return response.content.decode()


def main_html(response):
    return re.search(r"<main[^>]*>(.*)</main>", body(response), re.S).group(1)


def count_queries(client, path):
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


def parse_feed(response):
    """Return the feed as readers get it, with feedparser's own sanitizer off to see the bytes."""
    assert response.status_code == 200
    feed = feedparser.parse(response.content, sanitize_html=False)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


# What the security middleware adds to every public response.
PUBLIC_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)


PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)


COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


# The admin
class AdminPage(HTMLParser):
    """Collect an admin page's headings, changelist rows, links, scripts and form fields.

    `form` holds what a browser would submit with the change form (id "<model>_form").
    """

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.h1 = []
        self.columns = {}
        self.rows = []
        self.links = []
        self.scripts = []
        self.form = {}
        self._capture = None
        self._in_result_table = False
        self._in_results = False
        self._in_form = self._form_done = False
        self._select = None
        self._textarea = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "h1":
            self._capture = (self.h1, None)
            self.h1.append("")
        elif tag == "tbody" and self._in_result_table:
            self._in_results = True
        elif tag == "table" and attrs.get("id") == "result_list":
            self._in_result_table = True
        elif tag == "tr" and self._in_results:
            self.rows.append({})
        elif tag == "th" and self._in_result_table and not self._in_results:
            column = next((c[7:] for c in classes if c.startswith("column-")), None)
            if column:
                self.columns[column] = ""
                self._capture = (self.columns, column)
        elif tag in ("td", "th") and self._in_results and self.rows:
            field = next((c[6:] for c in classes if c.startswith("field-")), None)
            if field:
                self.rows[-1][field] = ""
                self._capture = (self.rows[-1], field)
        elif tag == "a":
            self.links.append({**attrs, "text": ""})
            if self._capture is None:
                self._capture = (self.links[-1], "text")
        elif tag == "script":
            self.scripts.append(attrs)
        elif tag == "form" and (attrs.get("id") or "").endswith("_form") and not self._form_done:
            self._in_form = True
        if self._in_form:
            self._form_field(tag, attrs)

    def _form_field(self, tag, attrs):
        name = attrs.get("name")
        if not name or "__prefix__" in name:
            if tag == "option" and self._select and "selected" in attrs:
                self.form[self._select] = attrs.get("value") or ""
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.form[name] = attrs.get("value") or ""
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self.form[name] = ""

    def handle_endtag(self, tag):
        if tag == "table" and self._in_result_table:
            self._in_result_table = self._in_results = False
        elif tag in ("h1", "td", "th") or (tag == "a" and self._capture):
            if tag != "a" or self._capture[1] == "text":
                self._capture = None
        elif tag == "form" and self._in_form:
            self._in_form, self._form_done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._capture:
            target, key = self._capture
            if key is None:
                target[-1] += data.strip()
            else:
                target[key] = " ".join(f"{target[key]} {data}".split())
        if self._textarea:
            self.form[self._textarea] += data


def admin_page(response):
    return AdminPage(response.content.decode())


def json_script(response, element_id):
    """Return the data of the page's json_script element with this id (None for null)."""
    found = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.DOTALL,
    )
    assert found, f"no #{element_id} on the page"
    return json.loads(found.group(1))


def admin_form(client, url):
    """Return the fields an editor's browser would post back from the admin form at url."""
    response = client.get(url)
    assert response.status_code == 200
    return admin_page(response).form


def release_form_data(category, body, slug):
    """Return what the admin's add form for a release submits, in the fields it shows."""
    data = {
        "title": "Sicherheitstest",
        "slug": slug,
        "lead": "Vorspann",
        "body": body,
        "category": str(category.pk),
        "_decision": "approve",
    }
    for prefix in (
        "releasequote_set",
        "releasestatistic_set",
        "releaseimage_set",
        "releaseattachment_set",
    ):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data
