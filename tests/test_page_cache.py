"""The page cache and conditional GET: fast, and never stale past an edit or an embargo."""

import datetime
import functools
import gzip
import math
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

import office.cache
from office import per_request
from office.cache import GENERATION_KEY, per_generation, renew_generation
from releases.models import Release
from releases.sitemaps import NEWS_WINDOW
from releases.views import ReleaseListView
from tests.kit.caches import shared_caches
from tests.kit.factories import make_category, make_event, make_release, make_topic

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


def test_an_edit_shows_on_the_cached_page_at_once(client, page_cache):
    release = make_release(title="Alter Titel")
    client.get("/pressemitteilungen/")

    release.title = "Neuer Titel"
    release.save()
    body = client.get("/pressemitteilungen/").content.decode()

    assert "Neuer Titel" in body
    assert "Alter Titel" not in body


def test_a_delete_and_a_topic_change_show_at_once(client, page_cache):
    topic = make_topic(slug="energie")
    kept = make_release(title="Bleibt", topics=[topic])
    removed = make_release(title="Entfernt", topics=[topic])
    client.get("/pressemitteilungen/thema/energie/")

    removed.delete()
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
def committed(django_capture_on_commit_callbacks):
    """Edits as the admin commits them: the test's transaction never does, and
    until an edit is committed no page is dated (office/cache.py)."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


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


def whole_second_after(moment):
    return http_date(math.ceil(moment.timestamp()))


@pytest.mark.parametrize("path", CONDITIONAL_PATHS)
def test_unchanged_page_or_feed_answers_304_to_its_date(
    client, locmem_page_cache, conditional_content, path
):
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2)):
        first = client.get(path)
        again = client.get(path, headers={"if-modified-since": first["Last-Modified"]})

    assert (again.status_code, again.content) == (304, b"")


def test_etag_is_per_feed_and_changes_with_its_content(client, locmem_page_cache):
    first = make_category(slug="inland")
    second = make_category(slug="ausland")
    release = make_release(category=first)
    make_release(category=second)
    inland = client.get("/pressemitteilungen/kategorie/inland/feed/")["ETag"]
    ausland = client.get("/pressemitteilungen/kategorie/ausland/feed/")["ETag"]

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
def test_a_changed_page_is_sent_again_to_a_client_asking_by_date(
    client, page_cache, now, scenario, committed
):
    """An edit or a scheduled moment dates the page anew, whatever the dates of its items.

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

    with time_machine.travel(changed_at + datetime.timedelta(minutes=1), tick=False):
        again = client.get(path, headers={"if-modified-since": first["Last-Modified"]})

    assert first["Last-Modified"] == whole_second_after(now)
    assert again.status_code == 200
    assert again.content != first.content
    assert again["Last-Modified"] == whole_second_after(changed_at)


def test_a_page_of_the_second_its_content_changed_is_not_dated(client, page_cache, now, committed):
    """HTTP dates are whole seconds: a page of that second could share a date with an older one."""
    with time_machine.travel(now, tick=False), committed():
        path, withdraw = release_withdrawn(now)
    later = now + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        first = client.get(path)
        with committed():
            withdraw()
        again = client.get(path, headers={"if-modified-since": first["Last-Modified"]})
    with time_machine.travel(later + datetime.timedelta(seconds=1), tick=False):
        next_second = client.get(path)

    assert again.status_code == 200
    assert "Last-Modified" not in again
    assert next_second["Last-Modified"] == whole_second_after(later)


def test_a_page_kept_undated_is_dated_once_its_first_second_passed(
    client, page_cache, now, django_assert_num_queries, committed
):
    with time_machine.travel(now, tick=False):
        with committed():
            make_release()
        undated = client.get("/pressemitteilungen/")
    with (
        time_machine.travel(now + datetime.timedelta(seconds=1), tick=False),
        django_assert_num_queries(0),
    ):
        dated = client.get("/pressemitteilungen/")

    assert "Last-Modified" not in undated
    assert dated["Last-Modified"] == whole_second_after(now)
    assert dated.content == undated.content


@pytest.mark.parametrize("cached", [True, False], ids=["page cache", "no page cache"])
def test_a_page_rendered_across_an_edit_elsewhere_is_not_dated(
    client, settings, monkeypatch, now, committed, cached
):
    """Its body may be of either state: dated in the new one, a client could keep the old.

    The edit commits in another worker after this one read the list; the state
    read before the view, and again after it, tells.
    """
    settings.PAGE_CACHE_TIMEOUT = 300 if cached else 0
    with time_machine.travel(now, tick=False), committed():
        make_release(title="Bleibt")
    original = ReleaseListView.get_queryset

    def edited_elsewhere_after_reading(view):
        queryset = original(view)
        list(queryset)
        caches["state"].set(GENERATION_KEY, f"{int(now.timestamp() * 1e6)}-{uuid.uuid4().hex}")
        return queryset

    monkeypatch.setattr(ReleaseListView, "get_queryset", edited_elsewhere_after_reading)
    with time_machine.travel(now + datetime.timedelta(minutes=1), tick=False):
        response = client.get("/pressemitteilungen/")

    assert "Bleibt" in response.content.decode()
    assert "Last-Modified" not in response


def test_a_page_rendered_before_an_edit_is_committed_is_not_dated(
    client, page_cache, now, committed
):
    """It shows the edit to its own transaction's reader only; the commit dates the next."""
    with time_machine.travel(now, tick=False), committed():
        release = make_release(title="Alt")
    saved_at = now + datetime.timedelta(minutes=1)
    with time_machine.travel(saved_at, tick=False) as clock:
        with committed():
            release.title = "Neu"
            release.save()
            clock.shift(datetime.timedelta(seconds=5))
            uncommitted = client.get("/pressemitteilungen/")
        clock.shift(datetime.timedelta(seconds=5))
        after = client.get("/pressemitteilungen/")

    assert "Last-Modified" not in uncommitted
    assert after["Last-Modified"] == whole_second_after(saved_at + datetime.timedelta(seconds=5))


def test_no_page_is_dated_before_its_worker_started(client, monkeypatch, now, committed):
    """A deploy may render the same content anew: a date of before would keep the old page."""
    with time_machine.travel(now, tick=False), committed():
        make_release()
    deployed = now + datetime.timedelta(minutes=1)
    monkeypatch.setattr(office.cache, "PROCESS_STARTED", deployed)

    with time_machine.travel(deployed + datetime.timedelta(minutes=1), tick=False):
        response = client.get("/pressemitteilungen/")

    assert response["Last-Modified"] == whole_second_after(deployed)


@pytest.mark.parametrize(
    ("backend", "answer"), [("redis", 304), ("locmem", 200)], ids=["shared", "per-process"]
)
def test_an_edit_elsewhere_keeps_a_page_date_where_workers_share_it(
    client, settings, now, backend, answer, committed
):
    """A worker remembering alone cannot know what the others served: it dates by the state."""
    settings.CACHES = shared_caches(CACHES[backend])
    with time_machine.travel(now, tick=False), committed():
        inland, ausland = make_category(slug="inland"), make_category(slug="ausland")
        elsewhere = make_release(category=inland)
        make_release(category=ausland)
    path = "/pressemitteilungen/kategorie/ausland/"
    with time_machine.travel(now + datetime.timedelta(seconds=2), tick=False):
        first = client.get(path)
    with time_machine.travel(now + datetime.timedelta(minutes=1), tick=False), committed():
        elsewhere.title = "Korrigiert"
        elsewhere.save()
    with time_machine.travel(now + datetime.timedelta(minutes=2), tick=False):
        again = client.get(path, headers={"if-modified-since": first["Last-Modified"]})

    assert first["Last-Modified"] == whole_second_after(now)
    assert again.status_code == answer


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


def test_an_edit_saved_by_another_worker_shows_on_this_workers_cached_page(client, settings):
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


def test_a_request_reads_the_shared_state_once_for_all_it_keeps(client, settings, committed):
    """Generation and scheduled changes before, the generation again after rendering.

    Three reads of Redis (or a file) a request, not two a piece: the last one
    dates the page only if no edit came while it was rendered.
    """
    settings.CACHES = {
        alias: {"BACKEND": "tests.test_page_cache.CountedReads", "LOCATION": uuid.uuid4().hex}
        for alias in ("default", "state")
    }
    with committed():
        release = make_release(topics=[make_topic()])
    client.get(release.get_absolute_url())
    caches["default"].reads = caches["state"].reads = 0

    # Past the first second of the content state, in which no page is dated.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=2)):
        assert client.get(release.get_absolute_url()).status_code == 200

    # The profile, the release, its related releases, the archive links.
    assert caches["default"].reads >= 4
    assert caches["state"].reads == 3


def test_the_shared_state_holds_two_entries_however_many_edits(client, settings, tmp_path):
    """Generation and next change only: a record per generation filled Redis, and the
    file cache's culling (300 entries) then took the current generation with it."""
    settings.CACHES = {
        "default": CACHES["locmem"],
        "state": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": tmp_path,
        },
    }
    for number in range(5):
        make_release(title=f"Meldung {number}")
        page = client.get("/pressemitteilungen/").content.decode()

    assert "Meldung 4" in page
    assert len(list(tmp_path.glob("*.djcache"))) == 2


def test_pieces_kept_after_an_edit_in_a_request_hang_on_the_new_generation():
    per_request.start()
    try:
        before = per_generation("probe", lambda: "vorher")
        renew_generation()
        after = per_generation("probe", lambda: "nachher")
    finally:
        per_request.end()

    assert (before, after) == ("vorher", "nachher")


def test_outside_a_request_every_piece_reads_the_state_afresh():
    before = per_generation("probe", lambda: "vorher")
    caches["state"].set(GENERATION_KEY, "anderer-prozess")

    assert (before, per_generation("probe", lambda: "nachher")) == ("vorher", "nachher")


def test_pages_are_served_uncached_while_the_cache_is_unreachable(client, settings, caplog):
    """Redis down at 2 a.m.: edits are saved, readers get current pages, only slower."""
    closed = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    settings.CACHES = {"default": closed, "state": closed}
    settings.PAGE_CACHE_TIMEOUT = 300
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
        for name in ("title", "slug", "lead", "body", "category", "status", "edit_version")
    }
    data |= {
        "title": "Neu",
        "publish_at_0": timezone.localtime(release.publish_at).strftime("%d.%m.%Y"),
        "publish_at_1": timezone.localtime(release.publish_at).strftime("%H:%M:%S"),
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
