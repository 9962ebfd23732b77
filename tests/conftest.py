"""Fixtures shared by the test modules; plain helpers live in tests/kit/."""

import datetime
import os
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache, caches
from django.db import connections
from django.db.models import FETCH_RAISE
from django.test import Client
from django.utils import timezone

from office.publishing.cache import breaker
from office.settings import smtp_mailer
from tests.kit.caches import shared_caches
from tests.kit.factories import PASSWORD, client_of, make_category, make_profile, member
from tests.kit.public_site import build_site
from tests.kit.smtp import smtp_server

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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
            executable_path="/usr/bin/chromium",
            args=CHROMIUM_ARGS,
            # Chromium's own widgets (a date field's "08.12.2026, 18:00") in German, as in a
            # press office; it takes the language from the environment, not from --lang or
            # the context's locale, and needs Debian's chromium-l10n (English without it).
            env={**os.environ, "LANGUAGE": "de"},
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
    # Photo renditions are made inside the save that enqueues them, so a test sees
    # them right after an upload; other tasks queue as in production. `task_queue`
    # gives a test production's queue alone.
    settings.TASKS = {"default": {"BACKEND": "tests.kit.tasks.PhotosAtOnceBackend"}}
    # The manifest storage needs collectstatic first; tests render with plain names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Commit like the admin does: what the test wrote before, then what the block writes.

    The test's transaction never commits, and the page cache learns of an edit
    at its commit (office/publishing/cache.py); the callbacks of earlier writes run first,
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
def smtp(settings):
    """Outgoing mail to a real SMTP server on loopback; yield its mailbox (tests/kit/smtp.py)."""
    with smtp_server() as (mailbox, url):
        settings.MAILERS = {"default": smtp_mailer(url)}
        yield mailbox


@pytest.fixture
def task_queue(settings):
    """Queue all background work in the database, photos too, as production does.

    A real worker (tests/kit/servers.py `running_worker`) is another process, so
    tests that start one are transactional: it sees only what they commit.
    """
    from office.settings import TASKS

    settings.TASKS = TASKS


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def yesterday(now):
    return now - datetime.timedelta(days=1)


@pytest.fixture
def tomorrow(now):
    return now + datetime.timedelta(days=1)


@pytest.fixture
def profile(db):
    return make_profile()


@pytest.fixture
def category(db):
    """The category the browser tests pick in the admin's add form."""
    return make_category(name="Aus der Landesregierung", slug="aus-der-landesregierung")


@pytest.fixture
def press_officer(db):
    return member("presse", "Freigabe")


@pytest.fixture
def staff_without_permission(db):
    return User.objects.create_user("praktikant", password=PASSWORD, is_staff=True)


@pytest.fixture
def viewer(db):
    """Staff who may look at releases and events but not change them."""
    user = User.objects.create_user("leser", password=PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_release", "view_event"])
    )
    return user


@pytest.fixture
def anonymous():
    """A client that gets the error page a reader gets instead of the exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def officer_client(client, press_officer):
    client.force_login(press_officer)
    return client


@pytest.fixture
def writer(db):
    return member("redakteurin", "Redaktion")


@pytest.fixture
def approver(db):
    return member("freigeber", "Freigabe")


@pytest.fixture
def writer_client(writer):
    return client_of(writer)


@pytest.fixture
def approver_client(approver):
    return client_of(approver)


@pytest.fixture
def locmem_page_cache(settings):
    """Turn the page cache on, in local memory under keys of this test alone.

    No other test (or xdist worker) can then move this test's generation.
    """
    settings.CACHES = shared_caches({"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})
    settings.PAGE_CACHE_TIMEOUT = 300
    yield cache
    cache.clear()


@pytest.fixture
def live_site(settings, live_server):
    """Serve the demo plus a release with every feature, uploads included; return its URL."""
    settings.ROOT_URLCONF = "tests.kit.public_site"
    build_site()
    return live_server.url
