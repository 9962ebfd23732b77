"""The page cache: anonymous GETs of public pages, never stale past an edit or an embargo.

Every key holds a content generation that any save, delete or relation change
of content replaces, so an edit makes every cached page unreachable at once.
The generation lives in the "state" cache, which all worker processes share
(Redis, or files on one host), while pages may sit in per-process memory.
No entry, and no Cache-Control promise to a proxy, outlives the next moment at
which a public surface would answer differently: the earliest future
publish_at of a published release or event, the end of a running event, or
a release leaving the news sitemap's window.
"""

import hashlib
import logging
import math
import re
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import Max, Min, Q, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from redis.exceptions import RedisError

from office.per_request import forget, per_request

logger = logging.getLogger(__name__)

# What the file cache and Redis raise when they cannot be reached.
CACHE_ERRORS = (OSError, RedisError)
CONTENT_APPS = {"office", "releases", "events"}
GENERATION_KEY = "plenum:generation"
# Not the "plenum:next-change" of before: its records have another shape.
SCHEDULED_CHANGES_KEY = "plenum:scheduled-changes"
# The views read these parameters; any other query string bypasses the cache.
KNOWN_PARAMETERS = {"seite", "q", "typ", "kategorie", "jahr", "p"}
# How long a proxy or CDN may hold a page, at most, and serve it while refreshing.
SHARED_MAX_AGE = 60
STALE_WHILE_REVALIDATE = 30
# How long a piece kept per generation lives at most when nothing changes.
PER_GENERATION_LIMIT = 60 * 60
# How long Redis remembers since when an address serves its body (last_modified).
SERVED_SINCE_LIMIT = 24 * 60 * 60
# Until an edit is committed, a page may show either side of it: the generation
# renewed before the commit names a start this far ahead, so no page of it is
# dated, even if the renewal after the commit is lost. Longer than any commit takes.
UNSETTLED = timedelta(minutes=10)
# A new deploy may render the same content differently: no page is dated before
# the process that renders it started (last_modified).
PROCESS_STARTED = datetime.now(UTC)


def new_generation(settled: bool = True) -> str:
    # Named by its start, so that no page of it is dated earlier (last_modified).
    began = timezone.now() + (timedelta(0) if settled else UNSETTLED)
    generation = f"{int(began.timestamp() * 1_000_000)}-{uuid.uuid4().hex}"
    caches["state"].set(GENERATION_KEY, generation, timeout=None)
    # A request that edits reads its own edit's generation from here on.
    forget("state")
    return generation


def renew_generation(settled: bool = True):
    try:
        new_generation(settled)
    except CACHE_ERRORS:
        # The edit matters more than the cache: it is saved, and pages cached
        # before the outage expire within PAGE_CACHE_TIMEOUT (a restarted Redis
        # keeps none).
        logger.exception("Cache unreachable; cached pages may lag behind this edit")


def content_changed(sender, action="post_", **kwargs):
    """Receive save, delete and m2m signals, before and after the write.

    Before it and until its commit the generation is unsettled. Saved outside a
    transaction, a row is committed before post_save: a page rendered then must
    not carry the date of the generation before.
    """
    if sender._meta.app_label not in CONTENT_APPS:
        return
    renew_generation(settled=False)
    if kwargs["signal"] in (pre_save, pre_delete) or action.startswith("pre_"):
        return
    # A request that rendered the old state between the save and the commit
    # must not stay cached under the new generation.
    transaction.on_commit(renew_generation)


CHANGE_SIGNALS = (pre_save, post_save, pre_delete, post_delete, m2m_changed)


def watch_content(watch: bool = True):
    """Connect content_changed to every write of content (office/apps.py), or disconnect it."""
    for signal in CHANGE_SIGNALS:
        uid = f"page-cache-{signal}"
        if watch:
            signal.connect(content_changed, dispatch_uid=uid)
        else:
            signal.disconnect(dispatch_uid=uid)


@contextmanager
def one_change():
    """Renew the generation once for a batch of writes in one transaction, not for each write.

    Each write renews it twice and queues a renewal for the commit: for an
    import of thousands of releases that was most of its time. Only for
    commands, which have the process to themselves.
    """
    watch_content(False)
    renew_generation(settled=False)
    try:
        yield
    finally:
        watch_content()
        transaction.on_commit(renew_generation)


def generation_began(generation: str | None) -> datetime | None:
    """Return the start a generation is named by, or None for one named otherwise."""
    if not re.fullmatch(r"\d{16,17}-[0-9a-f]{32}", generation or ""):
        return None
    return datetime.fromtimestamp(int(generation.partition("-")[0]) / 1_000_000, tz=UTC)


def scheduled_changes(now: datetime) -> tuple[datetime | None, datetime | None]:
    """Return the last and the next moment a public surface changes without an edit (queries).

    A release changes them at its publish_at and when it leaves the news sitemap's
    window, an event at its publish_at and its end.
    """
    from events.models import Event
    from releases.models import Release
    from releases.sitemaps import NEWS_WINDOW

    # Each moment is one step along the published index, a subquery each; FILTER
    # aggregates read all 10,000 entries (9 ms). Two queries, as before.
    published = Release.objects.filter(status=Release.Status.PUBLISHED)
    news_since = now - NEWS_WINDOW

    def first(order, **bounds):
        return Subquery(published.filter(**bounds).order_by(order).values("publish_at")[:1])

    # On any one published row, unordered: the model's order would sort them all.
    moments = published.order_by().values(
        last=first("-publish_at", publish_at__lte=now),
        next=first("publish_at", publish_at__gt=now),
        last_news=first("-publish_at", publish_at__lt=news_since),
        next_news=first("publish_at", publish_at__gte=news_since, publish_at__lte=now),
    )[:1]
    releases = next(iter(moments), dict.fromkeys(("last", "next", "last_news", "next_news")))
    left_news, leaves_news = (
        at + NEWS_WINDOW if at else None for at in (releases["last_news"], releases["next_news"])
    )
    events = Event.objects.filter(status=Event.Status.PUBLISHED).aggregate(
        last_publish=Max("publish_at", filter=Q(publish_at__lte=now)),
        last_end=Max("ends_at", filter=Q(ends_at__lte=now)),
        next_publish=Min("publish_at", filter=Q(publish_at__gt=now)),
        next_end=Min("ends_at", filter=Q(ends_at__gt=now)),
    )
    last = [releases["last"], left_news, events["last_publish"], events["last_end"]]
    upcoming = [releases["next"], leaves_news, events["next_publish"], events["next_end"]]
    return (
        max((at for at in last if at is not None), default=None),
        min((at for at in upcoming if at is not None), default=None),
    )


NEVER = "never"  # cached for "no change scheduled", which None cannot say in a cache


class State(NamedTuple):
    """What the public surfaces show: it changes with an edit or at a scheduled moment."""

    generation: str
    change: datetime | None  # the next scheduled moment, if any
    began: datetime  # the edit or the scheduled moment this state began with

    def is_current(self, now: datetime) -> bool:
        """Return whether no edit and no scheduled moment came since (one read)."""
        unchanged = caches["state"].get(GENERATION_KEY) == self.generation
        return unchanged and (self.change is None or self.change > now)


def current_state(now: datetime) -> State:
    """Return the content state, read once per request.

    A page asks once per piece it keeps, each ask two reads of a file or Redis.
    Read once, the state is never newer than the data the request reads after
    it, so nothing is kept under a generation it is older than.
    """
    return per_request("state", lambda: read_state(now))


def read_state(now: datetime) -> State:
    """Return the content state, its scheduled moments computed once per generation."""
    state = caches["state"]
    generation = state.get(GENERATION_KEY)
    began = generation_began(generation)
    if began is None:
        # None yet, or one named before generations carried their start.
        generation = new_generation()
        began = generation_began(generation)
    # One record for the current generation, not a key per generation: those
    # piled up in Redis, and in the file cache their culling took the
    # generation with them. A record of another generation is computed again.
    stored_generation, stored, last = state.get(SCHEDULED_CHANGES_KEY) or (None, None, None)
    if stored_generation != generation or (stored != NEVER and stored <= now):
        last, change = scheduled_changes(now)
        state.set(SCHEDULED_CHANGES_KEY, (generation, change or NEVER, last), timeout=None)
    else:
        change = None if stored == NEVER else stored
    return State(generation, change, max(began, last) if last else began)


def per_generation(name: str, compute, limit: int = PER_GENERATION_LIMIT):
    """Return compute()'s value, kept until the next edit or scheduled change, or `limit` s.

    Computed afresh, and not kept, while the cache is unreachable.
    """
    now = timezone.now()
    try:
        generation, change, _ = current_state(now)
        key = f"plenum:{name}:{generation}:{change.timestamp() if change else NEVER}"
        value = cache.get(key)
    except CACHE_ERRORS:
        logger.exception("Cache unreachable; %s computed afresh", name)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, seconds_until(change, now, limit))
        except CACHE_ERRORS:
            logger.exception("Cache unreachable; %s not kept", name)
    return value


class CountPerGeneration:
    """A ListView mixin: the paginator's total is kept per content generation.

    Counting the published releases (or quotes, figures) of 10,000 costs 1–5 ms of
    every list page, and the total changes only with an edit or a scheduled change.
    `count_key()` names what the view counts, e.g. the category.
    """

    def count_key(self) -> str:
        return type(self).__name__

    def get_paginator(self, queryset, *args, **kwargs):
        paginator = super().get_paginator(queryset, *args, **kwargs)
        # Paginator.count is a cached_property: a value set here is used instead.
        paginator.count = per_generation(f"count:{self.count_key()}", queryset.count)
        return paginator


def seconds_until(change: datetime | None, now: datetime, limit: int) -> int:
    if change is None:
        return limit
    return max(0, min(limit, math.floor((change - now).total_seconds())))


def is_public_request(request) -> bool:
    """An anonymous GET of a public page the views know how to read: one answer for all."""
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(settings.UNCACHED_PATH_PREFIXES)
        and set(request.GET) <= KNOWN_PARAMETERS
    )


def is_cacheable_request(request) -> bool:
    return settings.PAGE_CACHE_TIMEOUT > 0 and is_public_request(request)


def is_storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")
    )


def address(request) -> tuple[str, list[tuple[str, str]]]:
    """Return the path and the query in one order, whatever order the client sent."""
    return request.path, sorted((k, v) for k in request.GET for v in request.GET.getlist(k))


def page_key(request, generation: str, change: datetime | None) -> str:
    # The next change is part of the key, so a page is stale the moment it
    # passes even where the cache's own clock or expiry is late (Redis).
    # Stored as sent: compressed for clients that accept gzip, plain for the rest.
    gzip = bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))
    digest = hashlib.sha256(repr((*address(request), change, gzip)).encode()).hexdigest()
    # "v2": pages of workers before dating by content state must not be served by these.
    return f"plenum:page:v2:{generation}:{digest}"


def last_modified(request, etag: str) -> datetime | None:
    """Return the Last-Modified of a public page with this ETag, or None where none is sure.

    Not the date of the newest shown item: that misses what leaves a page (a
    withdrawn release, an ended event, a list a new release shifts) and what an
    embargo's end brings in with an older date, and a client revalidating with
    If-Modified-Since alone would keep the old page. Bodies change only with the
    content state, so a page is dated by the start of the state it was rendered
    in, rounded up to the whole second HTTP dates have, and not at all in that
    second or when the state changed while it was rendered (a page of the old
    state must not share a date with one of the new). With Redis, shared by all
    workers, an address keeps its date for as long as it serves the same body,
    across edits elsewhere; a record is never replaced by one of an older state
    (a render that finished late). A worker's own memory could not know what
    the others served, so there every page has the date of the state.
    """
    now = timezone.now()
    try:
        state = current_state(now)
        began = max(state.began, PROCESS_STARTED)
        since = datetime.fromtimestamp(math.ceil(began.timestamp()), tz=UTC)
        if since > now or not state.is_current(now):
            return None
        # Nobody revalidates a search by date: no record per query in Redis.
        if isinstance(caches["default"], LocMemCache) or "q" in request.GET:
            return since
        key = "plenum:served-since:" + hashlib.sha256(repr(address(request)).encode()).hexdigest()
        record = cache.get(key)
        if record is not None and record[0] == etag:
            return record[1]
        if record is None or record[1] <= since:
            cache.set(key, (etag, since), SERVED_SINCE_LIMIT)
            # Written after the state changed, the record may stand over a newer
            # body's (get and set are not one step): no record is safe, a wrong one not.
            if not state.is_current(timezone.now()):
                cache.delete(key)
        return since
    except CACHE_ERRORS:
        logger.exception("Cache unreachable; no Last-Modified")
        return None


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable_request(request):
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                # An editor's page may differ from the public one; no proxy keeps it.
                patch_cache_control(response, private=True)
            return response
        now = timezone.now()
        try:
            generation, change, _ = current_state(now)
            key = page_key(request, generation, change)
            response = cache.get(key)
        except CACHE_ERRORS:
            # Without the shared state no page can be known fresh: serve it
            # uncached, slower but correct, until the cache is back.
            logger.exception("Page cache unreachable; serving uncached")
            return self.get_response(request)
        if response is None:
            response = self.get_response(request)
            if not is_storable(response):
                return response
            timeout = seconds_until(change, now, settings.PAGE_CACHE_TIMEOUT)
            if timeout > 0:
                try:
                    cache.set(key, response, timeout)
                except CACHE_ERRORS:
                    logger.exception("Page cache unreachable; page not stored")
        elif not response.has_header("Last-Modified") and response.has_header("ETag"):
            # Kept undated from its state's first second (last_modified): dated once it passed.
            since = last_modified(request, response["ETag"].removeprefix("W/"))
            if since is not None:
                response.headers["Last-Modified"] = http_date(since.timestamp())
        # Computed per response, so a proxy never holds a page past the next change.
        shared = seconds_until(change, now, SHARED_MAX_AGE)
        stale = seconds_until(change, now, shared + STALE_WHILE_REVALIDATE) - shared
        patch_cache_control(
            response, public=True, max_age=0, s_maxage=shared, stale_while_revalidate=stale
        )
        return response
