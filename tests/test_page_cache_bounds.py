"""What strangers can make the page cache keep: the site's own addresses, each once, and no more."""

import datetime
import uuid

import pytest
import redis
import time_machine
from django.core.cache import caches

from office.publishing.cache import GENERATION_KEY, SCHEDULED_CHANGE_KEY
from releases.sitemaps import ReleaseSitemap
from tests.kit.factories import make_category, make_event, make_release, make_topic

pytestmark = pytest.mark.django_db

# Database 13 is this module's: no other test counts keys there.
REDIS_URL = "redis://127.0.0.1:6379/13"
BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
}
BURST = 100
SLUG = "haushalt-2027"

# The site's own addresses of the content below: 25 releases are three list pages,
# and three sitemap pages of ten.
CANONICAL = [
    "/",
    "/pressemitteilungen/",
    "/pressemitteilungen/?seite=2",
    "/pressemitteilungen/?seite=3",
    "/pressemitteilungen/kategorie/inland/",
    "/pressemitteilungen/kategorie/inland/?seite=2",
    "/pressemitteilungen/kategorie/inland/?seite=3",
    f"/pressemitteilungen/{SLUG}/",
    "/pressemitteilungen/feed/",
    "/termine/",
    "/suche/",
    "/sitemap-releases.xml",
    "/sitemap-releases.xml?p=2",
    "/sitemap-releases.xml?p=3",
]


def first_three(n):
    """A list or sitemap page beyond the third does not exist."""
    return 200 if n <= 3 else 404


def any_page(n):
    return 200


def no_page(n):
    return 404


# Every other address a stranger can make up, 100 of each kind: the n-th address,
# and the answer it gets.
STRANGERS = {
    "page numbers": ("/pressemitteilungen/?seite={n}", first_three),
    "leading zeros": ("/pressemitteilungen/?seite=0{n}", first_three),
    "words as pages": ("/pressemitteilungen/kategorie/inland/?seite=x{n}", no_page),
    "a repeated page": ("/pressemitteilungen/?seite=2&seite={n}", first_three),
    "a page and more": ("/pressemitteilungen/?seite=2&q=zufall{n}", any_page),
    "searches on a list": ("/pressemitteilungen/?q=zufall{n}", any_page),
    "unknown parameters": ("/termine/?foo={n}", any_page),
    "pages of a page without pages": (f"/pressemitteilungen/{SLUG}/?seite={{n}}", any_page),
    "searches": ("/suche/?q=wort{n}", any_page),
    "pages of a search": ("/suche/?q=Pressemitteilung&seite={n}", any_page),
    "filters of a search": ("/suche/?q=Haushalt&jahr=1{n:03d}", any_page),
    "sitemap pages": ("/sitemap-releases.xml?p={n}", first_three),
    "pages of a feed": ("/pressemitteilungen/feed/?seite={n}", any_page),
    "made-up releases": ("/pressemitteilungen/gibt-es-nicht-{n}/", no_page),
    "made-up categories": ("/pressemitteilungen/kategorie/gibt-es-nicht-{n}/feed/", no_page),
}


class Keys:
    """The page cache in one backend, under a prefix of this test: what it holds."""

    def __init__(self, backend):
        self.backend = backend
        self.prefix = uuid.uuid4().hex

    def caches(self):
        settings = BACKENDS[self.backend]
        state = {"LOCATION": "state"} if self.backend == "locmem" else {}
        return {
            "default": {**settings, "KEY_PREFIX": self.prefix},
            "state": {**settings, "KEY_PREFIX": f"{self.prefix}-state", **state},
        }

    def __call__(self, alias="default"):
        """Return the keys, without the prefix and version Django adds."""
        own = f"{self.prefix}-state:1:" if alias == "state" else f"{self.prefix}:1:"
        if self.backend == "redis":
            keys = [key.decode() for key in self.redis().scan_iter(f"{own}*")]
        else:
            keys = list(caches[alias]._cache)
        return sorted(key.removeprefix(own) for key in keys)

    def ttl(self, key, alias="default"):
        own = f"{self.prefix}-state:1:" if alias == "state" else f"{self.prefix}:1:"
        return self.redis().ttl(own + key)

    def redis(self):
        return redis.Redis.from_url(REDIS_URL)

    def delete(self):
        if self.backend == "redis":
            server = self.redis()
            for key in server.scan_iter(f"{self.prefix}*"):
                server.delete(key)
        else:
            for alias in ("default", "state"):
                caches[alias].clear()


def use_cache(backend, settings, monkeypatch):
    keys = Keys(backend)
    settings.CACHES = keys.caches()
    # Three sitemap pages of the releases below, as three list pages.
    monkeypatch.setattr(ReleaseSitemap, "limit", 10)
    return keys


@pytest.fixture(params=sorted(BACKENDS))
def stored(request, settings, monkeypatch):
    """Turn the page cache on, in local memory and in Redis; return what it holds."""
    keys = use_cache(request.param, settings, monkeypatch)
    settings.PAGE_CACHE_TIMEOUT = 300
    yield keys
    keys.delete()


@pytest.fixture
def in_redis(settings, monkeypatch):
    """Redis as production uses it, the page cache off: what Redis holds."""
    keys = use_cache("redis", settings, monkeypatch)
    yield keys
    keys.delete()


def of_kind(keys, kind):
    return [key for key in keys if key.startswith(f"plenum:{kind}:")]


@pytest.fixture
def site(django_capture_on_commit_callbacks):
    """Content as the admin commits it: until then no page is dated, and no date recorded."""
    with django_capture_on_commit_callbacks(execute=True):
        inland, energie = make_category(slug="inland"), make_topic(slug="energie")
        make_release(title="Haushalt 2027", slug=SLUG, category=inland, topics=[energie])
        for _ in range(24):
            make_release(category=inland)
        make_event()


def test_a_burst_of_made_up_addresses_adds_no_entry(client, stored, site, now):
    """100 values of every kind, against lists, a release, a search, a sitemap and a feed."""
    with time_machine.travel(now + datetime.timedelta(seconds=5), tick=False):
        # Every piece a page of each kind keeps, for the burst to find.
        warm = [client.get(path).status_code for path in CANONICAL]
        client.get("/suche/?q=Haushalt")
        before = stored()
        answers = {
            kind: [client.get(address.format(n=n)).status_code for n in range(1, BURST + 1)]
            for kind, (address, _) in STRANGERS.items()
        }
        after = stored()

    assert warm == [200] * len(CANONICAL)
    # Each made-up address was answered as the view answers it, kept or not.
    assert answers == {
        kind: [answer(n) for n in range(1, BURST + 1)] for kind, (_, answer) in STRANGERS.items()
    }
    assert after == before
    assert len(of_kind(after, "page")) == len(CANONICAL)


def test_a_page_is_kept_once_whatever_the_spelling_of_its_address(client, stored, site, now):
    """Page 1, 007, a repeated or reordered parameter: answered, not kept beside the page."""
    with time_machine.travel(now + datetime.timedelta(seconds=5), tick=False):
        pages = [
            client.get(path)
            for path in (
                "/pressemitteilungen/",
                "/pressemitteilungen/?seite=1",
                "/pressemitteilungen/?seite=01",
                "/pressemitteilungen/?seite=2",
                "/pressemitteilungen/?seite=02",
                "/pressemitteilungen/?seite=2&seite=2",
                "/pressemitteilungen/?seite=last",
            )
        ]

    bodies = [page.content for page in pages]
    assert [page.status_code for page in pages] == [200] * 7
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[3] == bodies[4] == bodies[5]
    assert len(of_kind(stored(), "page")) == 2


@pytest.mark.parametrize("page_cache", [300, 0], ids=["page cache", "no page cache"])
def test_every_entry_in_redis_expires_but_the_content_state(
    client, settings, in_redis, site, now, page_cache
):
    """So `maxmemory-policy volatile-lru` may evict any entry, never the generation."""
    settings.PAGE_CACHE_TIMEOUT = page_cache
    kept = [*CANONICAL, "/termine/kalender.ics"]
    with time_machine.travel(now + datetime.timedelta(seconds=5), tick=False):
        for path in [*kept, "/suche/?q=Haushalt", "/healthz"]:
            client.get(path)

    expiring = {key: in_redis.ttl(key) for key in in_redis()}
    state = {key: in_redis.ttl(key, alias="state") for key in in_redis(alias="state")}

    assert state == {GENERATION_KEY: -1, SCHEDULED_CHANGE_KEY: -1}
    assert len(of_kind(expiring, "page")) == (len(kept) if page_cache else 0)
    assert len(of_kind(expiring, "vevent")) == 1
    assert {key: ttl for key, ttl in expiring.items() if not 0 < ttl <= 24 * 60 * 60} == {}
