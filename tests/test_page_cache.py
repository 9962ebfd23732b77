"""The page cache and conditional GET: fast, and never stale past an edit or an embargo."""

import datetime
import gzip
import re
import uuid
import zoneinfo

import feedparser
import pytest
import time_machine
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import FieldFetchBlocked
from django.db import connection
from django.db.models import FETCH_PEERS
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from office.publishing.cache import GENERATION_KEY
from releases.models import Release
from releases.sitemaps import NEWS_WINDOW
from tests.kit.caches import shared_caches
from tests.kit.factories import make_category, make_event, make_quote, make_release, make_topic
from tests.kit.pages import admin_form

pytestmark = pytest.mark.django_db

CACHES = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    },
}


@pytest.fixture(params=sorted(CACHES))
def page_cache(request, settings):
    """Turn the page cache on, in local memory and in the Redis that production shares."""
    settings.CACHES = shared_caches(CACHES[request.param])
    settings.PAGE_CACHE_TIMEOUT = 300
    yield cache
    # Not on Redis: its FLUSHDB would empty the pages of tests running beside this
    # one (xdist, other checkouts) mid-test. Prefixed keys expire by themselves.
    if request.param == "locmem":
        cache.clear()


def feed_titles(response):
    return [entry.title for entry in feedparser.parse(response.content).entries]


def test_second_request_is_served_without_a_query(client, page_cache, django_assert_num_queries):
    make_release(title="Veröffentlicht")
    client.get("/pressemitteilungen/")

    with django_assert_num_queries(0):
        response = client.get("/pressemitteilungen/")

    assert "Veröffentlicht" in response.content.decode()


def test_an_edit_shows_on_the_cached_page_at_once(client, page_cache, committed):
    release = make_release(title="Alter Titel")
    client.get("/pressemitteilungen/")

    with committed():
        release.title = "Neuer Titel"
        release.save()
    body = client.get("/pressemitteilungen/").content.decode()

    assert "Neuer Titel" in body
    assert "Alter Titel" not in body


def test_a_delete_and_a_topic_change_show_at_once(client, page_cache, committed):
    topic = make_topic(slug="energie")
    kept = make_release(title="Bleibt", topics=[topic])
    removed = make_release(title="Entfernt", topics=[topic])
    make_release(title="Anderes", topics=[topic])
    client.get("/pressemitteilungen/thema/energie/")

    with committed():
        removed.delete()
    with committed():
        kept.topics.remove(topic)
    body = client.get("/pressemitteilungen/thema/energie/").content.decode()

    assert "Bleibt" not in body
    assert "Entfernt" not in body


def test_cached_feed_gains_embargoed_release_when_the_embargo_ends(client, page_cache, now):
    make_release(title="Veröffentlicht")
    embargoed = make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=10))

    with time_machine.travel(now, tick=False):
        before = feed_titles(client.get("/pressemitteilungen/feed/"))
    with time_machine.travel(embargoed.publish_at - datetime.timedelta(seconds=1), tick=False):
        just_before = feed_titles(client.get("/pressemitteilungen/feed/"))
    with time_machine.travel(embargoed.publish_at, tick=False):
        at = feed_titles(client.get("/pressemitteilungen/feed/"))

    assert before == just_before == ["Veröffentlicht"]
    assert at == ["Sperrfrist", "Veröffentlicht"]


def test_cached_home_page_gains_embargoed_release_in_the_same_minute(client, page_cache, now):
    embargoed = make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(hours=3))

    with time_machine.travel(now, tick=False):
        before = client.get("/").content.decode()
    with time_machine.travel(embargoed.publish_at, tick=False):
        after = client.get("/").content.decode()

    assert "Sperrfrist" not in before
    assert "Sperrfrist" in after


def test_ended_event_leaves_the_cached_upcoming_list_when_it_ends(client, page_cache, now):
    running = make_event(
        title="Läuft gerade",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(minutes=30),
    )

    with time_machine.travel(now, tick=False):
        before = client.get("/termine/").content.decode()
    with time_machine.travel(running.ends_at + datetime.timedelta(seconds=1), tick=False):
        after = client.get("/termine/").content.decode()

    assert "Läuft gerade" in before
    assert "Läuft gerade" not in after


def test_proxies_may_not_hold_a_page_past_the_next_embargo(client, locmem_page_cache, now):
    make_release(publish_at=now + datetime.timedelta(seconds=20))

    with time_machine.travel(now, tick=False):
        first = client.get("/pressemitteilungen/")
        second = client.get("/pressemitteilungen/")

    for response in (first, second):
        directives = dict(re.findall(r"([\w-]+)=(\d+)", response["Cache-Control"]))
        assert "public" in response["Cache-Control"]
        assert directives["max-age"] == "0"
        assert 0 < int(directives["s-maxage"]) <= 20
        assert int(directives["s-maxage"]) + int(directives["stale-while-revalidate"]) <= 20


def test_quiet_site_lets_proxies_hold_a_page_a_minute(client, locmem_page_cache):
    make_release()

    response = client.get("/pressemitteilungen/")

    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60, stale-while-revalidate=30"


def queries_of(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, len(queries)


def test_editors_bypass_the_cache_and_get_private_responses(officer_client, locmem_page_cache):
    release = make_release(title="Öffentlich")
    Client().get("/pressemitteilungen/")
    Release.objects.filter(pk=release.pk).update(title="Nur in der Datenbank")

    response, queries = queries_of(officer_client, "/pressemitteilungen/")

    assert queries > 0
    assert "Nur in der Datenbank" in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_editor_preview_is_never_cached_for_readers(officer_client, locmem_page_cache):
    draft = make_release(title="Entwurf", status=Release.Status.DRAFT)

    preview = officer_client.get(f"/pressemitteilungen/{draft.slug}/")
    anonymous = Client().get(f"/pressemitteilungen/{draft.slug}/")

    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"]
    assert anonymous.status_code == 404


def test_unknown_query_parameters_bypass_the_cache(client, locmem_page_cache):
    make_release()
    client.get("/pressemitteilungen/?utm_source=newsletter")

    response, queries = queries_of(client, "/pressemitteilungen/?utm_source=newsletter")

    assert response.status_code == 200
    assert queries > 0
    assert not response.has_header("Cache-Control")


def test_known_query_parameters_are_part_of_the_key(client, locmem_page_cache):
    for n in range(12):
        make_release(
            title=f"Meldung {n:02d}", publish_at=timezone.now() - datetime.timedelta(hours=n)
        )

    first = client.get("/pressemitteilungen/").content.decode()
    second = client.get("/pressemitteilungen/?seite=2").content.decode()

    assert "Meldung 00" in first and "Meldung 00" not in second
    assert "Meldung 11" in second and "Meldung 11" not in first


def test_nothing_is_cached_when_the_cache_is_off(client, settings):
    settings.PAGE_CACHE_TIMEOUT = 0
    make_release()
    client.get("/pressemitteilungen/")

    response, queries = queries_of(client, "/pressemitteilungen/")

    assert queries > 0
    assert not response.has_header("Cache-Control")


CONDITIONAL_PATHS = [
    "/",
    "/pressemitteilungen/",
    "/pressemitteilungen/kategorie/inland/",
    "/pressemitteilungen/thema/energie/",
    f"/pressemitteilungen/{timezone.localdate().year}/",
    "/pressemitteilungen/feed/",
    "/pressemitteilungen/atom/",
    "/pressemitteilungen/kategorie/inland/feed/",
    "/pressemitteilungen/thema/energie/feed/",
    "/termine/",
    "/termine/kalender.ics",
]


@pytest.fixture
def conditional_content(committed):
    with committed():
        make_release(category=make_category(slug="inland"), topics=[make_topic(slug="energie")])
        make_event()


@pytest.mark.parametrize("path", [*CONDITIONAL_PATHS, "/zitate/", "/sitemap.xml"])
def test_unchanged_page_or_feed_answers_304_to_its_etag(
    client, locmem_page_cache, conditional_content, path
):
    first = client.get(path)

    again = client.get(path, headers={"if-none-match": first["ETag"]})

    assert first.status_code == 200
    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize("path", CONDITIONAL_PATHS)
def test_no_page_or_feed_can_be_revalidated_by_a_date(
    client, locmem_page_cache, conditional_content, path
):
    """A date would miss what leaves a page and what an embargo's end brings in older."""
    first = client.get(path)
    tomorrow = http_date((timezone.now() + datetime.timedelta(days=1)).timestamp())

    again = client.get(path, headers={"if-modified-since": tomorrow})

    assert "Last-Modified" not in first
    assert (again.status_code, again.content) == (200, first.content)


def test_etag_is_per_feed_and_changes_with_its_content(client, locmem_page_cache, committed):
    first = make_category(slug="inland")
    second = make_category(slug="ausland")
    release = make_release(category=first)
    make_release(category=second)
    inland = client.get("/pressemitteilungen/kategorie/inland/feed/")["ETag"]
    ausland = client.get("/pressemitteilungen/kategorie/ausland/feed/")["ETag"]

    with committed():
        release.title = "Korrigiert"
        release.save()
    corrected = client.get("/pressemitteilungen/kategorie/inland/feed/")

    assert inland != ausland
    assert corrected["ETag"] != inland
    assert (
        client.get(
            "/pressemitteilungen/kategorie/inland/feed/", headers={"if-none-match": inland}
        ).status_code
        == 200
    )


@pytest.mark.parametrize("encoding", ["gzip, br", ""])
def test_an_unchanged_feed_keeps_its_etag_across_edits_elsewhere(
    client, locmem_page_cache, encoding
):
    """A feed reader's 304 survives an edit of another feed's release, compressed or not."""
    inland, ausland = make_category(slug="inland"), make_category(slug="ausland")
    elsewhere = make_release(category=inland)
    make_release(category=ausland)
    headers = {"accept-encoding": encoding} if encoding else {}
    path = "/pressemitteilungen/kategorie/ausland/feed/"
    first = client.get(path, headers=headers)

    elsewhere.title = "Korrigiert"
    elsewhere.save()
    again = client.get(path, headers={**headers, "if-none-match": first["ETag"]})

    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize(
    "path",
    ["/pressemitteilungen/feed/", "/pressemitteilungen/atom/", "/termine/feed/"],
)
def test_an_empty_feed_answers_304_a_poll_later(client, now, path, committed):
    """Django dates a feed without items "now": its ETag changed every second."""
    with committed():
        make_topic(slug="leer")
    with time_machine.travel(now + datetime.timedelta(seconds=5), tick=False):
        first = client.get(path)
    with time_machine.travel(now + datetime.timedelta(minutes=15), tick=False):
        again = client.get(path, headers={"if-none-match": first["ETag"]})

    assert feedparser.parse(first.content).entries == []
    assert again.status_code == 304


def test_an_empty_calendar_answers_304_across_new_year(client):
    """Its body does not follow the clock: no change of content would date it."""
    new_year = datetime.datetime(2027, 1, 1, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    with time_machine.travel(new_year - datetime.timedelta(minutes=1), tick=False):
        first = client.get("/termine/kalender.ics")
    with time_machine.travel(new_year + datetime.timedelta(minutes=1), tick=False):
        again = client.get("/termine/kalender.ics", headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304


def test_a_304_on_a_page_cache_miss_carries_the_validator_and_vary_of_the_200(
    client, locmem_page_cache
):
    inland, ausland = make_category(slug="inland"), make_category(slug="ausland")
    elsewhere = make_release(category=inland)
    make_release(category=ausland)
    gzip_client = {"accept-encoding": "gzip"}
    path = "/pressemitteilungen/kategorie/ausland/feed/"
    first = client.get(path, headers=gzip_client)
    on_hit = client.get(path, headers={**gzip_client, "if-none-match": first["ETag"]})

    elsewhere.title = "Korrigiert"
    elsewhere.save()
    on_miss = client.get(path, headers={**gzip_client, "if-none-match": first["ETag"]})

    assert first["ETag"].startswith('W/"') and "Accept-Encoding" in first["Vary"]
    assert (on_hit.status_code, on_miss.status_code) == (304, 304)
    assert {h: on_miss.get(h) for h in ("ETag", "Vary", "Cache-Control")} == {
        h: on_hit.get(h) for h in ("ETag", "Vary", "Cache-Control")
    }


def test_feed_readers_revalidating_after_an_edit_fill_the_page_cache(
    client, locmem_page_cache, django_assert_num_queries
):
    """After an edit every poll carries a validator: the first must store the feed."""
    inland, ausland = make_category(slug="inland"), make_category(slug="ausland")
    elsewhere = make_release(category=inland)
    make_release(category=ausland)
    path = "/pressemitteilungen/kategorie/ausland/feed/"
    etag = client.get(path)["ETag"]
    elsewhere.title = "Korrigiert"
    elsewhere.save()
    assert client.get(path, headers={"if-none-match": etag}).status_code == 304

    with django_assert_num_queries(0):
        assert client.get(path, headers={"if-none-match": etag}).status_code == 304


def embargo_ends(now):
    make_release(title="Sperrfrist", publish_at=now + datetime.timedelta(minutes=30))
    make_release(title="Älter")
    return "/pressemitteilungen/", now + datetime.timedelta(minutes=30)


def release_withdrawn(now):
    make_release(title="Bleibt")
    withdrawn = make_release(title="Zurückgezogen", publish_at=now - datetime.timedelta(minutes=1))

    def withdraw():
        withdrawn.status = Release.Status.WITHDRAWN
        withdrawn.save()

    return "/pressemitteilungen/", withdraw


def pushed_to_the_next_page(now):
    for _ in range(11):
        make_release()
    return "/pressemitteilungen/?seite=2", lambda: make_release(publish_at=timezone.now())


def event_ended(now):
    make_event(title="Läuft", starts_at=now, ends_at=now + datetime.timedelta(minutes=30))
    make_event(title="Später")
    return "/termine/", now + datetime.timedelta(minutes=30)


def left_the_news_window(now):
    make_release(slug="gestern", publish_at=now - NEWS_WINDOW + datetime.timedelta(minutes=1))
    make_release(slug="heute", publish_at=now - datetime.timedelta(hours=1))
    return "/sitemap-news.xml", now + datetime.timedelta(minutes=1)


@pytest.mark.parametrize(
    "scenario",
    [embargo_ends, release_withdrawn, pushed_to_the_next_page, event_ended, left_the_news_window],
)
def test_a_changed_page_is_sent_again_to_a_client_revalidating_it(
    client, page_cache, now, scenario, committed
):
    """An edit or a scheduled moment changes the page, whatever the dates of its items.

    In none of these does a shown item carry a later date than the page had:
    the item that came in is older, or the one that changed left the page. The
    first page was kept by the page cache: a new body shows it was not served.
    """
    with time_machine.travel(now, tick=False), committed():
        path, change = scenario(now)
    with time_machine.travel(now + datetime.timedelta(seconds=2), tick=False):
        first = client.get(path)
    changed_at = now + datetime.timedelta(minutes=1)
    if isinstance(change, datetime.datetime):
        changed_at = change
    else:
        with time_machine.travel(changed_at, tick=False), committed():
            change()
    tomorrow = changed_at + datetime.timedelta(days=1)
    by_date = {"if-modified-since": http_date(tomorrow.timestamp())}

    with time_machine.travel(changed_at + datetime.timedelta(minutes=1), tick=False):
        by_etag = client.get(path, headers={"if-none-match": first["ETag"]})
        dated = client.get(path, headers=by_date)

    assert (by_etag.status_code, dated.status_code) == (200, 200)
    assert by_etag.content != first.content
    assert dated.content == by_etag.content


def test_a_page_rendered_before_an_edit_is_committed_is_not_served_after_it(
    client, page_cache, now, committed
):
    """Until its commit, only the editing transaction sees the edit; the commit renews the state."""
    with committed():
        release = make_release(title="Alt")
    client.get("/pressemitteilungen/")
    with committed():
        release.title = "Neu"
        release.save()
        other_state = caches["state"].get(GENERATION_KEY)

    after = client.get("/pressemitteilungen/").content.decode()

    assert other_state is not None
    assert caches["state"].get(GENERATION_KEY) != other_state
    assert "Neu" in after and "Alt" not in after


def test_an_editor_page_revalidates_by_etag_only(officer_client):
    """Django's feed view dates a feed by its newest item; for an editor nothing does."""
    make_release()

    response = officer_client.get("/pressemitteilungen/feed/")

    assert response.status_code == 200
    assert response.has_header("ETag")
    assert not response.has_header("Last-Modified")


@pytest.mark.parametrize("path", ["/pressemitteilungen/feed/", "/sitemap-releases.xml"])
def test_a_head_request_gets_no_date_of_the_newest_item(client, now, path):
    """Django's feed and sitemap views date by it; a HEAD gets no ETag to revalidate with either."""
    with time_machine.travel(now - datetime.timedelta(days=1), tick=False):
        make_release()

    response = client.head(path)

    assert response.status_code == 200
    assert not response.has_header("Last-Modified")


def test_pages_and_feeds_are_compressed_for_clients_that_accept_it(client, locmem_page_cache):
    make_release(body="<p>" + "Wirtschaft und Arbeit. " * 200 + "</p>")

    for path in ("/pressemitteilungen/", "/pressemitteilungen/feed/", "/termine/kalender.ics"):
        response = client.get(path, headers={"accept-encoding": "gzip, br"})
        assert response["Content-Encoding"] == "gzip", path


@pytest.mark.parametrize("order", [("gzip", "plain"), ("plain", "gzip")])
def test_cached_pages_are_kept_compressed_and_plain_side_by_side(
    client, page_cache, django_assert_num_queries, order
):
    """A hit is stored as sent; a client without gzip never gets the compressed copy."""
    make_release(body="<p>" + "Wirtschaft und Arbeit. " * 200 + "</p>")
    headers = {"gzip": {"accept-encoding": "gzip, br"}, "plain": {}}

    def fetch(kind):
        return client.get("/pressemitteilungen/feed/", headers=headers[kind])

    stored = {kind: fetch(kind) for kind in order}
    with django_assert_num_queries(0):
        hits = {kind: fetch(kind) for kind in order}

    for kind in order:
        assert hits[kind].get("Content-Encoding") == ("gzip" if kind == "gzip" else None)
        assert (hits[kind].content, hits[kind]["ETag"]) == (
            stored[kind].content,
            stored[kind]["ETag"],
        )
        assert "Accept-Encoding" in hits[kind]["Vary"]
    assert gzip.decompress(hits["gzip"].content) == hits["plain"].content
    # One validator of the plain page, weak when compressed: gzip pads at random.
    assert hits["gzip"]["ETag"] == f"W/{hits['plain']['ETag']}"


def test_public_querysets_refuse_lazy_loads_in_tests(settings):
    make_release()

    release = Release.objects.published().get()

    with pytest.raises(FieldFetchBlocked):
        release.category  # noqa: B018 - the attribute access is the act


def test_production_fetch_mode_loads_a_missed_relation_for_all_rows_at_once(
    settings, django_assert_num_queries
):
    settings.PUBLIC_FETCH_MODE = FETCH_PEERS
    for _ in range(10):
        make_release(category=make_category())

    with django_assert_num_queries(2):
        names = [release.category.name for release in Release.objects.published()]

    assert len(set(names)) == 10


def test_an_edit_saved_by_another_worker_shows_on_this_workers_cached_page(
    client, settings, committed
):
    """Pages may sit in one worker's memory; the generation they hang on is shared."""
    state = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"}

    def worker(name):
        local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}
        settings.CACHES = {"default": local, "state": state}

    settings.PAGE_CACHE_TIMEOUT = 300
    release = make_release(title="Vorher")
    worker("erster")
    client.get("/pressemitteilungen/")

    worker("zweiter")
    with committed():
        release.title = "Nachher"
        release.save()
    worker("erster")
    body = client.get("/pressemitteilungen/").content.decode()

    assert "Nachher" in body
    assert "Vorher" not in body


class CountedReads(LocMemCache):
    """Local memory that counts its reads."""

    reads = 0

    def get(self, *args, **kwargs):
        self.reads += 1
        return super().get(*args, **kwargs)


def test_a_request_reads_the_shared_state_once_and_a_hit_nothing_else(
    client, settings, committed, django_assert_num_queries
):
    """Generation and next change, then the page: three reads of Redis (or a file) a request."""
    settings.CACHES = {
        alias: {"BACKEND": "tests.test_page_cache.CountedReads", "LOCATION": uuid.uuid4().hex}
        for alias in ("default", "state")
    }
    settings.PAGE_CACHE_TIMEOUT = 300
    with committed():
        release = make_release(topics=[make_topic()])
    client.get(release.get_absolute_url())
    caches["default"].reads = caches["state"].reads = 0

    with django_assert_num_queries(0):
        assert client.get(release.get_absolute_url()).status_code == 200

    assert (caches["state"].reads, caches["default"].reads) == (2, 1)


class CountedWrites(LocMemCache):
    """Local memory that records the keys written to it."""

    written: list

    def set(self, key, *args, **kwargs):
        self.written.append(key)
        return super().set(key, *args, **kwargs)


def test_an_admin_save_renews_the_generation_once(officer_client, settings, committed):
    """A release with its topics, quotes and figures is one change of content, not twelve."""
    settings.CACHES = {
        **settings.CACHES,
        "state": {"BACKEND": "tests.test_page_cache.CountedWrites", "LOCATION": "written"},
    }
    caches["state"].written = []
    with committed():
        category, topic = make_category(), make_topic()
        quote = make_quote()
    form = admin_form(officer_client, "/admin/releases/release/add/") | {
        "title": "Neue Meldung",
        "slug": "neue-meldung",
        "lead": "Ein Vorspann.",
        "body": "<p>Text.</p>",
        "category": str(category.pk),
        "topics": str(topic.pk),
        "_decision": "approve",
        "releasequote_set-TOTAL_FORMS": "1",
        "releasequote_set-0-order": "1",
        "releasequote_set-0-quote": str(quote.pk),
    }
    caches["state"].written = []

    with committed():
        response = officer_client.post("/admin/releases/release/add/", form)

    assert response.status_code == 302
    assert Release.objects.get().topics.get() == topic
    assert caches["state"].written == [GENERATION_KEY]


def test_the_shared_state_holds_two_entries_however_many_edits(
    client, settings, tmp_path, committed
):
    """Generation and next change only: a record per generation filled Redis, and the
    file cache's culling (300 entries) then took the current generation with it."""
    settings.CACHES = {
        "default": CACHES["locmem"],
        "state": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": tmp_path,
        },
    }
    settings.PAGE_CACHE_TIMEOUT = 300
    for number in range(5):
        with committed():
            make_release(title=f"Meldung {number}")
        shown = client.get("/pressemitteilungen/").content.decode()

    assert "Meldung 4" in shown
    assert len(list(tmp_path.glob("*.djcache"))) == 2


def test_pages_are_served_uncached_while_the_cache_is_unreachable(
    client, settings, caplog, committed
):
    """Redis down at 2 a.m.: edits are saved, readers get current pages, only slower."""
    closed = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    settings.CACHES = {"default": closed, "state": closed}
    settings.PAGE_CACHE_TIMEOUT = 300
    with committed():
        make_release(title="Trotzdem da")

    responses = [
        client.get(path) for path in ("/", "/pressemitteilungen/", "/pressemitteilungen/feed/")
    ]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert all("Trotzdem da" in response.content.decode() for response in responses)
    # Nothing promised to proxies that the site could not check.
    assert [response.get("Cache-Control") for response in responses] == [None, None, None]
    assert [response.get("Last-Modified") for response in responses] == [None, None, None]
    assert "Cache unreachable (ConnectionError: Error 111 connecting" in caplog.text
    assert "cached pages may lag behind this edit" in caplog.text


def test_an_editor_saves_while_the_cache_is_unreachable(officer_client, settings):
    closed = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    settings.CACHES = {"default": closed, "state": closed}
    release = make_release(title="Alt")
    url = f"/admin/releases/release/{release.pk}/change/"
    form = officer_client.get(url).context["adminform"].form
    data = {
        name: form[name].value()
        for name in ("title", "slug", "lead", "body", "category", "edit_version")
    }
    data |= {
        "title": "Neu",
        "releasequote_set-TOTAL_FORMS": "0",
        "releasequote_set-INITIAL_FORMS": "0",
        "releasestatistic_set-TOTAL_FORMS": "0",
        "releasestatistic_set-INITIAL_FORMS": "0",
        "releaseimage_set-TOTAL_FORMS": "0",
        "releaseimage_set-INITIAL_FORMS": "0",
        "releaseattachment_set-TOTAL_FORMS": "0",
        "releaseattachment_set-INITIAL_FORMS": "0",
    }

    response = officer_client.post(url, data)

    assert response.status_code == 302
    release.refresh_from_db()
    assert release.title == "Neu"
