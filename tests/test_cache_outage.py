"""A hung or stopped cache: readers wait for it once, the log says so once, and it comes back."""

import socket
import subprocess
import threading
import time
import uuid
from contextlib import suppress

import pytest
import redis
import time_machine

from office.publishing.cache import CACHE_RETRY_SECONDS
from tests.kit.factories import make_event, make_profile, make_release
from tests.kit.servers import fetch, free_port, running_gunicorn, server_database_url

pytestmark = pytest.mark.django_db

# Database 13 is the cache tests': no other test counts keys there.
REDIS_URL = "redis://127.0.0.1:6379/13"
# As office/settings.py configures Redis.
TIMEOUTS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
PAGES = [
    "/",
    "/pressemitteilungen/",
    "/pressemitteilungen/vorher/",
    "/pressemitteilungen/feed/",
    "/termine/",
    "/termine/kalender.ics",
    "/suche/?q=Haushalt",
    "/sitemap.xml",
]
# What the log says when a hung Redis is found: once.
HUNG = "Cache unreachable (TimeoutError: Timeout reading from socket)"


class HungServer:
    """A TCP server that accepts connections and never answers, as a hung Redis does."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.accepted = []
        self.running = True
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while self.running:
            try:
                self.accepted.append(self.listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return  # closed

    def close(self):
        self.running = False
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def hung():
    server = HungServer()
    yield server
    server.close()


def redis_caches(location):
    """The default and the state cache in one Redis, as production has them."""
    prefix = uuid.uuid4().hex
    backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "OPTIONS": TIMEOUTS,
    }
    return {
        "default": {**backend, "KEY_PREFIX": prefix},
        "state": {**backend, "KEY_PREFIX": f"{prefix}-state"},
    }


def cache_messages(caplog):
    """Return the page cache's log lines, each up to its details."""
    return [
        record.getMessage().partition(";")[0]
        for record in caplog.records
        if record.name == "office.publishing.cache"
    ]


@pytest.fixture
def site(db):
    make_profile()
    make_release(title="Vor der Störung", slug="vorher")
    make_event(title="Sprechstunde", slug="sprechstunde")


def test_a_hung_cache_is_waited_for_once_then_left_alone(client, settings, site, hung, caplog):
    """The first request finds out (one socket timeout); the next 40 do not ask it at all."""
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{hung.port}/0")
    settings.PAGE_CACHE_TIMEOUT = 300

    responses = [client.get(path) for path in PAGES * 5]

    assert [response.status_code for response in responses] == [200] * len(PAGES) * 5
    assert "Vor der Störung" in responses[1].content.decode()
    # Uncached, so nothing is promised to proxies that the site could not check.
    assert {response.get("Cache-Control") for response in responses} == {None}
    assert len(hung.accepted) == 1
    assert cache_messages(caplog) == [HUNG]


def test_an_edit_during_a_hang_is_saved_and_readers_still_do_not_wait(
    client, settings, site, hung, caplog, committed
):
    """An edit tries the cache even so: if the other workers reach it, they must learn of it."""
    with committed():
        pass  # the site's own rows, committed before the hang
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{hung.port}/0")
    settings.PAGE_CACHE_TIMEOUT = 300
    client.get("/pressemitteilungen/")
    tried_by_readers = len(hung.accepted)

    with committed():
        make_release(title="Während der Störung")
    tried_by_the_edit = len(hung.accepted) - tried_by_readers
    pages = [client.get("/pressemitteilungen/") for _ in range(5)]

    assert tried_by_readers == 1
    # Once, at the commit.
    assert tried_by_the_edit == 1
    assert len(hung.accepted) == tried_by_readers + tried_by_the_edit
    assert all("Während der Störung" in page.content.decode() for page in pages)
    # Each failed renewal is logged: that edit may not show on cached pages at once.
    assert cache_messages(caplog) == [HUNG] + ["Cache unreachable"] * tried_by_the_edit


def test_the_site_uses_the_cache_again_by_itself_once_it_answers(
    client, settings, site, hung, caplog, now, django_assert_num_queries
):
    settings.PAGE_CACHE_TIMEOUT = 300
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{hung.port}/0")
    answering = redis_caches(REDIS_URL)
    server = redis.Redis.from_url(REDIS_URL)
    prefix = answering["default"]["KEY_PREFIX"]
    try:
        with time_machine.travel(now, tick=False) as clock:
            client.get("/pressemitteilungen/")
            # The hung server replaced by one that answers: not asked before the retry moment.
            settings.CACHES = answering
            clock.shift(CACHE_RETRY_SECONDS - 1)
            client.get("/pressemitteilungen/")
            client.get("/pressemitteilungen/")
            kept_before_the_moment = list(server.scan_iter(f"{prefix}*"))
            clock.shift(1)
            client.get("/pressemitteilungen/")
            with django_assert_num_queries(0):
                hit = client.get("/pressemitteilungen/")
        kept_after = [key.decode() for key in server.scan_iter(f"{prefix}:*plenum:page:*")]
    finally:
        for key in server.scan_iter(f"{prefix}*"):
            server.delete(key)

    assert kept_before_the_moment == []
    assert len(kept_after) == 1
    assert "Vor der Störung" in hit.content.decode()
    assert len(hung.accepted) == 1
    assert cache_messages(caplog) == [
        HUNG,
        "Cache reachable again",
    ]


# A real gunicorn whose Redis is stopped and started again.


class RedisServer:
    """A redis-server of this test's own, on a free port, keeping nothing on disk."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        command += ["--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            with suppress(redis.ConnectionError):
                if client.ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=10)

    def pages(self):
        return len(list(redis.Redis.from_url(self.url).scan_iter("*plenum:page:*")))


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    with suppress(ProcessLookupError):
        server.stop()


def test_gunicorn_answers_while_redis_is_stopped_and_uses_it_again_when_it_is_back(
    transactional_db, redis_server, tmp_path
):
    make_profile()
    make_release(title="Vor der Störung", slug="vorher")
    with running_gunicorn(
        tmp_path, DATABASE_URL=server_database_url(), REDIS_URL=redis_server.url
    ) as url:
        before = [fetch(url + path) for path in PAGES]
        kept_before = redis_server.pages()
        redis_server.stop()
        during = [fetch(url + path) for path in PAGES * 3]
        redis_server.start()
        # Each worker tries again CACHE_RETRY_SECONDS after it found Redis away.
        deadline = time.monotonic() + CACHE_RETRY_SECONDS + 20
        after = [fetch(url + "/pressemitteilungen/")]
        while not redis_server.pages() and time.monotonic() < deadline:
            time.sleep(0.2)
            after.append(fetch(url + "/pressemitteilungen/"))
        kept_after = redis_server.pages()
    log = (tmp_path / "gunicorn.log").read_text()

    assert [status for status, _ in before] == [200] * len(PAGES)
    # Every page but the search, which is never kept.
    assert kept_before == len(PAGES) - 1
    assert [status for status, _ in during] == [200] * len(PAGES) * 3
    assert "Vor der Störung" in during[1][1]
    assert {status for status, _ in after} == {200}
    assert kept_after == 1
    assert log.count("Cache unreachable") == 1
    assert log.count("Cache reachable again") == 1
