"""Outages: the database away, then back; the health check; the maintenance page."""

import json
import socket
import threading
from contextlib import contextmanager, suppress

import pytest
from django.db import connections

from tests.kit.factories import make_event, make_profile, make_release
from tests.kit.servers import fetch, running_gunicorn, server_database_url

pytestmark = pytest.mark.django_db

MAINTENANCE = "Die Website ist gleich wieder da"
PUBLIC_PAGES = [
    "/",
    "/pressemitteilungen/",
    "/pressemitteilungen/vorher/",
    "/pressemitteilungen/feed/",
    "/pressemitteilungen/feed.json",
    "/termine/",
    "/termine/kalender.ics",
    "/suche/?q=Haushalt",
    "/ueber-mich/",
    "/sitemap.xml",
    "/pressemitteilungen/gibt-es-nicht/",
]


@pytest.fixture
def site(db):
    make_profile()
    make_release(title="Vor der Störung", slug="vorher")
    make_event(title="Sprechstunde", slug="sprechstunde")


@contextmanager
def database_unreachable():
    """Point this thread's default connection at a closed port (or an unopenable file).

    The test's own connection, with its transaction, waits aside and comes back
    afterwards; the shared PostgreSQL server is never touched.
    """
    saved = connections["default"]
    settings_dict = dict(saved.settings_dict)
    if saved.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent/plenum/db.sqlite3"
    else:
        settings_dict |= {"HOST": "127.0.0.1", "PORT": "1"}
    broken = type(saved)(settings_dict, alias="default")
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["default"] = saved


def test_public_pages_answer_503_with_the_german_maintenance_page(site, anonymous):
    with database_unreachable():
        responses = {path: anonymous.get(path) for path in PUBLIC_PAGES}

    assert {path: r.status_code for path, r in responses.items()} == dict.fromkeys(
        PUBLIC_PAGES, 503
    )
    for response in responses.values():
        body = response.content.decode()
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert response["Retry-After"] == "60"
        assert "no-store" in response["Cache-Control"]
        assert f"<h1>{MAINTENANCE}</h1>" in body
        assert '<html lang="de">' in body
        assert "Traceback" not in body
        assert "OperationalError" not in body


def test_site_recovers_by_itself_when_the_database_is_back(site, anonymous):
    with database_unreachable():
        down = anonymous.get("/pressemitteilungen/")

    up = anonymous.get("/pressemitteilungen/")

    assert (down.status_code, up.status_code) == (503, 200)
    assert "Vor der Störung" in up.content.decode()
    assert MAINTENANCE not in up.content.decode()


def test_cached_pages_are_still_served_while_the_database_is_away(
    site, anonymous, locmem_page_cache
):
    warm = anonymous.get("/pressemitteilungen/vorher/")

    with database_unreachable():
        cached = anonymous.get("/pressemitteilungen/vorher/")
        uncached = anonymous.get("/termine/")

    assert (warm.status_code, cached.status_code, uncached.status_code) == (200, 200, 503)
    assert cached.content == warm.content
    assert "Vor der Störung" in cached.content.decode()
    assert MAINTENANCE in uncached.content.decode()


def test_a_programming_error_is_still_a_500_not_a_maintenance_page(anonymous, settings):
    settings.ROOT_URLCONF = "tests.broken_urls"

    response = anonymous.get("/kaputt/")

    assert response.status_code == 500
    assert MAINTENANCE not in response.content.decode()
    assert "Ein Fehler ist aufgetreten" in response.content.decode()


# /healthz


def test_health_check_reports_ok_with_nothing_more(client, django_assert_num_queries):
    """One query: the health check asks the database itself, every time."""
    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_health_check_is_never_served_from_the_page_cache(client, settings):
    settings.PAGE_CACHE_TIMEOUT = 300
    client.get("/healthz")

    with database_unreachable():
        response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "error"


def test_health_check_reports_an_unreachable_database_without_details(client):
    with database_unreachable():
        response = client.get("/healthz")

    body = response.content.decode()
    assert response.status_code == 503
    assert json.loads(body) == {"status": "error", "database": "error", "cache": "ok"}
    for detail in ("127.0.0.1", "nonexistent", "5432", "Error", "postgres", "sqlite"):
        assert detail not in body


def test_health_check_reports_an_unreachable_cache(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "database": "ok", "cache": "error"}


def test_health_check_only_answers_get_and_head(client):
    responses = [client.get("/healthz"), client.head("/healthz"), client.post("/healthz")]

    assert [response.status_code for response in responses] == [200, 200, 405]


# A real server in front of a real PostgreSQL that goes away and comes back.


class Outage:
    """A TCP forwarder to PostgreSQL that can cut every connection and refuse new ones."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.port = None
        self.sockets = set()
        self.lock = threading.Lock()
        self.listener = None
        self.running = False

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port or 0))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(16)
        self.listener.settimeout(0.05)
        self.running = True
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()

    def accept(self, listener):
        while self.running:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(source, sink), daemon=True).start()

    def pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                self.close(end)

    def close(self, end):
        with self.lock:
            self.sockets.discard(end)
        with suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def stop(self):
        """Close the port and cut every open connection, as a stopped server does."""
        self.running = False
        self.listener.close()
        with self.lock:
            open_sockets = list(self.sockets)
        for end in open_sockets:
            self.close(end)


@pytest.fixture
def outage(transactional_db):
    settings_dict = connections["default"].settings_dict
    if connections["default"].vendor != "postgresql":
        pytest.skip("SQLite has no server to lose; the tests above cover the page and the check.")
    outage = Outage(settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432))
    outage.start()
    yield outage
    outage.stop()


@pytest.fixture
def gunicorn(outage, tmp_path):
    """Run gunicorn with production settings against the test database, through the outage."""
    database = server_database_url("127.0.0.1", outage.port)
    with running_gunicorn(tmp_path, DATABASE_URL=database) as url:
        yield url


def test_gunicorn_survives_a_database_restart_and_recovers_by_itself(outage, gunicorn):
    make_profile()
    make_release(title="Vor der Störung", slug="vorher")
    before = [fetch(f"{gunicorn}{path}") for path in ("/pressemitteilungen/vorher/", "/healthz")]

    outage.stop()
    during = [fetch(f"{gunicorn}{path}") for path in ("/pressemitteilungen/vorher/", "/termine/")]
    health_during = fetch(f"{gunicorn}/healthz")
    outage.start()
    after = [fetch(f"{gunicorn}{path}") for path in ("/termine/", "/healthz")]

    assert [status for status, _ in before] == [200, 200]
    assert [status for status, _ in during] == [200, 503]
    assert "Vor der Störung" in during[0][1]
    assert MAINTENANCE in during[1][1]
    assert health_during == (503, '{"status": "error", "database": "error", "cache": "ok"}')
    assert [status for status, _ in after] == [200, 200]
    assert MAINTENANCE not in after[0][1]
