import datetime
import io
import itertools
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache, caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.db.models import FETCH_RAISE
from django.utils import timezone
from PIL import Image as PILImage

from events.models import Event
from office.cache import breaker
from office.models import Image, Person, Profile, Quote, Statistic
from releases.models import Category, Release, Topic

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_sequence = itertools.count(1)
BASE_DIR = Path(__file__).resolve().parent.parent

BASE_DIR = Path(__file__).resolve().parent.parent

# Debian's Chromium; Playwright cannot download a browser of its own here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium phones Google on start-up.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # An in-memory test database is one connection, which the live server hands
        # to each of its request threads. Two requests from one browser then share it,
        # and one request's transaction leaves the other's on_commit() failing now and
        # then (seen in CI). A file gives every thread its own connection, as gunicorn's
        # workers have on a real host.
        test_file = tmp_path_factory.mktemp("db") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_file)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://www.example.org"
    # A lazy load in a public view is a missing select_related: fail the test.
    settings.PUBLIC_FETCH_MODE = FETCH_RAISE
    # Views are tested uncached; tests/test_page_cache.py turns the cache on.
    # A rollback sends no signal, so no test may see another test's pages.
    settings.PAGE_CACHE_TIMEOUT = 0
    # The shared "state" cache is files on a real host; a test process keeps its own.
    settings.CACHES = {
        **settings.CACHES,
        "state": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "state"},
    }
    cache.clear()
    caches["state"].clear()
    # A cache another test lost is not this test's: the breaker starts closed.
    breaker.retry_at = None
    # Client.login() authenticates without a request, which django-axes refuses;
    # tests/test_security_admin.py turns the lockout on where it is the subject.
    settings.AXES_ENABLED = False
    # The manifest storage needs collectstatic first; tests render with plain names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Commit like the admin does: what the test wrote before, then what the block writes.

    The test's transaction never commits, and the page cache learns of an edit
    at its commit (office/cache.py); the callbacks of earlier writes run first,
    as their own commit would have run them.
    """

    @contextmanager
    def commit():
        connection = connections["default"]
        earlier, connection.run_on_commit = connection.run_on_commit, []
        for _, callback, _ in earlier:
            callback()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks
        connection.run_on_commit = []

    return commit


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def yesterday(now):
    return now - datetime.timedelta(days=1)


@pytest.fixture
def tomorrow(now):
    return now + datetime.timedelta(days=1)


def make_profile(**kwargs):
    kwargs.setdefault("name", "Daniel Hagemeier")
    kwargs.setdefault("title", "MdL")
    kwargs.setdefault("party", "CDU")
    kwargs.setdefault("office_address", "Platz des Landtags 1\n40221 Düsseldorf")
    kwargs.setdefault("office_email", "buero@example.org")
    kwargs.setdefault("press_contact_name", "Erika Presse")
    kwargs.setdefault("press_contact_email", "presse@example.org")
    return Profile.objects.create(**kwargs)


def make_category(**kwargs):
    n = next(_sequence)
    kwargs.setdefault("name", f"Kategorie {n}")
    kwargs.setdefault("slug", f"kategorie-{n}")
    return Category.objects.create(**kwargs)


def make_topic(**kwargs):
    n = next(_sequence)
    kwargs.setdefault("name", f"Thema {n}")
    kwargs.setdefault("slug", f"thema-{n}")
    return Topic.objects.create(**kwargs)


def make_release(**kwargs):
    """Create a published release; pass status or publish_at to make it a draft or embargoed."""
    n = next(_sequence)
    kwargs.setdefault("title", f"Pressemitteilung {n}")
    kwargs.setdefault("slug", f"pressemitteilung-{n}")
    kwargs.setdefault("lead", f"Vorspann {n}")
    kwargs.setdefault("body", f"<p>Text {n}</p>")
    kwargs.setdefault("status", Release.Status.PUBLISHED)
    kwargs.setdefault("publish_at", timezone.now() - datetime.timedelta(hours=n))
    if "category" not in kwargs:
        kwargs["category"] = Category.objects.first() or make_category()
    topics = kwargs.pop("topics", [])
    release = Release.objects.create(**kwargs)
    release.topics.set(topics)
    return release


def make_event(**kwargs):
    """Create a published event starting tomorrow; pass starts_at/ends_at to move it."""
    n = next(_sequence)
    # Minutes, not hours, apart: with thousands of events in a run, hours reached the
    # autumn night whose 2:30 happens twice, and an admin form could not read it back.
    starts_at = kwargs.setdefault(
        "starts_at", timezone.now() + datetime.timedelta(days=1, minutes=n)
    )
    kwargs.setdefault("ends_at", starts_at + datetime.timedelta(hours=2))
    kwargs.setdefault("title", f"Termin {n}")
    kwargs.setdefault("slug", f"termin-{n}")
    kwargs.setdefault("venue_name", "Landtag NRW")
    kwargs.setdefault("venue_address", "Platz des Landtags 1\n40221 Düsseldorf")
    kwargs.setdefault("status", Event.Status.PUBLISHED)
    kwargs.setdefault("publish_at", timezone.now() - datetime.timedelta(days=1))
    return Event.objects.create(**kwargs)


def make_quote(release=None, **kwargs):
    """Create a quote; it is public only once a public release shows it, e.g. `release`."""
    n = next(_sequence)
    kwargs.setdefault("text", f"Zitat {n}")
    kwargs.setdefault("said_on", datetime.date(2025, 2, 13))
    quote = Quote.objects.create(**kwargs)
    if release is not None:
        release.quotes.add(quote)
    return quote


def make_statistic(release=None, **kwargs):
    """Create a figure; it is public only once a public release shows it, e.g. `release`."""
    n = next(_sequence)
    kwargs.setdefault("value", n)
    kwargs.setdefault("unit", "Prozent")
    kwargs.setdefault("label", f"Kennzahl {n}")
    kwargs.setdefault("source_name", "Institut der deutschen Wirtschaft")
    statistic = Statistic.objects.create(**kwargs)
    if release is not None:
        release.statistics.add(statistic)
    return statistic


def make_person(**kwargs):
    n = next(_sequence)
    kwargs.setdefault("name", f"Person {n}")
    return Person.objects.create(**kwargs)


def image_bytes(format="JPEG", size=(64, 48), color=(11, 79, 138)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, format=format)
    return buffer.getvalue()


def make_image(**kwargs):
    content = kwargs.pop("content", None) or image_bytes()
    kwargs.setdefault("file", SimpleUploadedFile("foto.jpg", content, "image/jpeg"))
    kwargs.setdefault("alt_text", "Ein blaues Rechteck")
    kwargs.setdefault("credit", "Foto: Max Mustermann")
    return Image.objects.create(**kwargs)


def change_url(item):
    """Return the admin change page of a model instance."""
    return f"/admin/{item._meta.app_label}/{item._meta.model_name}/{item.pk}/change/"


@pytest.fixture
def profile(db):
    return make_profile()


@pytest.fixture
def press_officer(db):
    user = User.objects.create_user("presse", password="geheim-genug-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Freigabe"))
    return user


@pytest.fixture
def staff_without_permission(db):
    return User.objects.create_user("praktikant", password="geheim-genug-123", is_staff=True)


@pytest.fixture
def officer_client(client, press_officer):
    client.force_login(press_officer)
    return client


# A real server: gunicorn with production settings, as tests/server_settings.py says.


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_database_url(host=None, port=None):
    """Return the test database's address for a server process; PostgreSQL's host, port changed."""
    settings_dict = connections["default"].settings_dict
    if connections["default"].vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    host = host or settings_dict["HOST"] or "127.0.0.1"
    port = port or settings_dict["PORT"] or 5432
    return f"postgres://{settings_dict['USER']}@{host}:{port}/{settings_dict['NAME']}"


def fetch(url):
    """Return the status and body of a GET, error pages included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def running_gunicorn(tmp_path, **environment):
    """Run gunicorn (one worker) with production settings on a free port; yield its URL.

    `environment` adds to or replaces the defaults, e.g. DATABASE_URL and REDIS_URL;
    the server's output goes to tmp_path / "gunicorn.log".
    """
    port = free_port()
    # No REDIS_URL unless given: the shell's would share another server's cache.
    inherited = {"DEBUG", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in inherited} | {
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "PAGE_CACHE_TIMEOUT": "300",
        "MEDIA_ROOT": str(tmp_path),
        # The page cache's shared state, for this server alone.
        "CACHE_STATE_DIR": str(tmp_path / "cache-state"),
        **environment,
    }
    log = (tmp_path / "gunicorn.log").open("w")
    command = [sys.executable, "-m", "gunicorn", "office.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=environment, stdout=log, stderr=log)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


class _AdminForm(HTMLParser):
    """Collect what a browser would submit with an admin change form (id "<model>_form")."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.data = {}
        self._in_form = self._done = False
        self._select = self._textarea = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form") and not self._done:
            self._in_form = True
        name = attrs.get("name")
        if not self._in_form:
            return
        if tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""
        if not name or "__prefix__" in name:
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.data[name] = attrs.get("value") or ""
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def admin_form(client, url):
    """Return the fields an editor's browser would post back from the admin form at url."""
    response = client.get(url)
    assert response.status_code == 200
    return _AdminForm(response.content.decode()).data
