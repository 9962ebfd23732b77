"""The page cache: anonymous GETs of public pages, never stale past an edit or an embargo.

Every key holds a content generation that any save, delete or relation change
of content replaces, so an edit makes every cached page unreachable at once.
The generation lives in the "state" cache, which all worker processes share
(Redis, or files on one host), while pages may sit in per-process memory.
No entry, and no Cache-Control promise to a proxy, outlives the next moment at
which published() or upcoming() would answer differently: the earliest future
publish_at of a published release or event, or the end of a running event.
"""

import hashlib
import logging
import math
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import Min, Q
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.cache import patch_cache_control
from redis.exceptions import RedisError

from office.per_request import forget, per_request

logger = logging.getLogger(__name__)

# What the file cache and Redis raise when they cannot be reached.
CACHE_ERRORS = (OSError, RedisError)
CONTENT_APPS = {"office", "releases", "events"}
GENERATION_KEY = "plenum:generation"
NEXT_CHANGE_KEY = "plenum:next-change"
# The views read these parameters; any other query string bypasses the cache.
KNOWN_PARAMETERS = {"seite", "q", "typ", "kategorie", "jahr", "p"}
# How long a proxy or CDN may hold a page, at most, and serve it while refreshing.
SHARED_MAX_AGE = 60
STALE_WHILE_REVALIDATE = 30
# How long a piece kept per generation lives at most when nothing changes.
PER_GENERATION_LIMIT = 60 * 60
# How long the moment a page's body was first served is remembered (first_served).
FIRST_SERVED_LIMIT = 24 * 60 * 60


def new_generation() -> str:
    generation = uuid.uuid4().hex
    caches["state"].set(GENERATION_KEY, generation, timeout=None)
    # A request that edits reads its own edit's generation from here on.
    forget("state")
    return generation


def renew_generation():
    try:
        new_generation()
    except CACHE_ERRORS:
        # The edit matters more than the cache: it is saved, and pages cached
        # before the outage expire within PAGE_CACHE_TIMEOUT (a restarted Redis
        # keeps none).
        logger.exception("Cache unreachable; cached pages may lag behind this edit")


def content_changed(sender, **kwargs):
    """Receive save, delete and m2m signals; replace the generation now and after commit."""
    if sender._meta.app_label not in CONTENT_APPS:
        return
    renew_generation()
    # A request that rendered the old state between the save and the commit
    # must not stay cached under the new generation.
    transaction.on_commit(renew_generation)


def next_change(now: datetime) -> datetime | None:
    """Return the next moment a public surface changes without an edit (queries)."""
    from events.models import Event
    from releases.models import Release

    candidates = [
        Release.objects.filter(status=Release.Status.PUBLISHED, publish_at__gt=now).aggregate(
            at=Min("publish_at")
        )["at"],
        *Event.objects.filter(status=Event.Status.PUBLISHED)
        .aggregate(
            publish=Min("publish_at", filter=Q(publish_at__gt=now)),
            end=Min("ends_at", filter=Q(ends_at__gt=now)),
        )
        .values(),
    ]
    return min((at for at in candidates if at is not None), default=None)


NEVER = "never"  # cached for "no change scheduled", which None cannot say in a cache


def current_state(now: datetime) -> tuple[str, datetime | None]:
    """Return the content generation and its next change, read once per request.

    A page asks once per piece it keeps, each ask two reads of a file or Redis.
    Read once, the state is never newer than the data the request reads after
    it, so nothing is kept under a generation it is older than.
    """
    return per_request("state", lambda: read_state(now))


def read_state(now: datetime) -> tuple[str, datetime | None]:
    """Return the content generation and its next change, computed once per generation."""
    state = caches["state"]
    generation = state.get(GENERATION_KEY) or new_generation()
    # One record for the current generation, not a key per generation: those
    # piled up in Redis, and in the file cache their culling took the
    # generation with them. A record of another generation is computed again.
    stored_generation, stored = state.get(NEXT_CHANGE_KEY) or (None, None)
    if stored_generation == generation:
        if stored == NEVER:
            return generation, None
        if stored > now:
            return generation, stored
    change = next_change(now)
    state.set(NEXT_CHANGE_KEY, (generation, change or NEVER), timeout=None)
    return generation, change


def per_generation(name: str, compute, limit: int = PER_GENERATION_LIMIT):
    """Return compute()'s value, kept until the next edit or scheduled change, or `limit` s.

    Computed afresh, and not kept, while the cache is unreachable.
    """
    now = timezone.now()
    try:
        generation, change = current_state(now)
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
    return f"plenum:page:{generation}:{digest}"


def first_served(request, etag: str) -> datetime:
    """Return since when this address answers with the body of this ETag: its Last-Modified.

    A date taken from the shown items misses what leaves a page (a withdrawn
    release, an ended event, a list that a new release shifts) and what an
    embargo's end brings in with an older date: a client that revalidates with
    If-Modified-Since alone would keep the old page. The moment a body was first
    served misses none of them. Shared by all workers (Redis), the record holds
    across edits elsewhere. A worker's own memory may have missed a body the
    others served meanwhile (an edit and its revert), so there a record counts
    only in the content state it was made in. Forgotten or new: now, and at
    least a second after the body it replaces, as HTTP dates are whole seconds.
    """
    now = timezone.now()
    try:
        state = repr(current_state(now))
        key = "plenum:served:" + hashlib.sha256(repr(address(request)).encode()).hexdigest()
        record = cache.get(key)
        if record is not None:
            served_etag, since, served_state = record
            shared = not isinstance(caches["default"], LocMemCache)
            if served_etag == etag and (shared or served_state == state):
                return since
            now = max(now, since + timedelta(seconds=1))
        cache.set(key, (etag, now, state), FIRST_SERVED_LIMIT)
    except CACHE_ERRORS:
        logger.exception("Cache unreachable; Last-Modified is now")
    return now


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
            generation, change = current_state(now)
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
        # Computed per response, so a proxy never holds a page past the next change.
        shared = seconds_until(change, now, SHARED_MAX_AGE)
        stale = seconds_until(change, now, shared + STALE_WHILE_REVALIDATE) - shared
        patch_cache_control(
            response, public=True, max_age=0, s_maxage=shared, stale_while_revalidate=stale
        )
        return response
